"""What a SCIM client discovers before provisioning (RFC 7644 section 4): the service provider's configuration, the
User resource type and the schemas of the attributes Flipside reads, the Flipside extension among them."""

from __future__ import annotations

from typing import Any

from ..domain.scim import ENTERPRISE, FLIPSIDE, USER

LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
MAX_RESULTS = 200


def _attribute(
    name: str,
    kind: str = "string",
    description: str = "",
    *,
    multi: bool = False,
    required: bool = False,
    unique: str = "none",
    sub: list[dict[str, Any]] | None = None,
    returned: str = "default",
) -> dict[str, Any]:
    attribute: dict[str, Any] = {
        "name": name,
        "type": kind,
        "multiValued": multi,
        "description": description,
        "required": required,
        "caseExact": False,
        "mutability": "readWrite",
        "returned": returned,
        "uniqueness": unique,
    }
    if sub is not None:
        attribute["subAttributes"] = sub
    return attribute


def _schema(urn: str, name: str, description: str, attributes: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
        "id": urn,
        "name": name,
        "description": description,
        "attributes": attributes,
        "meta": {"resourceType": "Schema", "location": f"/scim/v2/Schemas/{urn}"},
    }


_VALUE = _attribute("value", description="The value.")
_TYPE = _attribute("type", description="A label: work, home, other.")
_PRIMARY = _attribute("primary", "boolean", "The one to use.")

USER_SCHEMA = _schema(
    USER,
    "User",
    "The core User attributes Flipside reads; others are kept as sent and returned.",
    [
        _attribute("userName", description="Unique; usually the sign-in name.", required=True, unique="server"),
        _attribute(
            "name",
            "complex",
            "The person's name; displayName comes first.",
            sub=[_attribute("formatted"), _attribute("givenName"), _attribute("familyName")],
        ),
        _attribute("displayName", description="The name Flipside shows (profile display_name)."),
        _attribute("preferredLanguage", description="de, de-DE: the profile's locale and first language."),
        _attribute("locale", description="Used as preferredLanguage when that is missing."),
        _attribute("timezone", description="IANA time zone, e.g. Europe/Berlin (profile time_zone).", required=True),
        _attribute("active", "boolean", "false withdraws the participant; a withdrawn one never takes part again."),
        _attribute(
            "emails",
            "complex",
            "The primary (or first) is the profile's e-mail.",
            multi=True,
            sub=[_VALUE, _TYPE, _PRIMARY],
        ),
    ],
)

ENTERPRISE_SCHEMA = _schema(
    ENTERPRISE,
    "EnterpriseUser",
    "The enterprise extension: department, manager and employee number.",
    [
        _attribute("employeeNumber", description="The employee id: the participant id derives from it."),
        _attribute("department", description="The profile's department.", required=True),
        _attribute(
            "manager",
            "complex",
            "The manager's SCIM id (a participant id): no one is paired inside their reporting line.",
            sub=[_attribute("value", "reference", "The manager's id.")],
        ),
    ],
)

_NAME = _attribute("name", required=True)
FLIPSIDE_SCHEMA = _schema(
    FLIPSIDE,
    "FlipsideUser",
    "What a reverse-mentoring profile needs that SCIM has no attribute for.",
    [
        _attribute("programId", description="The program the person is enrolled in.", required=True),
        _attribute("role", description="mentor, mentee or either.", required=True),
        _attribute("grade", "integer", "Seniority on the program's ladder; higher is more senior.", required=True),
        _attribute("tenureMonths", "integer", "Months with the company."),
        _attribute("country", description="ISO 3166-1 alpha-2, for public holidays."),
        _attribute(
            "workingHours",
            "complex",
            "Hours worked per weekday (0 = Monday), in the person's time zone, HH:MM.",
            multi=True,
            required=True,
            sub=[_attribute("weekday", "integer"), _attribute("start"), _attribute("end")],
        ),
        _attribute(
            "languages", description="Languages the person mentors in; default: preferredLanguage's.", multi=True
        ),
        _attribute("skills", "complex", "Skills, level 1-5.", multi=True, sub=[_NAME, _attribute("level", "integer")]),
        _attribute(
            "goals",
            "complex",
            "Learning goals, priority 1-5.",
            multi=True,
            sub=[_NAME, _attribute("priority", "integer")],
        ),
        _attribute("interests", description="Interests.", multi=True),
        _attribute("capacity", "integer", "Mentees a mentor takes at most (1-3)."),
        _attribute("hoursPerMonth", "integer", "Hours a month for the program (1-40)."),
        _attribute("reportingChain", description="Participant ids of managers above the direct one.", multi=True),
        _attribute("exclusions", description="Participant ids not to be paired with.", multi=True),
    ],
)

SCHEMAS = {schema["id"]: schema for schema in (USER_SCHEMA, ENTERPRISE_SCHEMA, FLIPSIDE_SCHEMA)}

USER_RESOURCE_TYPE = {
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
    "id": "User",
    "name": "User",
    "endpoint": "/Users",
    "description": "A participant, as the HR system provisions them",
    "schema": USER,
    "schemaExtensions": [{"schema": ENTERPRISE, "required": True}, {"schema": FLIPSIDE, "required": True}],
    "meta": {"resourceType": "ResourceType", "location": "/scim/v2/ResourceTypes/User"},
}

SERVICE_PROVIDER_CONFIG = {
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
    "patch": {"supported": True},
    "bulk": {"supported": False, "maxOperations": 0, "maxPayloadSize": 0},
    "filter": {"supported": True, "maxResults": MAX_RESULTS},
    "changePassword": {"supported": False},
    "sort": {"supported": False},
    "etag": {"supported": True},
    "authenticationSchemes": [
        {
            "type": "oauthbearertoken",
            "name": "OAuth Bearer Token",
            "description": "An access token of the configured issuer with the admin role",
            "primary": True,
        }
    ],
    "meta": {"resourceType": "ServiceProviderConfig", "location": "/scim/v2/ServiceProviderConfig"},
}


def list_response(resources: list[dict[str, Any]], total: int | None = None, start_index: int = 1) -> dict[str, Any]:
    return {
        "schemas": [LIST_RESPONSE],
        "totalResults": len(resources) if total is None else total,
        "startIndex": start_index,
        "itemsPerPage": len(resources),
        "Resources": resources,
    }
