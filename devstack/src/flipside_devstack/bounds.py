"""Where a JSON Schema lets a string, a list or a map grow without limit."""

from __future__ import annotations

from typing import Any

# Formats whose values have a bounded shape of their own.
BOUNDED_FORMATS = {"uuid", "date-time", "date", "time", "duration"}


def unbounded(schema: dict[str, Any], definitions: dict[str, Any], where: str = "") -> list[str]:
    """The places in `schema` (its `$ref`s looked up in `definitions`) where a string, a list or a map has no upper bound."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        return unbounded(definitions[name], definitions, f"{where}<{name}>")
    found = []
    for key in ("anyOf", "allOf", "oneOf"):
        for option in schema.get(key, []):
            found += unbounded(option, definitions, where)
    kind = schema.get("type")
    if (
        kind == "string"
        and not {"maxLength", "enum", "const"} & schema.keys()
        and schema.get("format") not in BOUNDED_FORMATS
    ):
        found.append(where)
    if kind == "array":
        if "maxItems" not in schema:
            found.append(f"{where}[]")
        found += unbounded(schema.get("items", {}), definitions, f"{where}[]")
    if kind == "object":
        if isinstance(schema.get("additionalProperties"), dict):
            if "maxProperties" not in schema:
                found.append(f"{where}{{}}")
            found += unbounded(schema["additionalProperties"], definitions, f"{where}{{}}")
            found += unbounded(schema.get("propertyNames", {}), definitions, f"{where}{{key}}")
        for name, field in schema.get("properties", {}).items():
            found += unbounded(field, definitions, f"{where}.{name}")
    return found
