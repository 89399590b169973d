"""The series after the kickoff: cadence on the mentee's wall clock, across daylight-saving changes on
both sides, skipping what cannot fit, never double-booking, never over a monthly budget."""

from datetime import UTC, date, datetime, time, timedelta
from uuid import uuid4
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from flipside_scheduling.domain.booking import Booked, NoSlot, book_next, reschedule
from flipside_scheduling.domain.calendar import Absence, Attendee, Availability
from flipside_scheduling.domain.policy import ProgramSchedule, SchedulingPolicy
from flipside_scheduling.domain.series import Series
from flipside_shared.events import WorkingHours

POLICY = SchedulingPolicy(min_notice=timedelta(hours=0))
ZONES = ["Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Kolkata"]


def person(zone, start=9, end=17, days=range(5), busy=(), absences=(), hours_per_month=None) -> Availability:
    hours = tuple(WorkingHours(weekday=d, start=time(start), end=time(end)) for d in days)
    return Availability.of(Attendee(uuid4(), zone, hours, None, hours_per_month), busy, absences)


def series(anchor: datetime, zone: str, cadence="fortnightly", weeks=26, minutes=45) -> Series:
    return Series.after_kickoff(
        anchor, zone, ProgramSchedule(cadence=cadence, length_weeks=weeks, session_minutes=minutes)
    )


def local(moment: datetime, zone: str) -> datetime:
    return moment.astimezone(ZoneInfo(zone))


def test_the_mentee_keeps_their_local_time_when_the_us_changes_before_europe():
    # Kickoff Tuesday 3 March 2026, 10:00 in New York (EST). The US springs forward on 8 March.
    anchor = datetime(2026, 3, 3, 15, 0, tzinfo=UTC)
    plan = series(anchor, "America/New_York")
    occurrence, skipped = book_next(person("Europe/Berlin"), person("America/New_York"), plan, 0, anchor, POLICY)
    assert not skipped and occurrence.index == 1
    assert local(occurrence.booked.starts_at, "America/New_York").replace(tzinfo=None) == datetime(2026, 3, 17, 10, 0)
    assert local(occurrence.booked.starts_at, "Europe/Berlin").time() == time(15, 0), "Berlin has not changed yet"


def test_when_the_target_leaves_the_mentor_s_hours_the_session_moves_inside_the_period():
    # 11:30 in New York is 17:30 in Berlin in the weeks between the US and the European change: too late for
    # Berlin; the fortnight still offers 9:00 New York on the same day (14:00 Berlin).
    anchor = datetime(2026, 3, 3, 16, 30, tzinfo=UTC)  # 11:30 EST = 17:30 CET (Berlin works until 18:00 here)
    mentor = person("Europe/Berlin", start=9, end=18)
    plan = series(anchor, "America/New_York")
    occurrence, _ = book_next(mentor, person("America/New_York"), plan, 0, anchor, POLICY)
    starts = occurrence.booked.starts_at
    assert starts.date() == date(2026, 3, 17)
    assert mentor.can_meet(starts, starts + plan.duration)
    assert local(starts, "Europe/Berlin").time() < time(17, 15)


def test_sydney_and_kolkata_across_the_april_change_weekly():
    # Sydney leaves daylight time on Sunday 5 April 2026; the mentee in Sydney keeps 14:00 local.
    anchor = datetime(2026, 3, 31, 3, 0, tzinfo=UTC)  # Tuesday 14:00 AEDT = 08:30 IST
    plan = series(anchor, "Australia/Sydney", cadence="weekly")
    kolkata = person("Asia/Kolkata", start=8, end=17)
    occurrence, _ = book_next(kolkata, person("Australia/Sydney", start=9, end=17), plan, 0, anchor, POLICY)
    assert local(occurrence.booked.starts_at, "Australia/Sydney").replace(tzinfo=None) == datetime(2026, 4, 7, 14, 0)
    assert local(occurrence.booked.starts_at, "Asia/Kolkata").time() == time(9, 30), "an hour later for Kolkata"


