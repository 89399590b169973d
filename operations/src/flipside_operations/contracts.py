"""Published contracts, generated from the code: a JSON Schema per event type and version
(`contracts/events/`) and an AsyncAPI 3 document per service (`contracts/asyncapi/`).

`python -m flipside_operations.contracts write` regenerates them; `... check` fails when
the committed contracts and the code differ, or when a change would break existing
consumers (a field removed, a type changed, a new required field) without a new version.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from aiokafka.structs import ConsumerRecord

from flipside_shared.envelope import CONTENT_TYPE, SPEC_VERSION
from flipside_shared.events import EVENT_TYPES, Event
from flipside_shared.registration import registered_services
from flipside_shared.service import ServiceDefinition, asyncapi_document, wire_broker
from flipside_shared.settings import KafkaSettings
from flipside_shared.signing_secrets import SIGNING_SECRET_VARIABLES, random_signing_secret
from flipside_shared.subscriber import RecordProcessor

CONTRACTS_DIR = Path(__file__).resolve().parents[3] / "contracts" / "events"
ASYNCAPI_DIR = CONTRACTS_DIR.parent / "asyncapi"
# Published documents name a placeholder broker and the default prefix, whatever this machine's settings.
DOCUMENTED_BROKER = "kafka:9092"
DOCUMENTED_PREFIX = "flipside."


class _DocumentationOnly:
    """The processor of a broker built to describe a service, never to run it."""

    async def process_batch(self, records: Sequence[ConsumerRecord]) -> None:
        raise RuntimeError("a broker built for documentation does not consume")


# Declared as the subscriber's protocol, so a type checker sees when the two part again.
DOCUMENTATION_ONLY: RecordProcessor = _DocumentationOnly()


@contextmanager
def _throwaway_signing_secrets() -> Iterator[None]:
    """The documents describe streams, never links: any valid signing secret lets a service's settings load."""
    missing = {name: random_signing_secret() for name in SIGNING_SECRET_VARIABLES if name not in os.environ}
    os.environ.update(missing)
    try:
        yield
    finally:
        for name in missing:
            del os.environ[name]


def service_definitions() -> list[ServiceDefinition]:
    """Every registered service as its `app.py` describes it: what it consumes and emits."""
    with _throwaway_signing_secrets():
        return [registration.definition() for registration in registered_services().values()]


def asyncapi_documents() -> dict[str, dict[str, Any]]:
    documents = {}
    for definition in service_definitions():
        service = definition.name
        settings = definition.settings.model_copy(
            update={
                "topic_prefix": DOCUMENTED_PREFIX,
                "consumer_group": None,
                "kafka": KafkaSettings(bootstrap_servers=DOCUMENTED_BROKER),
            }
        )
        broker = wire_broker(dataclasses.replace(definition, settings=settings), DOCUMENTATION_ONLY)
        documents[service] = asyncapi_document(broker, service)
    return documents


def schema_of(event_type: type[Event]) -> dict[str, Any]:
    schema = event_type.model_json_schema()
    schema["$id"] = f"urn:flipside:event:{event_type.ce_type}"
    schema["title"] = event_type.__name__
    schema["x-cloudevents"] = {
        "specversion": SPEC_VERSION,
        "type": event_type.ce_type,
        "datacontenttype": CONTENT_TYPE,
        "topic": f"<prefix>{event_type.stream.name}",
        "key": event_type.stream.key_field,
    }
    # Consumers obey an event only from these sources, each on its own topic; the others are dead-lettered.
    schema["x-flipside-sources"] = {
        topic: list(sources)
        for topic, sources in (
            (f"<prefix>{event_type.stream.name}", event_type.sources),
            (f"<prefix>inbound.{event_type.stream.name}", event_type.inbound_sources),
        )
        if sources
    }
    return schema


def generated() -> dict[str, dict[str, Any]]:
    return {ce_type: schema_of(event_type) for ce_type, event_type in sorted(EVENT_TYPES.items())}


