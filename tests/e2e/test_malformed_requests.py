"""Malformed requests on every endpoint of the four running services: schemathesis from each OpenAPI document
(invalid and valid data), and hypothesis for what it does not send (bodies that are not JSON, other content
types, huge bodies, path parameters of any text).

No answer may be a 5xx, every 4xx must say why (FastAPI's `detail`), every service must stay up, and good
requests must still work afterwards. Counts go to `malformed-requests.json` under FLIPSIDE_TEST_ARTIFACTS
(else pytest's temporary directory).
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from urllib.parse import quote
from uuid import uuid4

import httpx
import pytest
import requests
import schemathesis
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from flipside_devstack.artifacts import write_json
from flipside_devstack.auth import admin_headers
from flipside_devstack.examples import draw
from flipside_devstack.factories import mentor_and_mentee
from flipside_devstack.malformed import not_json
from flipside_devstack.platform import Platform
from flipside_devstack.programs import configure_program

SEED = 20261129
CASES_PER_MODE = {GenerationMode.NEGATIVE: 8, GenerationMode.POSITIVE: 4}
HAND_WRITTEN_PER_OPERATION = 3
HUGE_BODY_BYTES = 2 * 1024 * 1024
WRONG_CONTENT_TYPES = ["text/plain", "application/xml", "application/x-www-form-urlencoded", "multipart/form-data"]


# The real clock: sessions the requests touch must not pass while the test runs.
CLOCK_RATE = 1


@pytest.fixture(scope="module")
def request_headers() -> dict[str, str]:
    """The headers every request of this test carries: an administrator's bearer token, so that the requests
    reach each route's own validation and not only the authentication in front of it."""
    return admin_headers()


class Answers:
    """What each service answered, and every answer that broke the rules."""

    def __init__(self) -> None:
        self.outcomes: dict[str, Counter] = defaultdict(Counter)
        self.sources: dict[str, Counter] = defaultdict(Counter)
        self.problems: list[str] = []

    def record(self, service: str, source: str, request: str, status: int, body: bytes) -> None:
        self.outcomes[service][f"{status // 100}xx"] += 1
        self.sources[service][source] += 1
        if problem := _problem(status, body):
            self.problems.append(f"{service} {request} ({source}): {problem}")

    def unanswered(self, service: str, source: str, request: str, error: Exception) -> None:
        self.outcomes[service]["no answer"] += 1
        self.sources[service][source] += 1
        self.problems.append(f"{service} {request} ({source}): no answer: {type(error).__name__}: {error}")


def _problem(status: int, body: bytes) -> str | None:
    if status >= 500:
        return f"{status}: {body[:300]!r}"
    if 400 <= status < 500:
        try:
            detail = json.loads(body).get("detail")
        except (ValueError, AttributeError):
            return f"{status} without a JSON body saying why: {body[:200]!r}"
        if not detail:
            return f"{status} without a detail: {body[:200]!r}"
    return None


def schemathesis_cases(document: dict):
    """Every operation's cases, invalid and valid, the same ones on every run."""
    schema = schemathesis.openapi.from_dict(document)
    for index, result in enumerate(schema.get_all_operations()):
        operation = result.ok()
        for mode, count in CASES_PER_MODE.items():
            try:
                cases = draw(operation.as_strategy(generation_mode=mode), count, SEED + index)
            except Unsatisfiable:
                continue  # nothing invalid to send: an operation without parameters or body
            for case in cases:
                yield f"schemathesis {mode.value}", case


