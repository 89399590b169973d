"""Program insights as a lead gets them from a running feedback service: JSON, CSV, and the dashboard in Chromium.

The feedback service's tables are seeded with SQL (a cohort of 21 people in four departments), so the
figures can be checked against numbers worked out by hand, withheld cells included.
"""

import csv
import io
import json
import os
import re
import shutil
import subprocess
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from uuid import UUID, uuid4

import asyncpg
import httpx
import pytest

from flipside_devstack.auth import admin_headers, lead_headers
from flipside_devstack.service_process import ServiceProcess

PROGRAM = f"insights-{uuid4().hex[:8]}"
MARCH = datetime(2026, 3, 10, 15, tzinfo=UTC)
APRIL = datetime(2026, 4, 14, 15, tzinfo=UTC)
SECRET = "CONFIDENTIAL-" + uuid4().hex


@dataclass
class Cohort:
    """What was seeded: everyone's id, so the test can check none of them ever shows."""

    people: list[UUID] = field(default_factory=list)
    mentors: list[UUID] = field(default_factory=list)
    mentees: list[UUID] = field(default_factory=list)


@pytest.fixture(scope="module")
def feedback(sandbox, tmp_path_factory):
    with ServiceProcess("feedback", sandbox.env(), tmp_path_factory.mktemp("logs")) as service:
        yield service


@pytest.fixture(scope="module")
async def cohort(sandbox, feedback) -> Cohort:
    conn = await asyncpg.connect(sandbox.database_url, server_settings={"search_path": "feedback"})
    try:
        async with conn.transaction():
            return await seed(conn)
    finally:
        await conn.close()


