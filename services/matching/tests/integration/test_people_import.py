"""A lead imports their program's people from a CSV file on the real stack: the preview names each row's errors, the
commit enrols everyone through the enrolment path, importing the file again enrols nobody twice, and 10,000 rows
preview and commit in one request each."""

from __future__ import annotations

import asyncio
import time
from uuid import uuid4

import httpx
import pytest

from flipside_devstack.auth import admin_headers, lead_headers
from flipside_devstack.factories import enrolled
from flipside_devstack.kafka_io import TopicReader
from flipside_devstack.programs import configure_program
from flipside_devstack.service_process import ServiceProcess
from flipside_shared.auth.identity import participant_id_for
from flipside_shared.events import ParticipantEnrolled, ParticipantUpdated

PROGRAM = f"import-{uuid4().hex[:8]}"
LARGE_PROGRAM = f"import-large-{uuid4().hex[:8]}"
HEADER = (
    "employee_id,display_name,email,role,grade,department,time_zone,working_hours,languages,skills,manager_employee_id"
)
CSV = {"Content-Type": "text/csv"}


@pytest.fixture(scope="module")
def matching(sandbox, tmp_path_factory):
    with ServiceProcess("matching", sandbox.env(), tmp_path_factory.mktemp("logs")) as service:
        # Cohort programs wait for their run: the import alone is measured, not ten thousand rolling matches.
        configure_program(service.url, PROGRAM, start="cohort_run")
        configure_program(service.url, LARGE_PROGRAM, start="cohort_run")
        yield service


def row(n: int, name: str | None = None, grade: int = 1, manager: str = "", employee: str = "E") -> str:
    role = "mentor" if n % 2 else "mentee"
    return (
        f"{employee}{n:05d},{name or f'Person {n}'},p{n}@example.com,{role},{grade if n % 2 else grade + 3},Finance,"
        f'Europe/Berlin,Mon-Fri 09:00-17:00,en; de,"python:4; sql",{manager}'
    )


def people_file(rows: list[str]) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode()


async def test_preview_names_errors_commit_enrols_and_the_same_file_again_changes_nobody(sandbox, matching):
    imports = f"{matching.url}/programs/{PROGRAM}/imports"
    lead = {**lead_headers(PROGRAM), **CSV}
    good = people_file([row(1), row(2, manager="E00001"), row(3)])
    faulty = people_file(
        [
            row(1),
            "E00002,Bo,not-an-email,mentee,4,Finance,Europe/Berlin,Mon-Fri 09:00-17:00,en,,",
            "E00003,Cy,c@example.com,boss,99,Finance,Mars/Olympus,Someday 9-5,en,,",
            row(1),
        ]
    )
    prefix = sandbox.topic_prefix
    async with (
        TopicReader(sandbox.bootstrap_servers, [f"{prefix}participants"]) as reader,
        httpx.AsyncClient(headers=lead, timeout=60) as http,
    ):
        previewed = await http.post(f"{imports}/preview", content=faulty)
        assert previewed.status_code == 200, previewed.text
        assert {(e["row"], e["column"]) for e in previewed.json()["errors"]} == {
            (3, "email"),
            (4, "role"),
            (4, "grade"),
            (4, "time_zone"),
            (4, "working_hours"),
            (5, "employee_id"),
        }
        [duplicate] = [e for e in previewed.json()["errors"] if e["row"] == 5]
        assert duplicate["message"] == "employee id E00001 is also on row 2"
        refused = await http.post(imports, content=faulty)
        assert refused.status_code == 422 and refused.json()["committed"] is False

        preview = (await http.post(f"{imports}/preview", content=good)).json()
        assert (preview["enrolled"], preview["updated"], preview["unchanged"], preview["errors"]) == (3, 0, 0, [])
        committed = await http.post(imports, content=good)
        assert committed.status_code == 200, committed.text
        assert committed.json()["committed"] is True and committed.json()["enrolled"] == 3
        await reader.read_until(lambda _: len(reader.events(ParticipantEnrolled)) >= 3)
        # Matching stores people as it consumes its own events: a changed row updates someone stored.
        await until_stored(matching.url, [person["participant_id"] for person in committed.json()["people"]])

        again = (await http.post(imports, content=good)).json()
        assert (again["enrolled"], again["updated"], again["unchanged"]) == (0, 0, 3)
        changed = (await http.post(imports, content=people_file([row(1), row(2, "Renamed"), row(3)]))).json()
        assert (changed["enrolled"], changed["updated"], changed["unchanged"]) == (0, 1, 2)
        await reader.read_until(lambda _: reader.events(ParticipantUpdated))
        await reader.drain(1)

    enrolments = {e.event.profile.display_name: e.event for e in reader.events(ParticipantEnrolled)}
    assert sorted(enrolments) == ["Person 1", "Person 2", "Person 3"], "each person enrolled once"
    assert enrolments["Person 2"].profile.manager_id == enrolments["Person 1"].participant_id
    assert enrolments["Person 1"].profile.skills[0].level == 4
    assert [e.event.profile.display_name for e in reader.events(ParticipantUpdated)] == ["Renamed"]