def hand_written(document: dict):
    """(source, method, path, content type, body) of what schemathesis does not send."""
    paths = document["paths"]
    any_text = st.text(min_size=1, max_size=60).map(lambda text: quote(text, safe=""))
    non_json_bodies = st.binary(min_size=1, max_size=200).filter(not_json)
    for index, (template, operations) in enumerate(sorted(paths.items())):
        names = re.findall(r"{(\w+)}", template)
        for method, operation in sorted(operations.items()):
            if names:
                nul = tuple(quote("nul\x00", safe="") for _ in names)  # no text column holds it
                for values in [
                    nul,
                    *draw(st.tuples(*(any_text for _ in names)), HAND_WRITTEN_PER_OPERATION, SEED + index),
                ]:
                    path = template
                    for name, value in zip(names, values, strict=False):
                        path = path.replace(f"{{{name}}}", value)
                    yield "bad path parameter", method, path, None, None
            if "requestBody" not in operation:
                continue
            path = re.sub(r"{\w+}", str(uuid4()), template)
            for body in draw(non_json_bodies, HAND_WRITTEN_PER_OPERATION, SEED + index):
                yield "body not JSON", method, path, "application/json", body
            for content_type in WRONG_CONTENT_TYPES:
                yield "wrong content type", method, path, content_type, b'{"a": 1}'
            yield "huge body", method, path, "application/json", json.dumps({"padding": "x" * HUGE_BODY_BYTES}).encode()


def test_malformed_requests_get_a_4xx_that_says_why_and_the_services_keep_serving(platform, request_headers, tmp_path):
    answers = Answers()
    session = requests.Session()
    for name, service in platform.services.items():
        document = httpx.get(f"{service.url}/openapi.json", timeout=10).json()
        for source, case in schemathesis_cases(document):
            request = f"{case.method} {case.formatted_path}"
            try:
                response = case.call(base_url=service.url, session=session, headers=request_headers, timeout=30)
            except requests.RequestException as error:
                answers.unanswered(name, source, request, error)
                continue
            answers.record(name, source, request, response.status_code, response.content)
        with httpx.Client(base_url=service.url, headers=request_headers, timeout=30) as client:
            for source, method, path, content_type, body in hand_written(document):
                headers = {"content-type": content_type} if content_type else {}
                request = f"{method.upper()} {path[:120]}"
                try:
                    response = client.request(method.upper(), path, content=body, headers=headers)
                except httpx.TransportError as error:
                    answers.unanswered(name, source, request, error)
                    continue
                answers.record(name, source, request, response.status_code, response.content)

    report = {
        name: {
            "requests": sum(answers.outcomes[name].values()),
            "answers": dict(sorted(answers.outcomes[name].items())),
            "sources": dict(sorted(answers.sources[name].items())),
        }
        for name in platform.services
    }
    write_json(tmp_path, "malformed-requests.json", report)
    for name, counts in report.items():
        print(f"{name}: {counts['requests']} requests, answered {counts['answers']}")
    assert not answers.problems, f"{len(answers.problems)} answers broke the rules:\n" + "\n".join(
        answers.problems[:40]
    )

    for service in platform.services.values():
        assert httpx.get(f"{service.url}/health/ready", timeout=10).status_code == 200, f"{service.name} is still up"
    good_requests_still_work(platform, request_headers)


def good_requests_still_work(platform: Platform, headers: dict[str, str]) -> None:
    matching, scheduling, feedback, notifications = (
        platform[name].url for name in ("matching", "scheduling", "feedback", "notifications")
    )
    program = f"after-fuzz-{uuid4().hex[:6]}"
    configure_program(matching, program)
    mentor, _ = mentor_and_mentee(program)
    with httpx.Client(headers=headers, timeout=10) as client:
        enrolment = {**mentor.profile.model_dump(mode="json"), "participant_id": str(mentor.participant_id)}
        assert client.post(f"{matching}/participants", json=enrolment).status_code == 202
        assert client.get(f"{matching}/programs/{program}").json()["program_id"] == program
        assert client.get(f"{scheduling}/programs/{program}/schedule").status_code == 200
        assert client.get(f"{feedback}/programs/{program}/questionnaire").status_code == 200
        subscription = client.post(
            f"{notifications}/webhooks",
            json={"url": "https://example.com/hook", "event_types": ["flipside.pair.created.v1"]},
        )
        assert subscription.status_code == 201, subscription.text
        assert client.get(f"{notifications}/webhooks").status_code == 200