async def seed(conn: asyncpg.Connection) -> Cohort:
    """Mentors: IT x7, Marketing x3 (junior). Mentees: Sales x6, Legal x3 (senior), Marketing x2 (mid).

    Pair i is mentor i with mentee i (10 pairs; the last Marketing mentee is unpaired).
    """
    cohort = Cohort()
    for role, department, band, size in (
        ("mentor", "IT", "junior", 7),
        ("mentor", "Marketing", "junior", 3),
        ("mentee", "Sales", "senior", 6),
        ("mentee", "Legal", "senior", 3),
        ("mentee", "Marketing", "mid", 2),
    ):
        for _ in range(size):
            person = uuid4()
            await conn.execute(
                "INSERT INTO participants (participant_id, program_id, role, department, grade_band, enrolled_at)"
                " VALUES ($1, $2, $3, $4, $5, $6)",
                person,
                PROGRAM,
                role,
                department,
                band,
                MARCH - timedelta(days=30),
            )
            cohort.people.append(person)
            (cohort.mentors if role == "mentor" else cohort.mentees).append(person)
    pairs = [uuid4() for _ in range(10)]
    for i, pair in enumerate(pairs):
        mentor, mentee = cohort.mentors[i], cohort.mentees[i]
        health = "at_risk" if i in (0, 1, 9) else "healthy" if i < 7 else "watch"
        await conn.execute(
            "INSERT INTO pairs (pair_id, program_id, mentor_id, mentee_id, created_at, ended_at, health_status)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7)",
            pair,
            PROGRAM,
            mentor,
            mentee,
            MARCH - timedelta(days=20),
            APRIL if i == 9 else None,
            health,
        )
        if i < 6:
            await conn.execute(
                "INSERT INTO proposals (pair_id, program_id, proposed_at, outcome) VALUES ($1, $2, $3, 'accepted')",
                pair,
                PROGRAM,
                MARCH - timedelta(days=25),
            )
        await conn.execute(
            "INSERT INTO goals (goal_id, pair_id, program_id, owner_id, owner_role, category, title, status, set_at)"
            " VALUES ($1, $2, $3, $4, 'mentee', 'digital', $5, $6, $7)",
            uuid4(),
            pair,
            PROGRAM,
            mentee,
            f"{SECRET} goal title",
            "achieved" if i < 6 else "open",
            MARCH,
        )
        for starts_at, status in (
            (MARCH, "held"),
            (APRIL, "held" if i < 5 else "cancelled"),
            (datetime.now(UTC) + timedelta(days=30), "planned"),
        ):
            session = uuid4()
            await conn.execute(
                "INSERT INTO sessions (session_id, pair_id, program_id, kind, starts_at, status) VALUES ($1, $2, $3, 'check_in', $4, $5)",
                session,
                pair,
                PROGRAM,
                starts_at,
                status,
            )
            if starts_at == MARCH:
                await answer(
                    conn,
                    session,
                    pair,
                    mentor,
                    "mentor",
                    MARCH,
                    {"session_value": 4, "could_speak_freely": 3, "partner_listened": 5},
                )
                await answer(
                    conn,
                    session,
                    pair,
                    mentee,
                    "mentee",
                    MARCH,
                    {"session_value": 5, "could_speak_freely": 3, "partner_listened": 5},
                )
            elif starts_at == APRIL and i < 2:
                await answer(
                    conn,
                    session,
                    pair,
                    mentee,
                    "mentee",
                    APRIL,
                    {"session_value": 2, "could_speak_freely": 2, "partner_listened": 2},
                )
    for _ in range(2):
        await conn.execute(
            "INSERT INTO proposals (pair_id, program_id, proposed_at, outcome) VALUES ($1, $2, $3, 'declined')",
            uuid4(),
            PROGRAM,
            MARCH - timedelta(days=25),
        )
    await conn.execute(
        "INSERT INTO proposals (pair_id, program_id, proposed_at) VALUES ($1, $2, $3)", uuid4(), PROGRAM, APRIL
    )
    for mentee in cohort.mentees[:6]:
        for phase, score in (("baseline", 2), ("end", 4)):
            await conn.execute(
                "INSERT INTO self_assessments (participant_id, program_id, phase, scores, recorded_at) VALUES ($1, $2, $3, $4::jsonb, $5)",
                mentee,
                PROGRAM,
                phase,
                json.dumps({"digital_confidence": score}),
                MARCH,
            )
    await conn.execute(
        "INSERT INTO concerns (concern_id, program_id, theme, body, contributor_hash, raised_on) VALUES ($1, $2, 'time', $3, $4, $5)",
        uuid4(),
        PROGRAM,
        f"{SECRET} concern body",
        b"\x01" * 32,
        MARCH.date(),
    )
    return cohort


async def answer(conn, session: UUID, pair: UUID, person: UUID, role: str, at: datetime, ratings: dict) -> None:
    request = uuid4()
    await conn.execute(
        "INSERT INTO feedback_requests (request_id, session_id, pair_id, program_id, participant_id, role, expires_at, answered_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
        request,
        session,
        pair,
        PROGRAM,
        person,
        role,
        at,
    )
    answers = {**ratings, "time_well_spent": True, "comment": f"{SECRET} what {role} {person} really thinks"}
    await conn.execute(
        "INSERT INTO responses (request_id, answers, submitted_at) VALUES ($1, $2::jsonb, $3)",
        request,
        json.dumps(answers),
        at,
    )


def figures_of(document: dict) -> dict:
    """Figure key -> dimension -> group -> (value, people, withheld because)."""
    return {
        figure["key"]: {
            cut["dimension"]: {c["group"]: (c["value"], c["people"], c["withheld_because"]) for c in cut["cells"]}
            for cut in figure["cuts"]
        }
        for figure in document["figures"]
    }


