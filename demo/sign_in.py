"""After the report: the people a visitor can sign in to the portal as, and where to go."""

from __future__ import annotations

from flipside_devstack.people import Person, local_stack_people, people_of_pairs
from flipside_devstack.platform import Platform
from flipside_shared.events import PairCreated, ParticipantEnrolled

DEMO_PAIRS = 2


def demo_people(program_id: str, enrolled: list[ParticipantEnrolled], pairs: list[PairCreated]) -> list[Person]:
    """Both sides of the best two pairs, the program's lead and an admin."""
    admin, lead = local_stack_people(program_id)
    return [*people_of_pairs(enrolled, pairs, DEMO_PAIRS), lead, admin]


def print_sign_in(platform: Platform, people: list[Person]) -> None:
    if platform.portal_url is None:
        print(
            f"\nThe development OpenID issuer runs at {platform.oidc_issuer_url}; no portal is installed to sign in to."
        )
    else:
        print(f"\nOpen {platform.portal_url} and sign in as one of these (or as someone new, to enrol yourself):")
    for person in people:
        print(f"  {person.name:<24} {person.description}")
