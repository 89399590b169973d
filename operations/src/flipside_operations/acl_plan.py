"""Who may do what on Flipside's topics: deploy/acls.toml, applied by `make topics` after the topics.

    python -m flipside_operations.acl_plan write     regenerate deploy/acls.toml from the code

One principal per service: it reads the topics it consumes and its consumer group, and writes the
topics of the events it emits and its dead-letter topic. One principal per kind of system outside
Flipside (an HR system, a survey tool, a calendar): it writes its inbound topics and reads nothing.
Who needs what follows from the code, so the file is generated and a test fails when they differ;
the principals' names are the operator's to choose. Names are given without the topic prefix.
"""

from __future__ import annotations

import argparse
import json
import tomllib
from dataclasses import dataclass
from pathlib import Path

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.protocol.admin import CreateAclsRequest, DescribeAclsRequest

from flipside_shared.deadletter import dead_letter_topic
from flipside_shared.events import EVENT_TYPES
from flipside_shared.events.sources import INBOUND, OPERATOR
from flipside_shared.kafka import client_options
from flipside_shared.settings import KafkaSettings

from .contracts import service_definitions

DEFAULT_ACLS = Path(__file__).resolve().parents[3] / "deploy" / "acls.toml"
PERMISSIONS = ("read", "write", "groups")

# Kafka's protocol codes (org.apache.kafka.common.acl and .resource).
TOPIC, GROUP = 2, 3
LITERAL, ANY_PATTERN = 3, 1
READ, WRITE, ANY_OPERATION = 3, 4, 1
ALLOW, ANY_PERMISSION = 3, 1
ANY_RESOURCE = 1
SECURITY_DISABLED = 54


@dataclass(frozen=True)
class Binding:
    """One allowed operation of one principal on one topic or consumer group, from any host."""

    resource_type: int
    resource_name: str
    principal: str
    operation: int


def needed() -> dict[str, dict[str, list[str]]]:
    """What each principal needs, from the code: per service and per kind of outside system."""
    plan: dict[str, dict[str, list[str]]] = {}
    for definition in service_definitions():
        plan[definition.name] = {
            "read": sorted(definition.handlers.subscriptions("")),
            "write": sorted({t.stream.topic("") for t in definition.emits} | {dead_letter_topic("", definition.name)}),
            "groups": [definition.name],
        }
    outside: dict[str, set[str]] = {}
    for event_type in EVENT_TYPES.values():
        # The operator command runs as the cluster's administrator, not under a principal of its own.
        for source in (s for s in event_type.inbound_sources if s != OPERATOR):
            outside.setdefault(source.removeprefix(INBOUND), set()).add(event_type.stream.inbound_topic(""))
    for kind, topics in sorted(outside.items()):
        plan[kind] = {"read": [], "write": sorted(topics), "groups": []}
    return plan


def planned(path: Path = DEFAULT_ACLS) -> dict[str, dict[str, list[str]]]:
    """The file's permissions, without the principals' names."""
    principals = tomllib.loads(path.read_text())["principals"]
    return {name: {key: grant.get(key, []) for key in PERMISSIONS} for name, grant in principals.items()}


def write(path: Path = DEFAULT_ACLS) -> None:
    existing = tomllib.loads(path.read_text())["principals"] if path.exists() else {}
    text = "".join(f"# {line}".rstrip() + "\n" for line in __doc__.strip().splitlines())
    for name, grant in needed().items():
        principal = existing.get(name, {}).get("principal", f"User:flipside-{name}")
        text += f"\n[principals.{json.dumps(name)}]\nprincipal = {json.dumps(principal)}\n"
        text += "".join(f"{key} = {json.dumps(grant[key])}\n" for key in PERMISSIONS)
    path.write_text(text)


def read_acls(path: Path, prefix: str) -> list[Binding]:
    bindings = []
    for grant in tomllib.loads(path.read_text())["principals"].values():
        principal = grant["principal"]
        bindings += [Binding(TOPIC, f"{prefix}{topic}", principal, READ) for topic in grant.get("read", [])]
        bindings += [Binding(TOPIC, f"{prefix}{topic}", principal, WRITE) for topic in grant.get("write", [])]
        bindings += [Binding(GROUP, f"{prefix}{group}", principal, READ) for group in grant.get("groups", [])]
    return bindings


class NoAuthorizer(RuntimeError):
    """The cluster checks no ACLs (a development broker): there is nothing to apply them to."""


async def apply_acls(settings: KafkaSettings, bindings: list[Binding]) -> list[str]:
    """Add the bindings the cluster lacks; return what was added. ACLs not in the plan are left as they are."""
    admin = AIOKafkaAdminClient(**client_options(settings))
    await admin.start()
    try:
        existing = await _existing(admin)
        missing = [b for b in bindings if b not in existing]
        for binding in missing:
            request = CreateAclsRequest(
                binding.resource_type, binding.resource_name, LITERAL, binding.principal, "*", binding.operation, ALLOW
            )
            [(error_code, message)] = (await admin._send_request(request)).creation_responses
            if error_code:
                raise RuntimeError(f"ACL {binding} refused by the cluster: error {error_code} {message}")
        return [f"allowed {b.principal} to {_operation(b)} {b.resource_name}" for b in missing]
    finally:
        await admin.close()


async def _existing(admin: AIOKafkaAdminClient) -> set[Binding]:
    request = DescribeAclsRequest(ANY_RESOURCE, None, ANY_PATTERN, None, None, ANY_OPERATION, ANY_PERMISSION)
    response = await admin._send_request(request)
    if response.error_code == SECURITY_DISABLED:
        raise NoAuthorizer(response.error_message)
    if response.error_code:
        raise RuntimeError(f"the cluster did not list its ACLs: error {response.error_code} {response.error_message}")
    return {
        Binding(resource_type, name, principal, operation)
        for resource_type, name, pattern, acls in response.resources
        if pattern == LITERAL
        for principal, host, operation, permission in acls
        if host == "*" and permission == ALLOW
    }


def _operation(binding: Binding) -> str:
    action = {READ: "read", WRITE: "write"}[binding.operation]
    return f"{action} group" if binding.resource_type == GROUP else action


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["write"])
    parser.parse_args()
    write()


if __name__ == "__main__":
    main()
