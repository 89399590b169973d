"""No cell of any cut, in any export, reveals fewer than 5 people, directly or by subtraction from the total.

Random populations: people in departments and grade bands, records (a response, a goal, a session of a
pair, a proposal whose people are unknown) spread over months. Each cell's people are recounted here
from the raw records, independently of the code under test.
"""

import csv
import io
import statistics
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from uuid import UUID

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flipside_feedback.domain.insights import (
    NOT_STATED,
    PROGRAM,
    WHOLE_PROGRAM,
    Measure,
    Observation,
    Withheld,
    tabulate,
)
from flipside_feedback.domain.program_figures import (
    Enrolment,
    Goal,
    PairHealth,
    Person,
    ProgramRecords,
    Proposal,
    Rating,
    SelfAssessment,
    Session,
    program_insights,
)
from flipside_feedback.domain.survey import MIN_GROUP_SIZE
from flipside_feedback.insights_formats import csv_export, document

DIMENSIONS = ("department", "grade_band", "month")
START = datetime(2026, 1, 5, tzinfo=UTC)

group_pairs = st.tuples(
    st.sampled_from(["Sales", "Legal", "IT", None]), st.sampled_from(["junior", "mid", "senior", None])
)


def sized_lists(draw, elements, low: int, high: int) -> list:
    """Sizes drawn evenly, so big groups (shown cells) are as likely as small ones."""
    size = draw(st.integers(low, high))
    return draw(st.lists(elements, min_size=size, max_size=size))


@st.composite
def populations(draw):
    """People with their groups, and records each with 0 (unknown), 1 or 2 of them, a month and a value."""
    groups = sized_lists(draw, group_pairs, 0, 60)
    people = list(range(len(groups)))
    member = st.sampled_from(people) if people else st.none()
    records = sized_lists(
        draw,
        st.tuples(st.lists(member, max_size=2 if people else 0, unique=True), st.integers(1, 4), st.integers(0, 5)),
        0,
        200,
    )
    return groups, records


def observations(groups, records):
    def place(person, month):
        department, band = groups[person] if person is not None else (None, None)
        return {"department": department or NOT_STATED, "grade_band": band or NOT_STATED, "month": f"2026-{month:02d}"}

    return [
        Observation(record, person, place(person, month), float(value))
        for record, (members, month, value) in enumerate(records)
        for person in (members or [None])
    ]


def recount(observed: list[Observation], dimension: str) -> dict[str, tuple[frozenset, dict]]:
    """Group -> (distinct known people, record -> value), straight from the observations."""
    people, values = defaultdict(set), defaultdict(dict)
    for o in observed:
        group = WHOLE_PROGRAM if dimension == PROGRAM else o.groups[dimension]
        values[group][o.record] = o.value
        if o.person is not None:
            people[group].add(o.person)
    return {group: (frozenset(people[group]), values[group]) for group in values}


def expected_value(measure: Measure, values: dict) -> float:
    if measure is Measure.COUNT:
        return len(values)
    return round(statistics.fmean(values.values()), 3 if measure is Measure.SHARE else 2)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(population=populations(), measure=st.sampled_from(list(Measure)))
def test_no_cell_reveals_a_group_under_k_directly_or_by_subtraction(population, measure):
    observed = observations(*population)
    figure = tabulate("f", "figure", measure, observed, DIMENSIONS)
    whole = figure.program
    if not observed:
        assert whole.people == 0 and not whole.suppressed and [c.cells for c in figure.cuts[1:]] == [(), (), ()]
        return
    for cut in figure.cuts:
        truth = recount(observed, cut.dimension)
        assert sorted(cell.group for cell in cut.cells) == sorted(truth)
        for cell in cut.cells:
            people, values = truth[cell.group]
            if len(people) < MIN_GROUP_SIZE:
                assert cell.withheld is Withheld.FEWER_THAN_K
            if cell.suppressed:
                assert cell.value is None and cell.people is None
            else:
                assert len(people) >= MIN_GROUP_SIZE
                assert cell.people == len(people) and cell.value == expected_value(measure, values)
        withheld = [truth[cell.group][0] for cell in cut.cells if cell.suppressed]
        if not whole.suppressed and withheld:
            # What the total minus the shown cells gives back must be about enough people.
            assert len(frozenset().union(*withheld)) >= MIN_GROUP_SIZE, cut
        if not whole.suppressed:
            assert sum(cell.suppressed for cell in cut.cells) != 1, "one withheld cell is the total minus the others"


def test_one_small_cell_takes_the_smallest_other_with_it():
    observed = [
        Observation(f"{group}{i}", f"{group}{i}", {"department": group}, 1.0)
        for group, size in (("Legal", 3), ("IT", 6), ("Sales", 9))
        for i in range(size)
    ]
    cut = tabulate("enrolled", "enrolled", Measure.COUNT, observed, ["department"]).cuts[1]
    assert {cell.group: (cell.value, cell.withheld) for cell in cut.cells} == {
        "IT": (None, Withheld.COMPLEMENT),
        "Legal": (None, Withheld.FEWER_THAN_K),
        "Sales": (9, None),
    }