async def test_each_figure_of_the_cohort_with_small_groups_withheld(feedback, cohort):
    async with httpx.AsyncClient(headers=lead_headers(PROGRAM), base_url=feedback.url) as client:
        response = await client.get(f"/programs/{PROGRAM}/insights")
    assert response.status_code == 200
    figures = figures_of(response.json())

    assert figures["enrolled_mentor"]["program"] == {"all": (10, 10, None)}
    assert figures["enrolled_mentee"]["program"] == {"all": (11, 11, None)}
    # Legal 3 and Marketing 2 together are 5: enough, so Sales stays shown.
    assert figures["enrolled_mentee"]["department"] == {
        "Legal": (None, None, "fewer_than_k"),
        "Marketing": (None, None, "fewer_than_k"),
        "Sales": (6, 6, None),
    }
    # Marketing's 3 mentors alone would be 10 - 7: IT is withheld too.
    assert figures["enrolled_mentor"]["department"] == {
        "IT": (None, None, "complement"),
        "Marketing": (None, None, "fewer_than_k"),
    }
    assert figures["match_acceptance"]["program"] == {"all": (0.75, 12, None)}
    # 20 sessions due (10 in March held, 5 of 10 in April), the 10 in the future not yet.
    assert figures["sessions_held"]["program"] == {"all": (0.75, 20, None)}
    assert figures["sessions_held"]["department"] == {
        "IT": (0.857, 7, None),
        "Legal": (None, None, "fewer_than_k"),
        "Marketing": (None, None, "fewer_than_k"),
        "Sales": (0.917, 6, None),
    }
    # April's 2 answers are in a closed week, but one of only 2 people: not shown until 3 more answer after them.
    assert figures["session_value"]["program"] == {"all": (4.5, 20, None)}
    assert figures["psychological_safety"]["program"] == {"all": (4.0, 20, None)}
    assert figures["session_value"]["month"] == {"2026-03": (4.5, 20, None)}
    assert figures["goal_completion"]["program"] == {"all": (0.6, 10, None)}
    assert figures["goal_completion"]["department"] == {
        "Legal": (None, None, "fewer_than_k"),
        "Marketing": (None, None, "fewer_than_k"),
        "Sales": (None, None, "complement"),
    }
    assert figures["pairs_at_risk"]["program"] == {"all": (0.222, 18, None)}
    assert figures["self_assessment_change:digital_confidence"]["program"] == {"all": (2.0, 6, None)}


async def test_the_csv_export_has_the_same_cells_with_withheld_ones_empty(feedback, cohort):
    async with httpx.AsyncClient(headers=lead_headers(PROGRAM), base_url=feedback.url) as client:
        document = (await client.get(f"/programs/{PROGRAM}/insights", params={"period": "week"})).json()
        exported = await client.get(f"/programs/{PROGRAM}/insights.csv", params={"period": "week"})
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    expected = figures_of(document)
    assert len(rows) == sum(len(cells) for cuts in expected.values() for cells in cuts.values())
    for row in rows:
        value, people, because = expected[row["figure"]][row["dimension"]][row["group"]]
        if row["suppressed"] == "true":
            assert (row["value"], row["people"], row["withheld_because"]) == ("", "", because) and value is None
        else:
            assert (float(row["value"]), int(row["people"])) == (value, people) and people >= 5
    assert {row["dimension"] for row in rows} == {"program", "department", "grade_band", "week"}


async def test_an_admin_sees_no_comment_no_concern_no_goal_title_and_no_participant_id(feedback, cohort):
    async with httpx.AsyncClient(headers=admin_headers(), base_url=feedback.url) as client:
        pages = [
            (await client.get(f"/programs/{PROGRAM}/{path}", params={"period": period})).text
            for path in ("insights", "insights.csv", "dashboard")
            for period in ("week", "month")
        ]
    ids = [str(person) for person in cohort.people] + [person.hex for person in cohort.people]
    for page in pages:
        assert "fewer_than_k" in page or "fewer than 5 people" in page, "the page is the real one"
        assert SECRET not in page
        assert not [i for i in ids if i in page]


