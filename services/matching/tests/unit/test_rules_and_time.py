"""Hard rules one pair at a time, and working-hour overlap across daylight-saving changes."""

import asyncio
from datetime import UTC, date, datetime, time, timedelta
from uuid import UUID, uuid4

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from flipside_devstack.factories import office_hours, profile
from flipside_matching.domain.availability import Availability, pattern_of
from flipside_matching.domain.candidates import CandidateSpace
from flipside_matching.domain.model import Participant, ProgramPolicy
from flipside_matching.domain.reporting import chains, lines_above, managers_of
from flipside_matching.domain.rules import violations
from flipside_matching.domain.taxonomy import Taxonomy
from flipside_matching.matcher import reporting_lines
from flipside_shared.events import WorkingHours

T0 = datetime(2026, 1, 5, tzinfo=UTC)
WEEK = date(2026, 1, 12)
POLICY = ProgramPolicy(min_grade_gap=2)


def person(minutes: int = 0, active_pairs: int = 0, **overrides) -> Participant:
    return Participant(uuid4(), profile(**overrides), active_pairs, T0 + timedelta(minutes=minutes))


def broken(mentor, mentee, policy=POLICY, people=()):
    everyone = [mentor, mentee, *people]
    above = chains(managers_of((p.participant_id, p.profile.manager_id, p.profile.reporting_chain) for p in everyone))
    return violations(mentor, mentee, policy, above, WEEK)


def test_reverse_rule_requires_the_mentor_to_be_junior_by_the_gap_and_ordinary_the_other_way():
    assert broken(person(role="mentor", grade=3), person(role="mentee", grade=5)) == []
    assert "mentor is not 2 grade(s) below the mentee" in broken(
        person(role="mentor", grade=4), person(role="mentee", grade=5)
    )
    ordinary = ProgramPolicy(direction="ordinary", min_grade_gap=2)
    assert broken(person(role="mentor", grade=7), person(role="mentee", grade=5), ordinary) == []
    assert "mentor is not 2 grade(s) above the mentee" in broken(
        person(role="mentor", grade=3), person(role="mentee", grade=5), ordinary
    )


def test_never_inside_one_reporting_line_even_several_levels_apart():
    boss = person(role="mentee", grade=9)
    middle = person(role="mentee", grade=6, manager_id=boss.participant_id)
    report = person(role="mentor", grade=2, manager_id=middle.participant_id)
    assert "same reporting line" in broken(report, boss, people=[middle])
    assert "same reporting line" not in broken(report, person(role="mentee", grade=9), people=[middle])
    told = person(role="mentor", grade=2, manager_id=uuid4(), reporting_chain=[boss.participant_id])
    assert "same reporting line" in broken(told, boss)


def test_exclusions_earlier_partners_languages_capacity_and_roles_are_hard_rules():
    mentee = person(role="mentee", grade=8)
    assert "excluded by one of them" in broken(
        person(role="mentor", grade=2, exclusions=[mentee.participant_id]), mentee
    )
    mentor = person(role="mentor", grade=2)
    again = Participant(mentee.participant_id, mentee.profile, 0, T0, partners=frozenset({mentor.participant_id}))
    assert "paired before" in broken(mentor, again)
    assert "no shared language" in broken(
        person(role="mentor", grade=2, languages=["de"]), person(role="mentee", grade=8, languages=["fr"])
    )
    assert "mentor has no capacity left" in broken(person(role="mentor", grade=2, active_pairs=1), mentee)
    assert "roles do not fit" in broken(person(role="mentee", grade=2), mentee)


def test_too_little_shared_working_time_is_a_hard_rule():
    berlin = person(role="mentor", grade=2, time_zone="Europe/Berlin", working_hours=office_hours(9, 12))
    sydney = person(role="mentee", grade=8, time_zone="Australia/Sydney", working_hours=office_hours(9, 17))
    assert any("shared working time" in v for v in broken(berlin, sydney))


