from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

import pytest

from flipside_devstack.factories import enrolled
from flipside_matching.domain.enrolment import (
    EnrolledPerson,
    Enrolment,
    check_may_enrol,
    enrolment_overview,
    first_enrolments,
)
from flipside_matching.domain.refusals import Conflict
from flipside_matching.domain.taxonomy import Taxonomy, Topic


def person(role: str, department: str, active_pairs: int = 0, withdrawn: bool = False) -> EnrolledPerson:
    return EnrolledPerson(uuid4(), "Someone", role, department, active_pairs, withdrawn, datetime.now(UTC))


def test_the_overview_counts_status_over_everyone_and_role_and_department_over_those_taking_part():
    people = [
        person("mentor", "Sales", active_pairs=2),
        person("mentee", "Finance", active_pairs=1),
        person("mentee", "Finance"),
        person("either", "Legal", withdrawn=True),
    ]
    overview = enrolment_overview(people)
    assert overview.by_status == {"paired": 2, "waiting": 1, "withdrawn": 1}
    assert overview.by_role == {"mentee": 2, "mentor": 1}
    assert overview.by_department == {"Finance": 2, "Sales": 1}
    assert overview.people == people


def test_one_participant_id_enrols_in_one_program_once():
    check_may_enrol(None, "pilot")
    with pytest.raises(Conflict, match="already enrolled in this program"):
        check_may_enrol(Enrolment("pilot", withdrawn=False), "pilot")
    with pytest.raises(Conflict, match="already enrolled in program 'pilot'"):
        check_may_enrol(Enrolment("pilot", withdrawn=False), "second")
    with pytest.raises(Conflict, match="left program 'pilot'"):
        check_may_enrol(Enrolment("pilot", withdrawn=True), "second")
    assert Enrolment("pilot", withdrawn=False).takes_part_in("pilot")
    assert not Enrolment("pilot", withdrawn=True).takes_part_in("pilot")
    assert not Enrolment("pilot", withdrawn=False).takes_part_in("second")


def test_topics_list_each_topic_once_with_its_other_names_and_neighbours(tmp_path: Path):
    file = tmp_path / "t.toml"
    file.write_text(
        '[topics."SQL"]\nsynonyms = ["Structured Query Language"]\nrelated = ["python"]\n[topics.python]\nsynonyms = []\n'
    )
    assert Taxonomy.load(file).topics() == [
        Topic("python", (), ("SQL",)),
        Topic("SQL", ("structured query language",), ("python",)),
    ]


def test_the_enrolments_that_enrol_someone_are_those_stored_now_each_id_at_its_first():
    first, before = enrolled(), enrolled()
    again = enrolled(participant_id=first.participant_id, interests=["later"])
    taken = first_enrolments([before, first, again], stored={first.participant_id})
    assert taken == [first], "an id enrolled before, or a second enrolment of one id, enrols no one"
