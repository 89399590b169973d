"""A program's cadence, driven as its users see it: pairs in, a kickoff and then one session per week
out, each booked when the one before is held, until the program's length is reached."""

from collections import defaultdict
from datetime import UTC, datetime, timedelta

import holidays
import httpx
import pytest

from flipside_devstack.auth import admin_headers
from flipside_devstack.factories import pair_created
from flipside_devstack.kafka_io import TopicReader, count_of, envelope, publish
from flipside_devstack.service_process import ServiceProcess
from flipside_shared.events import CheckInDue, SessionScheduled

PAIRS = 6
PROGRAM = "weekly"
HOLIDAY_FREE_MONDAY = datetime(2027, 8, 2, 6, tzinfo=UTC)  # simulated time starts on it, give or take a day


def first_working_day_for_both(moment: datetime) -> datetime:
    """The same time on the first day from `moment` on that is neither a weekend nor a public holiday in
    Germany or the United States (simulated time runs fast: a slow machine meets holidays)."""
    closed = holidays.country_holidays("DE", years=range(moment.year, moment.year + 2)) + holidays.country_holidays(
        "US", years=range(moment.year, moment.year + 2)
    )
    while moment.weekday() >= 5 or moment.date() in closed:
        moment += timedelta(days=1)
    return moment


@pytest.fixture(scope="module")
def scheduling(sandbox, tmp_path_factory):
    """One simulated day per real second, from a Monday in a month with few public holidays."""
    now = datetime.now(UTC)
    env = sandbox.env(
        FLIPSIDE_SCHEDULING_CLOCK_RATE="86400",
        FLIPSIDE_SCHEDULING_CLOCK_EPOCH=now.isoformat(),
        FLIPSIDE_SCHEDULING_CLOCK_OFFSET=f"P{(HOLIDAY_FREE_MONDAY - now).days}D",
        FLIPSIDE_SCHEDULING_TIMER_POLL_SECONDS="0.02",
    )
    with ServiceProcess("scheduling", env, tmp_path_factory.mktemp("logs")) as service:
        yield service


async def test_a_weekly_program_books_one_session_per_week_until_it_ends(sandbox, scheduling):
    async with httpx.AsyncClient(headers=admin_headers(), base_url=scheduling.url) as client:
        refused = await client.put(f"/programs/{PROGRAM}/schedule", json={"cadence": "daily"})
        configured = await client.put(f"/programs/{PROGRAM}/schedule", json={"cadence": "weekly", "length_weeks": 3})
        assert (await client.get(f"/programs/{PROGRAM}/schedule")).json()["cadence"] == "weekly"
    assert refused.status_code == 422 and "weekly" in refused.text
    assert configured.status_code == 200

    pairs = [pair_created(program_id=PROGRAM) for _ in range(PAIRS)]
    await publish(sandbox.bootstrap_servers, sandbox.topic_prefix, [envelope(p) for p in pairs])
    async with TopicReader(sandbox.bootstrap_servers, [f"{sandbox.topic_prefix}sessions"]) as reader:
        # Kickoff and two weekly sessions per pair; the third week is the program's end.
        await reader.read_until(lambda records: count_of(CheckInDue)(records) >= 3 * PAIRS, timeout=90)
        await reader.drain(4)
        scheduled = reader.events(SessionScheduled)
        check_ins = reader.events(CheckInDue)

    sessions = defaultdict(list)
    for entry in scheduled:
        sessions[entry.event.pair_id].append(entry.event)
    assert {pair.pair_id: [s.occurrence for s in sessions[pair.pair_id]] for pair in pairs} == {
        pair.pair_id: [0, 1, 2] for pair in pairs
    }, "each occurrence once, in order, and nothing after the program's three weeks"
    assert len(check_ins) == 3 * PAIRS
    for pair_sessions in sessions.values():
        kickoff, *later = pair_sessions
        for week, session in enumerate(later, start=1):
            # Both work 9 to 5 in Berlin and New York: the cadence keeps the mentee's 9:00, on the first
            # day both work from the same weekday on.
            assert session.mentee.local_start.replace(tzinfo=None) == first_working_day_for_both(
                kickoff.mentee.local_start.replace(tzinfo=None) + timedelta(weeks=week)
            )
            assert session.kind == "check_in"
