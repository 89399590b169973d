"""What an HR system's records mean for a participant: SCIM users read as profiles, patched as providers patch them,
looked up by their filter; rows of an imported file with every error named; and the one event each change is."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest

from flipside_matching.domain.people_file import UnreadableFile, read_people, working_hours
from flipside_matching.domain.provisioning import next_step
from flipside_matching.domain.refusals import Conflict
from flipside_matching.domain.scim import (
    ENTERPRISE,
    FLIPSIDE,
    ScimRefusal,
    is_active,
    parse_filter,
    patched,
    profile_of,
)

MANAGER = uuid4()


def user(**core: Any) -> dict[str, Any]:
    return {
        "userName": "ada@example.com",
        "name": {"givenName": "Ada", "familyName": "Lovelace"},
        "timezone": "Europe/Berlin",
        "preferredLanguage": "de_DE",
        ENTERPRISE: {"department": "Finance", "manager": {"value": str(MANAGER)}},
        FLIPSIDE: {
            "programId": "p",
            "role": "mentor",
            "grade": 0,
            "workingHours": [{"weekday": 0, "start": "09:00", "end": "17:00"}],
        },
        **core,
    }


def test_a_scim_user_is_read_as_the_profile_it_describes():
    profile = profile_of(user())
    assert (profile.display_name, profile.email, profile.locale, profile.languages) == (
        "Ada Lovelace",
        "ada@example.com",
        "de-DE",
        ["de"],
    )
    assert (profile.department, profile.manager_id, profile.grade, profile.time_zone) == (
        "Finance",
        MANAGER,
        0,
        "Europe/Berlin",
    )
    shown = profile_of(
        user(displayName="Ada K.", emails=[{"value": "x@example.com"}, {"value": "a@example.com", "primary": True}])
    )
    assert (shown.display_name, shown.email) == ("Ada K.", "a@example.com")


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"timezone": None}, "timezone: is required"),
        ({"timezone": "Mars/Olympus"}, "timezone: unknown IANA time zone 'Mars/Olympus'"),
        ({ENTERPRISE: {}}, f"{ENTERPRISE}:department: is required"),
        (
            {FLIPSIDE: {"programId": "p", "role": "boss"}},
            f"{FLIPSIDE}:role: Input should be 'mentor', 'mentee' or 'either'",
        ),
    ],
)
def test_a_refused_profile_names_the_scim_attribute(change, named):
    with pytest.raises(ScimRefusal) as refused:
        profile_of({k: v for k, v in user(**change).items() if v is not None})
    assert (refused.value.scim_type, refused.value.detail) == ("invalidValue", named)


def test_patches_as_entra_id_and_okta_send_them():
    resource = user(emails=[{"type": "work", "value": "old@example.com"}])
    entra = patched(
        resource,
        [
            {"op": "Replace", "path": "active", "value": "False"},
            {"op": "replace", "path": 'emails[type eq "work"].value', "value": "new@example.com"},
            {"op": "Add", "path": f"{ENTERPRISE}:department", "value": "Sales"},
            {"op": "remove", "path": f"{ENTERPRISE}:manager"},
            {"op": "replace", "path": "name.givenName", "value": "Augusta"},
        ],
    )
    assert is_active(entra) is False
    assert entra["emails"] == [{"type": "work", "value": "new@example.com"}]
    assert entra[ENTERPRISE] == {"department": "Sales"}
    assert entra["name"]["givenName"] == "Augusta"
    assert resource[ENTERPRISE]["department"] == "Finance", "the stored resource is left as it was"
    okta = patched(resource, [{"op": "replace", "value": {"active": False, FLIPSIDE: {"grade": 2}}}])
    assert okta["active"] is False and okta[FLIPSIDE]["grade"] == 2 and okta[FLIPSIDE]["role"] == "mentor"


@pytest.mark.parametrize(
    ("operations", "scim_type"),
    [([], "invalidSyntax"), ([{"op": "move", "path": "x"}], "invalidSyntax"), ([{"op": "remove"}], "noTarget")],
)
def test_malformed_patches_are_refused(operations, scim_type):
    with pytest.raises(ScimRefusal) as refused:
        patched(user(), operations)
    assert refused.value.scim_type == scim_type


def test_the_filters_providers_send_before_creating_someone():
    assert (parse_filter('userName eq "a\\"b@example.com"').value, parse_filter('USERNAME EQ "x"').attribute) == (
        'a"b@example.com',
        "userName",
    )
    assert parse_filter('externalId eq "42"').attribute == "externalId"
    with pytest.raises(ScimRefusal):
        parse_filter('displayName co "a"')


def test_each_change_is_one_event_and_a_withdrawn_person_stays_withdrawn():
    before, after = profile_of(user()), profile_of(user(displayName="Ada K."))
    assert next_step(None, True, None, after) == "enrol"
    assert next_step(None, False, None, after) == "nothing"
    assert next_step("waiting", True, before, after) == "enrol"
    assert next_step("enrolled", True, before, before) == "nothing"
    assert next_step("enrolled", True, before, after) == "update"
    assert next_step("enrolled", False, before, after) == "withdraw"
    assert next_step("withdrawn", False, before, after) == "nothing"
    with pytest.raises(Conflict):
        next_step("withdrawn", True, before, after)


HEADER = "employee_id,display_name,email,role,grade,department,time_zone,working_hours,languages,skills"


def test_rows_of_a_file_become_profiles_and_every_error_names_its_row_and_column():
    data = "\n".join(
        [
            HEADER,
            'E1,Ada,ada@example.com,mentor,1,Finance,Europe/Berlin,"Mon-Fri 09:00-17:00",en; de,"python:4; sql"',
            "",
            "E2,Bo,bo,mentee,x,Finance,Europe/Berlin,Mon 9:00-17:00,en,",
            "E 3,Cy,cy@example.com,mentee,2,Finance,Europe/Berlin,Mon 09:00-08:00,en,python:high",
        ]
    ).encode("utf-8-sig")
    people = read_people(data, "p", lambda employee: MANAGER)
    [ada] = people.people
    assert (ada.row, ada.employee_id, ada.profile.languages) == (2, "E1", ["en", "de"])
    assert [(s.name, s.level) for s in ada.profile.skills] == [("python", 4), ("sql", 3)]
    assert len(ada.profile.working_hours) == 5
    assert sorted((e.row, e.column) for e in people.errors) == [
        (4, "email"),
        (4, "grade"),
        (5, "employee_id"),
        (5, "skills"),
        (5, "working_hours"),
    ]
    assert people.rows == 3


def test_working_hours_read_as_people_write_them():
    assert working_hours("Mon,Wed 09:00-12:00; Fri 13:00-16:30") == [
        {"weekday": 0, "start": "09:00", "end": "12:00"},
        {"weekday": 2, "start": "09:00", "end": "12:00"},
        {"weekday": 4, "start": "13:00", "end": "16:30"},
    ]
    with pytest.raises(ValueError, match="not like"):
        working_hours("weekdays")


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "the file is empty"),
        (b"employee_id,name\n", "missing columns: display_name"),
        (HEADER.encode() + b",colour\n", "unknown columns: colour"),
        ("employee_id,Jürgen".encode("latin-1"), "not UTF-8 text (byte 0xfc at position 13)"),
        (b"employee_id\x00", "NUL"),
    ],
)
def test_files_that_cannot_be_read_say_why(data, reason):
    with pytest.raises(UnreadableFile, match=reason.replace("(", r"\(").replace(")", r"\)")):
        read_people(data, "p", lambda employee: MANAGER)