def test_small_cells_together_under_k_take_another_with_them_and_enough_together_do_not():
    def cut(sizes):
        observed = [
            Observation(f"{group}{i}", f"{group}{i}", {"department": group}, 1.0)
            for group, size in sizes.items()
            for i in range(size)
        ]
        return {c.group: c.withheld for c in tabulate("e", "e", Measure.COUNT, observed, ["department"]).cuts[1].cells}

    assert cut({"HR": 2, "Legal": 2, "IT": 7, "Sales": 9})["IT"] is Withheld.COMPLEMENT
    assert cut({"HR": 3, "Legal": 4, "IT": 7, "Sales": 9}) == {
        "HR": Withheld.FEWER_THAN_K,
        "Legal": Withheld.FEWER_THAN_K,
        "IT": None,
        "Sales": None,
    }


def test_records_whose_people_are_unknown_make_no_group_big_enough():
    observed = [Observation(i, None, {"department": NOT_STATED}, 0.0) for i in range(50)]
    figure = tabulate("acceptance", "acceptance", Measure.SHARE, observed, ["department"])
    assert figure.program.withheld is Withheld.FEWER_THAN_K


def _uuid(n: int) -> UUID:
    return UUID(int=n + 1)


@st.composite
def program_records(draw):
    groups = sized_lists(draw, group_pairs, 2, 50)
    ids = [_uuid(n) for n in range(len(groups))]
    some = st.sampled_from(ids)
    pair = st.lists(some, min_size=2, max_size=2, unique=True)
    day = st.integers(0, 120).map(lambda d: START + timedelta(days=d))
    n = iter(range(10_000, 100_000))

    def many(strategy, size=80):
        return sized_lists(draw, strategy, 0, size)

    return ProgramRecords(
        people={i: Person(department, band) for i, (department, band) in zip(ids, groups, strict=False)},
        enrolments=[Enrolment(i, draw(st.sampled_from(["mentor", "mentee"])), draw(day)) for i in ids],
        proposals=[
            Proposal(_uuid(next(n)), tuple(m), d, o)
            for m, d, o in many(
                st.tuples(st.one_of(pair, st.just([])), day, st.sampled_from(["accepted", "declined", None]))
            )
        ],
        sessions=[
            Session(_uuid(next(n)), tuple(m), d, s)
            for m, d, s in many(st.tuples(pair, day, st.sampled_from(["planned", "held", "cancelled"])))
        ],
        ratings=[
            Rating(_uuid(next(n)), r, d, v, f, listened, d + timedelta(days=14))
            for r, d, v, f, listened in many(
                st.tuples(some, day, st.integers(1, 5), st.integers(1, 5), st.integers(1, 5)), 150
            )
        ],
        goals=[
            Goal(_uuid(next(n)), o, d, s, d + timedelta(days=9) if s == "achieved" else None)
            for o, d, s in many(st.tuples(some, day, st.sampled_from(["open", "achieved", "dropped"])))
        ],
        pairs=[
            PairHealth(_uuid(next(n)), tuple(m), e, s)
            for m, e, s in many(st.tuples(pair, st.booleans(), st.sampled_from(["healthy", "watch", "at_risk", None])))
        ],
        self_assessments=[
            SelfAssessment(p, phase, {"confidence": score}, START)
            for p, phase, score in many(st.tuples(some, st.sampled_from(["baseline", "end"]), st.integers(1, 5)))
        ],
    )


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records=program_records(), period=st.sampled_from(["week", "month"]))
def test_every_figure_of_a_random_program_and_its_exports_keep_small_groups_hidden(records, period):
    insights = program_insights(records, period, START + timedelta(days=60))
    for figure in insights.figures:
        for cut in figure.cuts:
            for cell in cut.cells:
                if cell.suppressed:
                    assert cell.value is None and cell.people is None
                else:
                    assert cell.people >= MIN_GROUP_SIZE or (cut.dimension == PROGRAM and cell.people == 0), (
                        figure.key,
                        cell,
                    )
            if not figure.program.suppressed:
                assert sum(cell.suppressed for cell in cut.cells) != 1, (figure.key, cut)

    for row in csv.DictReader(io.StringIO(csv_export(insights))):
        if row["suppressed"] == "true":
            assert row["value"] == "" and row["people"] == ""
        else:
            assert int(row["people"]) >= MIN_GROUP_SIZE or (row["dimension"] == PROGRAM and row["people"] == "0")
    for figure in document("p", insights)["figures"]:
        for cell in (cell for cut in figure["cuts"] for cell in cut["cells"]):
            assert (cell["value"], cell["people"]) == (None, None) if cell["suppressed"] else cell["people"] is not None


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records=program_records())
def test_goal_completion_cells_count_exactly_the_owners_of_their_group(records):
    figure = next(
        f for f in program_insights(records, "month", START + timedelta(days=200)).figures if f.key == "goal_completion"
    )
    owners = defaultdict(set)
    for goal in (g for g in records.goals if figure.up_to and g.set_at < figure.up_to):
        owners[records.people[goal.owner].department or NOT_STATED].add(goal.owner)
    for cell in figure.cuts[1].cells:
        if len(owners[cell.group]) < MIN_GROUP_SIZE:
            assert cell.withheld is Withheld.FEWER_THAN_K
        elif not cell.suppressed:
            assert cell.people == len(owners[cell.group])