def weekly_overlap(zone_a, hours_a, zone_b, hours_b, first_week, weeks):
    one, other = [pattern_of(zone_a, hours_a)], [pattern_of(zone_b, hours_b)]
    return int(Availability(one, other, first_week, weeks).overlap_minutes[0, 0])


def test_overlap_follows_each_side_s_own_daylight_saving_dates():
    nine_to_five = office_hours(9, 17)
    # Winter: New York is 6 h behind Berlin, 2 h a day in common.
    assert (
        weekly_overlap("Europe/Berlin", nine_to_five, "America/New_York", nine_to_five, date(2026, 2, 2), 1) == 5 * 120
    )
    # 9 to 28 March 2026: New York has moved its clocks, Berlin has not yet: 5 h apart, 3 h in common.
    assert (
        weekly_overlap("Europe/Berlin", nine_to_five, "America/New_York", nine_to_five, date(2026, 3, 16), 1) == 5 * 180
    )
    # A program spanning both counts its worst week.
    assert (
        weekly_overlap("Europe/Berlin", nine_to_five, "America/New_York", nine_to_five, date(2026, 3, 2), 6) == 5 * 120
    )


def test_southern_and_half_hour_zones_across_april_and_october_changes():
    early = office_hours(7, 15)
    # Sydney leaves daylight saving on 5 April 2026 (UTC+11 -> +10); Kolkata (UTC+5:30) never changes.
    before = weekly_overlap("Australia/Sydney", early, "Asia/Kolkata", early, date(2026, 3, 23), 1)
    after = weekly_overlap("Australia/Sydney", early, "Asia/Kolkata", early, date(2026, 4, 6), 1)
    assert (before, after) == (5 * 150, 5 * 210)  # 5.5 h apart, then 4.5 h
    # After Sydney's change (4 Oct 2026, to UTC+11) Berlin is 9 h behind; after Berlin's (25 Oct, to UTC+1), 10 h.
    late = office_hours(15, 23)
    october = [
        weekly_overlap("Europe/Berlin", early, "Australia/Sydney", late, date(2026, 10, day), 1) for day in (12, 26)
    ]
    assert october == [5 * 420, 5 * 360]


def test_working_hours_in_a_skipped_or_repeated_hour_still_count_once():
    night = [WorkingHours(weekday=6, start=time(1, 0), end=time(4, 0))]  # Sunday night of the change
    longer = [WorkingHours(weekday=6, start=time(0), end=time(5))]
    skipped = weekly_overlap("Europe/Berlin", night, "Europe/Berlin", longer, date(2026, 3, 23), 1)
    repeated = weekly_overlap("Europe/Berlin", night, "Europe/Berlin", longer, date(2026, 10, 19), 1)
    assert skipped == 120  # 02:00-03:00 does not exist on 29 March: two real hours
    assert repeated == 240  # 02:00-03:00 happens twice on 25 October: four real hours


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 30), st.lists(st.integers(0, 40), max_size=3)), max_size=30, unique_by=lambda t: t[0]
    )
)
def test_reporting_chains_hold_everyone_reachable_upwards(org):
    """Against a plain search from each person, on any org chart without cycles."""
    ids = [UUID(int=n + 1) for n in range(41)]
    managers = {ids[p]: [ids[m] for m in above if m > p] for p, above in org}  # managers have higher numbers: no cycles

    def reachable(person):
        seen, queue = set(), list(managers.get(person, ()))
        while queue:
            m = queue.pop()
            if m not in seen:
                seen.add(m)
                queue.extend(managers.get(m, ()))
        return seen

    assert chains(managers) == {person: frozenset(reachable(person)) for person in managers}


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 30), st.lists(st.integers(0, 40), max_size=3)), max_size=30, unique_by=lambda t: t[0]
    ),
    st.sets(st.integers(0, 30), max_size=8),
)
def test_the_lines_above_a_few_people_give_them_the_chains_the_whole_company_does(org, few):
    """A candidate space works out the chains of its own people only (`lines_above`), as they are in the whole org."""
    ids = [UUID(int=n + 1) for n in range(41)]
    managers = {ids[p]: [ids[m] for m in above if m > p] for p, above in org}  # managers have higher numbers: no cycles
    own = {ids[p]: managers.get(ids[p], []) for p in few}

    whole = chains({**managers, **own})
    assert {p: above for p, above in chains(lines_above(own, managers)).items() if p in own} == {
        p: whole[p] for p in own
    }