def committed(directory: Path = CONTRACTS_DIR) -> dict[str, dict[str, Any]]:
    return {path.stem: json.loads(path.read_text()) for path in sorted(directory.glob("*.json"))}


def breaking_changes(old: dict[str, Any], new: dict[str, Any], where: str = "") -> list[str]:
    """What in `new` would break a consumer written against `old`."""
    problems: list[str] = []
    old_properties, new_properties = old.get("properties", {}), new.get("properties", {})
    for name, old_property in old_properties.items():
        if name not in new_properties:
            problems.append(f"{where}{name}: removed")
        elif _type_of(_format_replaced_by_pattern(old_property, new_properties[name])) != _type_of(
            new_properties[name]
        ):
            problems.append(f"{where}{name}: type {_type_of(old_property)} became {_type_of(new_properties[name])}")
    for name in set(new.get("required", [])) - set(old.get("required", [])):
        problems.append(f"{where}{name}: newly required")
    for name, old_definition in old.get("$defs", {}).items():
        if name in new.get("$defs", {}):
            problems += breaking_changes(old_definition, new["$defs"][name], f"{where}{name}.")
    return problems


def _format_replaced_by_pattern(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """A format the new schema describes by a pattern instead: the values sent stay the same, so no reader breaks."""
    if "format" in old and "format" not in new and "pattern" in new:
        return {key: value for key, value in old.items() if key != "format"}
    return old


def _type_of(property_schema: dict[str, Any]) -> Any:
    keys = ("type", "$ref", "anyOf", "enum", "const", "format", "items")
    return json.dumps(
        _without_upper_bounds({key: property_schema[key] for key in keys if key in property_schema}), sort_keys=True
    )


# An upper bound on a length or a count limits what producers send; what consumers read keeps its type.
_UPPER_BOUNDS = {"maxLength", "maxItems", "maxProperties"}


def _without_upper_bounds(schema: Any) -> Any:
    if isinstance(schema, dict):
        return {key: _without_upper_bounds(value) for key, value in schema.items() if key not in _UPPER_BOUNDS}
    if isinstance(schema, list):
        return [_without_upper_bounds(item) for item in schema]
    return schema


def check(directory: Path = CONTRACTS_DIR) -> list[str]:
    """Every difference between code and committed contracts that is not allowed."""
    problems: list[str] = []
    current, published = generated(), committed(directory)
    for ce_type, old in published.items():
        if ce_type not in current:
            problems.append(f"{ce_type}: published but no longer in the code (keep old versions)")
            continue
        problems += [f"{ce_type}: {p} (publish a new version instead)" for p in breaking_changes(old, current[ce_type])]
        if old != current[ce_type]:
            problems.append(f"{ce_type}: committed schema differs from the code; run `make contracts`")
    problems += [f"{ce_type}: not published; run `make contracts`" for ce_type in current.keys() - published.keys()]
    for service, document in asyncapi_documents().items():
        path = directory.parent / "asyncapi" / f"{service}.json"
        if not path.exists() or json.loads(path.read_text()) != document:
            problems.append(f"AsyncAPI document of {service} differs from the code; run `make contracts`")
    return problems


def write(directory: Path = CONTRACTS_DIR) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for ce_type, schema in generated().items():
        (directory / f"{ce_type}.json").write_text(json.dumps(schema, indent=2, sort_keys=True) + "\n")
    ASYNCAPI_DIR.mkdir(parents=True, exist_ok=True)
    for service, document in asyncapi_documents().items():
        (ASYNCAPI_DIR / f"{service}.json").write_text(json.dumps(document, indent=2, sort_keys=True) + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["write", "check"])
    if parser.parse_args().command == "write":
        problems = [p for p in check() if "differs from the code" not in p and "not published" not in p]
        if problems:
            print("\n".join(problems), file=sys.stderr)
            return 1
        write()
        return 0
    problems = check()
    print("\n".join(problems) or "contracts match the code")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