def test_berlin_and_sydney_in_october_both_change_in_opposite_directions():
    # Sydney springs forward on 4 October 2026, Berlin falls back on 25 October.
    anchor = datetime(2026, 9, 29, 6, 0, tzinfo=UTC)  # Tuesday 08:00 Berlin (CEST), 16:00 Sydney (AEST)
    mentor, mentee = person("Australia/Sydney", start=9, end=19), person("Europe/Berlin", start=8, end=17)
    plan = series(anchor, "Europe/Berlin", cadence="weekly")
    after, now, seen = 0, anchor, []
    for _ in range(5):
        occurrence, _ = book_next(mentor, mentee, plan, after, now, POLICY)
        start = occurrence.booked.starts_at
        assert mentor.can_meet(start, start + plan.duration) and mentee.can_meet(start, start + plan.duration)
        seen.append(local(start, "Australia/Sydney").time())
        after, now = occurrence.index, start
    # 08:00 in Berlin throughout: 17:00 in Sydney once Sydney is on daylight time, 18:00 once Berlin is not.
    assert seen == [time(17, 0)] * 3 + [time(18, 0)] * 2


def test_a_wall_clock_time_that_does_not_exist_reads_as_the_hour_after():
    night_owl = person("Europe/Berlin", start=1, end=5, days=[6])
    anywhere = person("Asia/Kolkata", start=0, end=23, days=range(7))
    anchor = datetime(2026, 3, 22, 1, 30, tzinfo=UTC)  # Sunday 02:30 CET
    occurrence, _ = book_next(anywhere, night_owl, series(anchor, "Europe/Berlin", cadence="weekly"), 0, anchor, POLICY)
    starts = local(occurrence.booked.starts_at, "Europe/Berlin")
    assert starts.date() == date(2026, 3, 29) and starts.time() == time(3, 30)


def test_monthly_keeps_the_day_or_the_month_s_last_day():
    anchor = datetime(2026, 1, 30, 14, 0, tzinfo=UTC)  # Friday 30 January, 15:00 Berlin
    plan = series(anchor, "Europe/Berlin", cadence="monthly")
    assert local(plan.target(1), "Europe/Berlin").date() == date(2026, 2, 28)
    assert local(plan.target(2), "Europe/Berlin").date() == date(2026, 3, 30)
    assert local(plan.target(2), "Europe/Berlin").time() == time(15, 0), "same wall clock after the March change"


def test_a_period_without_time_is_skipped_with_its_reason_and_the_next_is_booked():
    anchor = datetime(2026, 6, 2, 13, 0, tzinfo=UTC)
    away = person("America/New_York", absences=[Absence(date(2026, 6, 14), date(2026, 6, 30))])
    occurrence, skipped = book_next(
        person("Europe/Berlin"), away, series(anchor, "America/New_York"), 0, anchor, POLICY
    )
    assert [s.index for s in skipped] == [1] and "absences" in skipped[0].reason
    assert occurrence.index == 2 and occurrence.booked.starts_at.date() >= date(2026, 7, 1)


def test_the_series_ends_with_the_program():
    anchor = datetime(2026, 6, 2, 13, 0, tzinfo=UTC)
    plan = series(anchor, "America/New_York", weeks=4)
    last, _ = book_next(person("Europe/Berlin"), person("America/New_York"), plan, 0, anchor, POLICY)
    assert last.index == 1
    over, skipped = book_next(person("Europe/Berlin"), person("America/New_York"), plan, 1, anchor, POLICY)
    assert over is None and not skipped