async def test_unknown_programs_and_files_are_not_found_and_a_bad_period_is_refused(feedback, cohort):
    async with httpx.AsyncClient(headers=admin_headers(), base_url=feedback.url) as client:
        for path in ("insights", "insights.csv", "dashboard"):
            assert (await client.get(f"/programs/no-such-program/{path}")).status_code == 404
        assert (await client.get(f"/programs/{PROGRAM}/insights", params={"period": "year"})).status_code == 422
        chart = await client.get("/static/chart.umd.js")
        assert chart.status_code == 200 and chart.headers["content-type"].startswith("text/javascript")
        assert chart.text.startswith("/*!\n * Chart.js v4")
        for name in ("chart.umd.js.LICENSE.md", "..%2Fapi.py", "missing.js"):
            assert (await client.get(f"/static/{name}")).status_code == 404


class LeadsSignIn(BaseHTTPRequestHandler):
    """What stands in front of the dashboard for browsers (an OpenID Connect sign-in proxy): it passes each request
    on with the signed-in lead's bearer token."""

    def do_GET(self) -> None:
        upstream = httpx.get(f"{self.server.upstream}{self.path}", headers=lead_headers(PROGRAM), timeout=10)
        self.send_response(upstream.status_code)
        for name in ("content-type", "content-security-policy", "cache-control"):
            if name in upstream.headers:
                self.send_header(name, upstream.headers[name])
        self.end_headers()
        self.wfile.write(upstream.content)

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture(scope="module")
def signed_in(feedback):
    """The dashboard's address behind the sign-in proxy."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), LeadsSignIn)
    server.upstream = feedback.url
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def chromium(*arguments: str, profile: Path) -> subprocess.CompletedProcess:
    """Headless Chromium as CI has it: Debian's package, installed by scripts/bootstrap.sh."""
    executable = shutil.which("chromium")
    assert executable, "chromium is not installed: run scripts/bootstrap.sh (apt-get install chromium)"
    command = [
        executable,
        "--headless=new",
        "--disable-gpu",
        "--no-sandbox",
        "--no-first-run",
        f"--user-data-dir={profile}",
        "--enable-logging=stderr",
        "--virtual-time-budget=5000",
        "--window-size=1280,2000",
        *arguments,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def test_the_dashboard_in_chromium_draws_every_chart_and_says_what_is_withheld(feedback, signed_in, cohort, tmp_path):
    artifacts = Path(os.environ.get("FLIPSIDE_TEST_ARTIFACTS") or tmp_path)
    artifacts.mkdir(parents=True, exist_ok=True)
    url = f"{signed_in}/programs/{PROGRAM}/dashboard"
    assert httpx.get(f"{feedback.url}/programs/{PROGRAM}/dashboard", timeout=10).status_code == 401, (
        "never without a token"
    )

    seen = chromium("--dump-dom", url, profile=tmp_path / "profile-dom")
    assert seen.returncode == 0, seen.stderr[-2000:]
    dom = seen.stdout
    canvases = re.findall(r"<canvas\b[^>]*>", dom)
    assert len(canvases) >= 20
    rendered = re.search(r'<body[^>]*\sdata-rendered="(\d+)"', dom)
    assert rendered and int(rendered.group(1)) == len(canvases), "the page's script drew a chart on every canvas"
    # Chart.js sizes each canvas it draws on (a display size in its style), so none is left at 0 x 0.
    assert all(re.search(r'style="[^"]*width: [1-9]\d*px', canvas) for canvas in canvases)
    assert "withheld: fewer than 5 people" in dom
    assert "Refused to" not in seen.stderr, "the page's policy blocked something it loads"

    screenshot = artifacts / f"insights-dashboard-{PROGRAM}.png"
    shot = chromium(f"--screenshot={screenshot}", url, profile=tmp_path / "profile-shot")
    print(f"dashboard screenshot: {screenshot}")
    assert shot.returncode == 0 and screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", shot.stderr[-2000:]
    assert screenshot.stat().st_size > 20_000, f"a page of charts, not a blank one: {screenshot}"
