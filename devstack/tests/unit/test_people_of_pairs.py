"""Whom `make demo` lets a visitor sign in to the portal as: both sides of its best pairs, as themselves."""

from uuid import UUID

from flipside_devstack.factories import mentor_and_mentee, pair_between
from flipside_devstack.people import people_of_pairs
from flipside_shared.auth.identity import participant_id_for


def test_both_sides_of_the_best_pairs_sign_in_as_themselves():
    cohort = [person for index in range(3) for person in mentor_and_mentee("demo", index)]
    pairs = [
        pair_between(cohort[2 * i], cohort[2 * i + 1], program_id="demo", score=score)
        for i, score in enumerate((0.5, 0.9, 0.7))
    ]
    people = people_of_pairs(cohort, pairs, count=2)

    best, second = cohort[2:4], cohort[4:6]
    assert [UUID(person.sub) for person in people] == [p.participant_id for p in (*best, *second)]
    assert all(person.roles == ("participant",) for person in people)
    # A participant's sub is their participant id, so the services see them as themselves.
    assert all(participant_id_for("sub", person.sub) == UUID(person.sub) for person in people)
    assert people[0].description.startswith(f"mentor of {best[1].profile.display_name} in demo")
    assert people[1].description.startswith(f"mentee of {best[0].profile.display_name} in demo")
