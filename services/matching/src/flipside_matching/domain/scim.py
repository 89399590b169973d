"""SCIM 2.0 users (RFC 7643, RFC 7644) as an identity provider sends them, and the participant profile each one is.

Pure: the resource is a JSON object as the provider set it; this module reads a profile out of it, applies a PATCH
to it, and reads the one filter providers send before creating someone (`userName eq "..."`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import ValidationError

from flipside_shared.events import ParticipantProfile

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
FLIPSIDE = "urn:flipside:params:scim:schemas:extension:2.0:User"
EXTENSIONS = (ENTERPRISE, FLIPSIDE)

ScimType = Literal[
    "invalidValue", "invalidSyntax", "invalidFilter", "invalidPath", "noTarget", "uniqueness", "mutability"
]


class ScimRefusal(Exception):
    """What the provider sent cannot be taken: the SCIM `scimType`, the detail naming the attribute, the HTTP status."""

    def __init__(self, scim_type: ScimType | None, detail: str, status: int = 400) -> None:
        super().__init__(detail)
        self.scim_type = scim_type
        self.detail = detail
        self.status = status


# Where each profile field comes from, to name the SCIM attribute when the profile refuses a value.
ATTRIBUTE_OF_FIELD = {
    "program_id": f"{FLIPSIDE}:programId",
    "display_name": "displayName",
    "email": "emails",
    "locale": "preferredLanguage",
    "role": f"{FLIPSIDE}:role",
    "grade": f"{FLIPSIDE}:grade",
    "tenure_months": f"{FLIPSIDE}:tenureMonths",
    "department": f"{ENTERPRISE}:department",
    "manager_id": f"{ENTERPRISE}:manager.value",
    "reporting_chain": f"{FLIPSIDE}:reportingChain",
    "country": f"{FLIPSIDE}:country",
    "time_zone": "timezone",
    "working_hours": f"{FLIPSIDE}:workingHours",
    "languages": f"{FLIPSIDE}:languages",
    "skills": f"{FLIPSIDE}:skills",
    "goals": f"{FLIPSIDE}:goals",
    "interests": f"{FLIPSIDE}:interests",
    "capacity": f"{FLIPSIDE}:capacity",
    "hours_per_month": f"{FLIPSIDE}:hoursPerMonth",
    "exclusions": f"{FLIPSIDE}:exclusions",
}

# Flipside extension attribute -> profile field, for those that map one to one.
_FLIPSIDE_FIELDS = {
    "programId": "program_id",
    "role": "role",
    "grade": "grade",
    "tenureMonths": "tenure_months",
    "country": "country",
    "workingHours": "working_hours",
    "languages": "languages",
    "skills": "skills",
    "goals": "goals",
    "interests": "interests",
    "capacity": "capacity",
    "hoursPerMonth": "hours_per_month",
    "reportingChain": "reporting_chain",
    "exclusions": "exclusions",
}
_LOCALE = re.compile(r"^([a-zA-Z]{2})(?:[-_]([a-zA-Z]{2}))?$")


def attribute(container: dict[str, Any], name: str) -> Any:
    """An attribute by name, ignoring case as SCIM attribute names do."""
    return container.get(key_of(container, name))


def key_of(container: dict[str, Any], name: str) -> str:
    """The key `container` holds `name` under (ignoring case), or `name` when it holds none."""
    lowered = name.lower()
    return next((key for key in container if key.lower() == lowered), name)


def user_name(resource: dict[str, Any]) -> str:
    name = attribute(resource, "userName")
    if not isinstance(name, str) or not name.strip():
        raise ScimRefusal("invalidValue", "userName is required: a non-empty string")
    return name.strip()


def external_id(resource: dict[str, Any]) -> str | None:
    value = attribute(resource, "externalId")
    return value if isinstance(value, str) and value else None


def is_active(resource: dict[str, Any]) -> bool:
    """`active` as providers send it: a boolean, or (Entra ID in PATCH) the string "True" or "False"."""
    value = attribute(resource, "active")
    if value is None:
        return True
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    if not isinstance(value, bool):
        raise ScimRefusal("invalidValue", "active must be true or false")
    return value


def employee_number(resource: dict[str, Any]) -> str | None:
    enterprise = _extension(resource, ENTERPRISE)
    value = attribute(enterprise, "employeeNumber")
    return str(value).strip() or None if isinstance(value, str | int) and not isinstance(value, bool) else None


def profile_of(resource: dict[str, Any]) -> ParticipantProfile:
    """The participant profile the resource describes; a refusal names the SCIM attribute that is missing or wrong."""
    enterprise = _extension(resource, ENTERPRISE)
    flipside = _extension(resource, FLIPSIDE)
    fields: dict[str, Any] = {
        field: attribute(flipside, name)
        for name, field in _FLIPSIDE_FIELDS.items()
        if attribute(flipside, name) is not None
    }
    fields["display_name"] = _display_name(resource)
    fields["email"] = _email(resource)
    fields["department"] = attribute(enterprise, "department")
    fields["time_zone"] = attribute(resource, "timezone")
    locale = _locale(attribute(resource, "preferredLanguage") or attribute(resource, "locale"))
    if locale:
        fields["locale"] = locale
        fields.setdefault("languages", [locale[:2]])
    manager = attribute(enterprise, "manager")
    manager_value = attribute(manager, "value") if isinstance(manager, dict) else manager
    if manager_value:
        fields["manager_id"] = manager_value
    try:
        return ParticipantProfile.model_validate({k: v for k, v in fields.items() if v is not None})
    except ValidationError as error:
        first = error.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else ""
        where = ATTRIBUTE_OF_FIELD.get(field, field)
        inner = ".".join(str(part) for part in first["loc"][1:])
        named = f"{where}[{inner}]" if inner else where
        message = "is required" if first["type"] == "missing" else str(first["msg"]).removeprefix("Value error, ")
        raise ScimRefusal("invalidValue", f"{named}: {message}") from None


def _extension(resource: dict[str, Any], urn: str) -> dict[str, Any]:
    value = attribute(resource, urn)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ScimRefusal("invalidSyntax", f"{urn} must be an object")
    return value


def _display_name(resource: dict[str, Any]) -> Any:
    if shown := attribute(resource, "displayName"):
        return shown
    name = attribute(resource, "name")
    if isinstance(name, dict):
        if formatted := attribute(name, "formatted"):
            return formatted
        parts = [attribute(name, "givenName"), attribute(name, "familyName")]
        if joined := " ".join(part for part in parts if isinstance(part, str) and part):
            return joined
    return attribute(resource, "userName")


def _email(resource: dict[str, Any]) -> Any:
    emails = attribute(resource, "emails")
    if isinstance(emails, list) and emails:
        values = [e for e in emails if isinstance(e, dict)]
        chosen = next((e for e in values if attribute(e, "primary") is True), values[0] if values else {})
        return attribute(chosen, "value")
    name = attribute(resource, "userName")
    return name if isinstance(name, str) and "@" in name else None


def _locale(value: Any) -> str | None:
    """ "de", "de-DE" and "de_DE" as the profile writes them ("de-DE"); anything else is left out."""
    found = _LOCALE.match(value) if isinstance(value, str) else None
    if not found:
        return None
    language, region = found.groups()
    return f"{language.lower()}-{region.upper()}" if region else language.lower()


# PATCH (RFC 7644 section 3.5.2).

_VALUE_FILTER = re.compile(
    r'^(?P<attr>[\w$-]+)\[(?P<sub>[\w$-]+)\s+eq\s+(?P<value>"[^"]*"|true|false)\](?:\.(?P<rest>[\w$-]+))?$', re.I
)


def patched(resource: dict[str, Any], operations: Any) -> dict[str, Any]:
    """The resource after the operations of a PATCH request, in order; the resource given is left as it was."""
    if not isinstance(operations, list) or not operations:
        raise ScimRefusal("invalidSyntax", "Operations must be a non-empty list")
    result: dict[str, Any] = _copy(resource)
    for operation in operations:
        if not isinstance(operation, dict):
            raise ScimRefusal("invalidSyntax", "each operation must be an object")
        op = str(attribute(operation, "op") or "").lower()
        if op not in ("add", "replace", "remove"):
            raise ScimRefusal("invalidSyntax", f"unknown op {attribute(operation, 'op')!r}: add, replace or remove")
        path = attribute(operation, "path")
        value = attribute(operation, "value")
        if path is None:
            if op == "remove":
                raise ScimRefusal("noTarget", "remove needs a path")
            if not isinstance(value, dict):
                raise ScimRefusal("invalidSyntax", "an operation without a path takes an object of attributes")
            for name, each in value.items():
                _apply(result, op, name, each)
        elif isinstance(path, str) and path:
            _apply(result, op, path, value)
        else:
            raise ScimRefusal("invalidPath", "path must be a non-empty string")
    return result


def _apply(resource: dict[str, Any], op: str, path: str, value: Any) -> None:
    container, name = _target(resource, path)
    if container is resource and name.lower() in {urn.lower() for urn in EXTENSIONS} and isinstance(value, dict):
        extension = container.setdefault(key_of(container, name), {})
        for each_name, each in value.items():
            _apply(extension, op, each_name, each)
        return
    if filtered := _VALUE_FILTER.match(name):
        _apply_filtered(container, op, filtered, value)
        return
    if "." in name:
        parent_name, sub = name.split(".", 1)
        parent = container.get(key_of(container, parent_name))
        if parent is None:
            if op == "remove":
                return
            parent = container[key_of(container, parent_name)] = {}
        if not isinstance(parent, dict):
            raise ScimRefusal("invalidPath", f"{parent_name} has no sub-attribute {sub}")
        _set(parent, op, sub, value)
        return
    _set(container, op, name, value)


def _set(container: dict[str, Any], op: str, name: str, value: Any) -> None:
    key = key_of(container, name)
    if op == "remove":
        container.pop(key, None)
    elif op == "add" and isinstance(container.get(key), list) and isinstance(value, list):
        container[key] = [*container[key], *(v for v in value if v not in container[key])]
    elif op == "add" and isinstance(container.get(key), dict) and isinstance(value, dict):
        container[key] = {**container[key], **value}
    else:
        container[key] = value


def _apply_filtered(container: dict[str, Any], op: str, filtered: re.Match[str], value: Any) -> None:
    """`emails[type eq "work"].value`, as Entra ID sends it: the matching items of a multi-valued attribute."""
    key = key_of(container, filtered["attr"])
    wanted: Any = filtered["value"].strip('"') if filtered["value"].startswith('"') else filtered["value"] == "true"
    items = container.get(key)
    items = items if isinstance(items, list) else []
    matching = [item for item in items if isinstance(item, dict) and attribute(item, filtered["sub"]) == wanted]
    rest = filtered["rest"]
    if op == "remove":
        container[key] = [item for item in items if item not in matching] if rest is None else items
        for item in matching if rest else []:
            item.pop(key_of(item, rest), None)
        return
    if not matching:
        matching = [{filtered["sub"]: wanted}]
        items.append(matching[0])
    for item in matching:
        if rest is None:
            if isinstance(value, dict):
                item.update(value)
        else:
            item[key_of(item, rest)] = value
    container[key] = items


def _target(resource: dict[str, Any], path: str) -> tuple[dict[str, Any], str]:
    """The object a path points into, and the attribute's name in it: extension URNs prefix their attributes."""
    for urn in (*EXTENSIONS, USER):
        if path.lower().startswith(urn.lower() + ":"):
            name = path[len(urn) + 1 :]
            if urn == USER:
                return resource, name
            extension = resource.get(key_of(resource, urn))
            if not isinstance(extension, dict):
                extension = resource[key_of(resource, urn)] = {}
            return extension, name
    return resource, path


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


# Filters: providers look a person up by userName or externalId before creating them.

_FILTER = re.compile(r'^\s*(userName|externalId)\s+eq\s+"((?:[^"\\]|\\.)*)"\s*$', re.I)


@dataclass(frozen=True)
class UserFilter:
    attribute: Literal["userName", "externalId"]
    value: str


def parse_filter(text: str) -> UserFilter:
    found = _FILTER.match(text)
    if not found:
        raise ScimRefusal("invalidFilter", 'only userName eq "..." and externalId eq "..." are supported')
    name: Literal["userName", "externalId"] = "userName" if found[1].lower() == "username" else "externalId"
    return UserFilter(name, found[2].replace('\\"', '"').replace("\\\\", "\\"))
