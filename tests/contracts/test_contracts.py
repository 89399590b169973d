"""The published contracts are the code's, and changes to them do not break existing consumers."""

import copy
import json
import os
import re
import subprocess
import sys
from pathlib import Path

from pydantic import ValidationError

from flipside_devstack.factories import pair_created
from flipside_devstack.kafka_io import envelope, publish
from flipside_operations.contracts import asyncapi_documents, breaking_changes, check, generated
from flipside_shared.deadletter import DEAD_LETTER_HEADERS, dead_letter_topic
from flipside_shared.envelope import Envelope
from flipside_shared.events import PairCreated, WorkingHours
from flipside_shared.signing_secrets import SIGNING_SECRET_VARIABLES

ROOT = Path(__file__).resolve().parents[2]


def test_committed_contracts_match_the_code():
    assert check() == []


def test_contracts_are_checked_on_a_machine_that_holds_no_signing_secrets():
    """`make contracts` describes streams; it needs none of the services' secrets."""
    environment = {name: value for name, value in os.environ.items() if name not in SIGNING_SECRET_VARIABLES}
    checked = subprocess.run(
        [sys.executable, "-m", "flipside_operations.contracts", "check"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert checked.returncode == 0, checked.stderr


def test_a_breaking_change_without_a_new_version_is_caught():
    old = generated()[PairCreated.ce_type]
    removed = copy.deepcopy(old)
    del removed["properties"]["score"]
    retyped = copy.deepcopy(old)
    retyped["properties"]["score"] = {"type": "string"}
    required = copy.deepcopy(old)
    required["properties"]["cohort"] = {"type": "string"}
    required["required"].append("cohort")
    nested = copy.deepcopy(old)
    del nested["$defs"]["PairMember"]["properties"]["time_zone"]
    assert breaking_changes(old, removed) == ["score: removed"]
    assert breaking_changes(old, retyped)[0].startswith("score: type")
    assert breaking_changes(old, required) == ["cohort: newly required"]
    assert breaking_changes(old, nested) == ["PairMember.time_zone: removed"]


def test_a_format_described_by_a_pattern_instead_breaks_no_reader_but_another_format_does():
    old = {"properties": {"start": {"type": "string", "format": "time"}}}
    patterned = {"properties": {"start": {"type": "string", "pattern": "^[0-9]{2}:[0-9]{2}$"}}}
    reformatted = {"properties": {"start": {"type": "string", "format": "date"}}}
    assert breaking_changes(old, patterned) == []
    assert breaking_changes(old, reformatted)[0].startswith("start: type")


def test_an_optional_field_is_a_compatible_addition():
    old = generated()[PairCreated.ce_type]
    added = copy.deepcopy(old)
    added["properties"]["note"] = {"type": "string", "default": ""}
    assert breaking_changes(old, added) == []


def test_an_upper_bound_on_a_length_or_count_is_compatible():
    old = generated()[PairCreated.ce_type]
    unbounded = copy.deepcopy(old)
    unbounded["properties"]["reasons"]["items"].pop("maxLength")
    unbounded["properties"]["reasons"].pop("maxItems")
    assert breaking_changes(unbounded, old) == []


async def test_a_consumer_outside_flipside_follows_pairs_with_the_contract_alone(sandbox):
    pair = pair_created()
    await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, [envelope(pair)])
    example = subprocess.run(
        [
            sys.executable,
            str(ROOT / "examples" / "pair_created_consumer.py"),
            "--bootstrap-servers",
            sandbox.bootstrap_servers,
            "--topic",
            f"{sandbox.topic_prefix}pairs",
            "--max",
            "1",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert example.returncode == 0, example.stderr
    assert (
        f"pair {pair.pair_id}: mentor {pair.mentor.participant_id} -> mentee {pair.mentee.participant_id}"
        in example.stdout
    )
    assert (
        json.loads((ROOT / "contracts" / "events" / f"{PairCreated.ce_type}.json").read_text())["title"]
        == "PairCreated"
    )


def test_each_service_publishes_what_it_consumes_and_emits_in_asyncapi():
    document = json.loads((ROOT / "contracts" / "asyncapi" / "scheduling.json").read_text())
    assert document["asyncapi"] == "3.0.0"
    channels = {name: channel["address"] for name, channel in document["channels"].items()}
    assert channels["flipside.scheduling:flipside.pairs"] == "flipside.pairs"
    assert channels["flipside.session.check-in-due.v1"] == "flipside.sessions"
    assert "CheckInDue" in document["components"]["schemas"]


def test_asyncapi_documents_name_the_headers_records_really_carry_and_list_each_dead_letter_topic():
    caused = Envelope.caused_by(envelope(pair_created()), pair_created(), "/flipside/tests")
    real = {name for name, _ in caused.headers()}
    for service, document in asyncapi_documents().items():
        for name, message in document["components"]["messages"].items():
            named = set(message.get("headers", {}).get("properties", {}))
            if name.endswith(".dead-letter:Message"):
                assert named == set(DEAD_LETTER_HEADERS), name
                continue
            header = message["correlationId"]["location"].removeprefix("$message.header#/")
            assert header in real, f"{service} {name}: correlation id in {header!r}, a header no record carries"
            assert named == real, f"{service} {name}: {sorted(named ^ real)}"
        addresses = {channel["address"] for channel in document["channels"].values()}
        assert dead_letter_topic("flipside.", service) in addresses, f"{service} lists its dead-letter topic"


def test_the_published_time_of_working_hours_is_the_one_the_code_takes():
    schema = generated()[PairCreated.ce_type]["$defs"]["WorkingHours"]["properties"]["start"]
    for text in ("09:00", "09:00:00", "17:30:15.5", "09:00+05:00", "09:00Z", "9:00", "25:00"):
        try:
            WorkingHours(weekday=0, start=text, end="23:59")
            taken = True
        except ValidationError:
            taken = False
        assert bool(re.fullmatch(schema.get("pattern", "(?!)"), text)) == taken, text