def test_a_mentor_s_monthly_budget_is_never_exceeded_across_three_mentees():
    # 3 hours a month, three weekly pairs of 45 minutes: at most 4 sessions a month, whatever the order.
    budget_hours, zone = 3, "Europe/Berlin"
    mentor_id = uuid4()
    hours = tuple(WorkingHours(weekday=d, start=time(9), end=time(17)) for d in range(5))
    mentor_busy: list = []
    anchor = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
    plans = [series(anchor + timedelta(hours=2 * k), zone, cadence="weekly", weeks=12) for k in range(3)]
    after = [0, 0, 0]
    for _ in range(12):
        for k, plan in enumerate(plans):
            mentor = Availability.of(Attendee(mentor_id, zone, hours, None, budget_hours), mentor_busy)
            occurrence, _ = book_next(mentor, person(zone), plan, after[k], anchor, POLICY)
            if occurrence is not None:
                mentor_busy.append((occurrence.booked.starts_at, occurrence.booked.ends_at))
                after[k] = occurrence.index
    per_month: dict = {}
    for start, end in mentor_busy:
        month = local(start, zone).month
        per_month[month] = per_month.get(month, 0) + (end - start).total_seconds() / 60
    assert per_month and max(per_month.values()) <= budget_hours * 60
    assert sorted(mentor_busy) == sorted(set(mentor_busy)) and all(
        a_end <= b_start for (_, a_end), (b_start, _) in zip(sorted(mentor_busy), sorted(mentor_busy)[1:], strict=False)
    ), "never two sessions at once"


@settings(max_examples=60, deadline=None)
@given(
    mentor_zone=st.sampled_from(ZONES),
    mentee_zone=st.sampled_from(ZONES),
    day=st.integers(0, 364),
    hour=st.integers(0, 23),
    cadence=st.sampled_from(["weekly", "fortnightly", "monthly"]),
)
def test_every_booked_session_is_inside_both_working_hours_and_its_period(mentor_zone, mentee_zone, day, hour, cadence):
    anchor = datetime(2026, 1, 1, hour, 0, tzinfo=UTC) + timedelta(days=day)
    mentor, mentee = person(mentor_zone, 7, 20, days=range(7)), person(mentee_zone, 7, 20, days=range(7))
    plan = series(anchor, mentee_zone, cadence=cadence, weeks=10)
    after, now = 0, anchor
    while True:
        occurrence, skipped = book_next(mentor, mentee, plan, after, now, POLICY)
        if occurrence is None:
            break
        start, end = occurrence.booked.starts_at, occurrence.booked.ends_at
        period_start, period_end = plan.period(occurrence.index)
        assert period_start <= start and end <= period_end
        assert mentor.can_meet(start, end) and mentee.can_meet(start, end)
        assert all(s.index < occurrence.index for s in skipped)
        after, now = occurrence.index, end


def test_a_move_into_the_past_outside_hours_or_onto_nothing_new_is_refused_with_a_reason():
    now = datetime(2026, 6, 1, 6, 0, tzinfo=UTC)
    current = Booked(datetime(2026, 6, 2, 13, 0, tzinfo=UTC), timedelta(minutes=45))
    interval = (current.starts_at, current.ends_at)
    mentor, mentee = person("Europe/Berlin", busy=[interval]), person("America/New_York", busy=[interval])
    past = reschedule(mentor, mentee, current, now - timedelta(hours=1), now, POLICY)
    assert isinstance(past, NoSlot) and "already passed" in past.reason
    night = reschedule(mentor, mentee, current, datetime(2026, 6, 3, 2, 0, tzinfo=UTC), now, POLICY)
    assert isinstance(night, NoSlot) and night.reason.startswith(
        "the mentor cannot meet then: outside their working hours"
    )
    later = reschedule(mentor, mentee, current, current.starts_at + timedelta(minutes=30), now, POLICY)
    assert later == Booked(current.starts_at + timedelta(minutes=30), current.duration), (
        "its own old slot is no obstacle"
    )
    other = reschedule(mentor, mentee, current, None, now, POLICY)
    assert other.starts_at != current.starts_at and not (
        current.starts_at < other.ends_at and other.starts_at < current.ends_at
    ), "without a time, the earliest slot that is not the current one"
