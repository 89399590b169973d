"""The people the development OpenID issuer lets sign in, kept in a JSON people file:

    [{"sub": "...", "name": "Ada Lovelace", "email": "ada@example.com", "roles": ["participant"],
      "programs": [], "description": "mentor in demo-2026"}]

`sub` is what the services see (a participant's id, for the demo's people); `roles` and `programs` become the
`flipside_roles` and `flipside_programs` claims.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from flipside_shared.auth.identity import participant_id_for
from flipside_shared.events import PairCreated, ParticipantEnrolled

from .auth import ADMIN_SUBJECT

EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


class Person(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    sub: str = Field(min_length=1)
    name: str = Field(min_length=1)
    email: str = Field(pattern=EMAIL)
    roles: tuple[str, ...] = Field(min_length=1)
    programs: tuple[str, ...] = ()
    description: str = ""


class NotAPeopleFile(ValueError):
    """The people file is missing or not a list of people: the message says where."""


_PEOPLE = TypeAdapter(list[Person])


def read_people(path: Path) -> list[Person]:
    try:
        people = _PEOPLE.validate_json(path.read_bytes())
    except OSError as error:
        raise NotAPeopleFile(f"people file {path}: {error.strerror}") from None
    except ValidationError as error:
        raise NotAPeopleFile(f"people file {path}: {error}") from None
    if len({person.sub for person in people}) != len(people):
        raise NotAPeopleFile(f"people file {path}: two people share a sub")
    return people


class PeopleFile:
    """A people file, read again whenever it has changed, so people can be added while the issuer runs."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._people = read_people(path)
        self._version = self._current_version()

    def __call__(self) -> list[Person]:
        if (version := self._current_version()) != self._version:
            self._people, self._version = read_people(self._path), version
        return self._people

    def _current_version(self) -> tuple[int, int, int]:
        stat = self._path.stat()
        return stat.st_ino, stat.st_mtime_ns, stat.st_size


def write_people(path: Path, people: list[Person]) -> Path:
    """Written whole and then moved into place, so an issuer reading it never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.draft")
    draft.write_text(json.dumps([person.model_dump(mode="json") for person in people], indent=2))
    draft.replace(path)
    return path


def someone_new(name: str, email: str) -> Person:
    """Anyone, as a participant: their `sub` is the participant id their e-mail maps to, the same at every sign-in."""
    return Person(
        sub=str(participant_id_for("email", email)),
        name=name.strip(),
        email=email.strip().lower(),
        roles=("participant",),
        description="signed in as someone new",
    )


def local_stack_people(program_id: str = "pilot") -> list[Person]:
    """`make up`'s people: an admin and a lead of one program (anyone else signs in as someone new)."""
    return [
        Person(
            sub=ADMIN_SUBJECT,
            name="Alex Admin",
            email="admin@flipside.example",
            roles=("admin",),
            description="runs Flipside: programs, leads, webhooks",
        ),
        Person(
            sub=f"lead-of-{program_id}",
            name="Lee Lead",
            email=f"lead.{program_id}@flipside.example",
            roles=("program_lead",),
            programs=(program_id,),
            description=f"leads program {program_id}",
        ),
    ]


def people_of_pairs(enrolled: list[ParticipantEnrolled], pairs: list[PairCreated], count: int) -> list[Person]:
    """Both sides of the `count` best pairs, as participants whose `sub` is their participant id."""
    profiles = {person.participant_id: person.profile for person in enrolled}
    people = []
    for pair in sorted(pairs, key=lambda pair: -pair.score)[:count]:
        for side, member, partner in (("mentor", pair.mentor, pair.mentee), ("mentee", pair.mentee, pair.mentor)):
            profile = profiles[member.participant_id]
            people.append(
                Person(
                    sub=str(member.participant_id),
                    name=profile.display_name,
                    email=profile.email,
                    roles=("participant",),
                    description=f"{side} of {profiles[partner.participant_id].display_name} in {pair.program_id}, "
                    f"{profile.department}, {profile.time_zone}",
                )
            )
    return people
