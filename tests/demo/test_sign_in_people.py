"""Whom `make demo` lets a visitor sign in to the portal as: both sides of its best two pairs, the lead, an admin."""

from uuid import UUID

from demo.sign_in import demo_people
from flipside_devstack.factories import mentor_and_mentee, pair_between
from flipside_shared.auth.identity import participant_id_for


def test_the_best_two_pairs_the_lead_and_an_admin_sign_in_as_themselves():
    cohort = [person for index in range(3) for person in mentor_and_mentee("demo", index)]
    pairs = [pair_between(cohort[2 * i], cohort[2 * i + 1], score=score) for i, score in enumerate((0.5, 0.9, 0.7))]
    people = demo_people("demo", cohort, pairs)

    participants = [person for person in people if person.roles == ("participant",)]
    best, second = cohort[2:4], cohort[4:6]
    assert [UUID(person.sub) for person in participants] == [p.participant_id for p in (*best, *second)]
    # A participant's sub is their participant id, so the services see them as themselves.
    assert all(participant_id_for("sub", person.sub) == UUID(person.sub) for person in participants)
    assert participants[0].description.startswith(f"mentor of {best[1].profile.display_name}")
    assert participants[1].description.startswith(f"mentee of {best[0].profile.display_name}")
    assert [person.roles for person in people[-2:]] == [("program_lead",), ("admin",)]
    assert people[-2].programs == ("demo",)