def test_availability_of_one_side_against_the_other_is_each_pair_of_their_patterns():
    week = date(2026, 3, 2)
    berlin, sydney, new_york = (
        pattern_of(zone, office_hours(9, 17)) for zone in ("Europe/Berlin", "Australia/Sydney", "America/New_York")
    )
    both_sides = Availability([berlin, sydney], [new_york, berlin, sydney], week, 4)
    one_by_one = [
        [Availability([a], [b], week, 4).overlap_minutes[0, 0] for b in (new_york, berlin, sydney)]
        for a in (berlin, sydney)
    ]

    assert both_sides.overlap_minutes.tolist() == one_by_one
    assert both_sides.overlap_minutes[0, 1] == 5 * 8 * 60 and both_sides.overlap_minutes[1, 0] == 0
    assert both_sides.row_weekly_minutes.tolist() == both_sides.col_weekly_minutes[1:].tolist() == [2400, 2400]


def test_languages_match_by_their_primary_subtag_in_the_rules_and_the_engine():
    british = person(role="mentor", grade=2, languages=["en-GB"])
    american = person(role="mentee", grade=8, languages=["EN_us", "es"])
    assert "no shared language" not in broken(british, american)
    assert "no shared language" in broken(person(role="mentor", grade=2, languages=["pt-BR"]), american)
    space = CandidateSpace([american], [british], POLICY, Taxonomy.load(), WEEK)
    assert space.rule_masks(np.array([0]))["language"].all()


class StoredOrg:
    """`MatchingRepository.managers_above` over stored profiles: everyone reached from the people asked about
    through the managers and chains stored profiles name, with the managers each of them names."""

    def __init__(self, managers: dict[UUID, list[UUID]]) -> None:
        self.managers = managers
        self.asked: list[set[UUID]] = []

    async def managers_above(self, people) -> dict[UUID, list[UUID]]:
        self.asked.append(set(people))
        reached, climbing = set(), list(people)
        while climbing:
            person = climbing.pop()
            if person not in reached and person in self.managers:
                reached.add(person)
                climbing.extend(self.managers[person])
        return {person: self.managers[person] for person in reached}


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 30), st.integers(0, 40), st.lists(st.integers(0, 40), max_size=2)),
        max_size=30,
        unique_by=lambda t: t[0],
    ),
    st.sets(st.integers(0, 30), max_size=12),
)
def test_reporting_lines_read_from_profiles_in_memory_are_those_the_whole_query_gives(stored, in_memory):
    """A rolling batch takes the managers its people's own profiles name from those profiles, and reads only the
    lines above managers outside them; with cycles, managers never enrolled, and people of other programs."""
    ids = [UUID(int=n + 1) for n in range(41)]
    profiles = {
        ids[p]: profile(manager_id=ids[manager], reporting_chain=[ids[m] for m in chain])
        for p, manager, chain in stored
        if manager != p
    }
    org = StoredOrg({p: managers_of([(p, pr.manager_id, pr.reporting_chain)])[p] for p, pr in profiles.items()})
    people = [Participant(ids[p], profiles[ids[p]], 0, T0) for p in in_memory if ids[p] in profiles]

    whole = asyncio.run(org.managers_above([p.participant_id for p in people]))
    assert asyncio.run(reporting_lines(org, people)) == whole
    assert all(not (asked & {p.participant_id for p in people}) for asked in org.asked[1:])
