"""My data in the portal: a person asks for a copy of everything Flipside holds about them, sees it being gathered,
downloads the file, and finds it listed; someone else cannot open it."""

import time
from uuid import uuid4

import httpx
import pytest

from flipside_devstack.auth import admin_headers
from flipside_devstack.factories import enrolled
from flipside_devstack.portal_pages import page_text
from flipside_devstack.programs import configure_program

PROGRAM = f"my-data-{uuid4().hex[:8]}"
PERSON = enrolled(program_id=PROGRAM, role="mentor", grade=1, display_name="Data Person", email="data@example.com")
found: dict[str, str] = {}


@pytest.fixture(scope="module")
def person(backends) -> None:
    matching = backends["matching"].url
    configure_program(matching, PROGRAM)
    body = {**PERSON.profile.model_dump(mode="json"), "participant_id": str(PERSON.participant_id)}
    assert httpx.post(f"{matching}/participants", json=body, headers=admin_headers(), timeout=10).status_code == 202
    for _ in range(120):
        known = httpx.get(f"{matching}/participants/{PERSON.participant_id}", headers=admin_headers(), timeout=10)
        if known.status_code == 200:
            return
        time.sleep(0.5)
    raise TimeoutError("the enrolment never reached matching")


def test_a_person_asks_for_their_data_and_downloads_one_file(person, signed_in):
    browser = signed_in(participant_id=PERSON.participant_id, name="Data Person", programs=[PROGRAM])
    page = browser.get("/my-data")
    assert page.status_code == 200, page.text
    assert "Ask for a copy of my data" in page_text(page)

    asked = browser.send("/my-data/exports")
    assert asked.status_code == 303, page_text(asked)
    download = asked.headers["location"]
    found["download"] = download
    for _ in range(120):
        got = browser.get(download)
        if "attachment" in got.headers.get("content-disposition", ""):
            break
        assert "Your copy is being gathered" in page_text(got)
        time.sleep(0.5)
    document = got.json()
    assert document["not_answered"] == []
    assert document["services"]["notifications"]["tables"]["recipients"][0]["email"] == PERSON.profile.email
    assert download.rsplit("/", 1)[1] in browser.get("/my-data").text


def test_someone_else_cannot_open_the_file(person, signed_in):
    other = signed_in(participant_id=uuid4(), name="Someone Else", programs=[PROGRAM])
    refused = other.get(found["download"])
    assert refused.status_code == 404
    assert PERSON.profile.email not in refused.text