async def test_files_that_cannot_be_read_are_refused_with_the_reason(matching):
    imports = f"{matching.url}/programs/{PROGRAM}/imports"
    async with httpx.AsyncClient(headers={**lead_headers(PROGRAM), **CSV}, timeout=60) as http:
        latin1 = await http.post(
            f"{imports}/preview", content=people_file([row(1, "Jürgen")]).decode().encode("latin-1")
        )
        missing = await http.post(f"{imports}/preview", content=b"employee_id,display_name\nE1,Al\n")
        too_large = await http.post(f"{imports}/preview", content=b"x" * (9 * 1024 * 1024))
        other_lead = await http.post(f"{imports}/preview", content=b"", headers=lead_headers("another-program"))
    assert latin1.status_code == 422 and "not UTF-8" in latin1.json()["detail"]
    assert missing.status_code == 422 and missing.json()["detail"].startswith("missing columns: email, role, grade")
    assert too_large.status_code == 413
    assert other_lead.status_code == 403


async def test_someone_enrolled_elsewhere_is_a_row_error_not_a_second_enrolment(matching):
    other = f"other-{uuid4().hex[:8]}"
    configure_program(matching.url, other, start="cohort_run")
    person_id = participant_id_for("employee_id", "E00042")
    async with httpx.AsyncClient(timeout=60) as http:
        profile = {"participant_id": str(person_id), **enrolled(program_id=other).profile.model_dump(mode="json")}
        assert (
            await http.post(f"{matching.url}/participants", json=profile, headers=admin_headers())
        ).status_code == 202
        imports = f"{matching.url}/programs/{PROGRAM}/imports"
        for _ in range(300):
            preview = await http.post(
                f"{imports}/preview", content=people_file([row(42)]), headers={**lead_headers(PROGRAM), **CSV}
            )
            if preview.json()["errors"]:
                break
            await asyncio.sleep(0.1)
    assert preview.json()["errors"] == [
        {
            "row": 2,
            "column": "employee_id",
            "message": f"already enrolled in program {other!r}: a participant takes part in one program",
        }
    ]


async def test_ten_thousand_people_preview_and_commit(matching):
    imports = f"{matching.url}/programs/{LARGE_PROGRAM}/imports"
    data = people_file([row(n, employee="L") for n in range(10_000)])
    async with httpx.AsyncClient(headers={**lead_headers(LARGE_PROGRAM), **CSV}, timeout=300) as http:
        started = time.monotonic()
        preview = await http.post(f"{imports}/preview", content=data)
        previewed = time.monotonic()
        commit = await http.post(imports, content=data)
        committed = time.monotonic()
    assert preview.status_code == 200 and preview.json()["enrolled"] == 10_000, preview.text[:500]
    assert commit.status_code == 200 and commit.json()["enrolled"] == 10_000, commit.text[:500]
    print(f"10,000 rows ({len(data)} bytes): preview {previewed - started:.1f} s, commit {committed - previewed:.1f} s")
    assert committed - started < 120


async def until_stored(matching_url: str, participant_ids: list[str]) -> None:
    async with httpx.AsyncClient(headers=admin_headers(), timeout=10) as http:
        for participant_id in participant_ids:
            for _ in range(300):
                if (await http.get(f"{matching_url}/participants/{participant_id}")).status_code == 200:
                    break
                await asyncio.sleep(0.1)
            else:
                raise TimeoutError(f"participant {participant_id} not stored")
