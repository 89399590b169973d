"""A program's life in the portal against the four real services: an admin gives it details, its lead takes it
through its steps (a refused step says matching's reason), imports its people from a CSV file after a preview naming
each row's errors, completes it, and reads its closing report, which its executive sponsor reads too. In order: each
test continues where the one before left off."""

import time
from uuid import uuid4

import pytest

from flipside_devstack.portal_pages import CSRF, page_text

RUN = uuid4().hex[:8]
PROGRAM = f"life-{RUN}"
SPONSOR = uuid4()
HEADER = "employee_id,display_name,email,role,grade,department,time_zone,working_hours,languages"


def person_row(n: int, grade: str = "1") -> str:
    role = "mentor" if n % 2 else "mentee"
    return f"L{RUN}{n},Person {n},p{n}-{RUN}@example.com,{role},{grade},Finance,Europe/Berlin,Mon-Fri 09:00-17:00,en"


def people_file(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode()


def eventually(holds, what: str, seconds: float = 60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if found := holds():
            return found
        time.sleep(0.5)
    raise TimeoutError(f"{what} never came")


@pytest.fixture
def admin(signed_in):
    return signed_in(name="Ada Admin", roles=["admin"])


@pytest.fixture
def lead(signed_in):
    return signed_in(name="Lena Lead", roles=["program_lead"], programs=[PROGRAM])


DETAILS = {
    "name": "Reverse mentoring 2027",
    "description": "Juniors teach seniors what they live with every day.",
    "objectives": "Digital confidence\nFewer silos",
    "enrolment_opens_at": "",
    "enrolment_closes_at": "2030-03-01T17:00",
    "starts_on": "2027-01-11",
    "ends_on": "2030-06-30",
    "leads": "lena; Lena Lead; lena@example.com",
    "sponsors": f"{SPONSOR}; Sam Sponsor; sam@example.com; de",
    "meeting_kind": "teams",
    "meeting_url": "https://teams.example.com/{pair_id}",
}


def test_an_admin_gives_a_program_its_details_and_a_wrong_line_is_shown_next_to_its_field(admin, backends):
    wrong = admin.send(f"/lead/programs/{PROGRAM}/details", {**DETAILS, "sponsors": "Sam without an address"})
    assert wrong.status_code == 422, wrong.text
    assert 'id="sponsors-error"' in wrong.text and "Write one person a line" in page_text(wrong)
    assert "Juniors teach seniors" in wrong.text, "what was typed is kept"

    saved = admin.send(f"/lead/programs/{PROGRAM}/details", DETAILS)
    assert (saved.status_code, saved.headers["location"]) == (303, f"/lead/programs/{PROGRAM}/life?done=saved")
    page = admin.get(saved.headers["location"])
    text = page_text(page)
    assert page.status_code == 200, page.text
    assert "The details are saved" in text and "Draft: nobody can enrol yet" in text
    assert 'value="2030-03-01T17:00"' in page.text, "the window is shown in the viewer's time zone as typed"
    assert "Open enrolment" in text and "Cancel the program" in text and "Complete the program" not in text


def test_a_lead_reads_the_details_and_a_step_the_status_does_not_allow_says_why(lead, admin):
    page = lead.get(f"/lead/programs/{PROGRAM}/life")
    text = page_text(page)
    assert page.status_code == 200, page.text
    assert "Reverse mentoring 2027" in text and "Sam Sponsor (sam@example.com)" in text
    assert "Only administrators change a program's details" in text and "Save the details" not in text
    assert lead.send(f"/lead/programs/{PROGRAM}/details", DETAILS).status_code == 403

    refused = lead.send(f"/lead/programs/{PROGRAM}/steps/start")
    assert refused.status_code == 409, refused.text
    assert "start is only possible from matching" in page_text(refused)

    opened = lead.send(f"/lead/programs/{PROGRAM}/steps/open")
    assert opened.headers["location"] == f"/lead/programs/{PROGRAM}/life?done=open"
    text = page_text(lead.get(opened.headers["location"]))
    assert "The program is open" in text and "Close enrolment" in text
    assert lead.send(f"/lead/programs/{PROGRAM}/steps/rewind").status_code == 404


def test_a_lead_previews_an_import_sees_each_rows_errors_then_imports_the_file(lead, backends):
    upload = lead.get(f"/lead/programs/{PROGRAM}/import")
    assert upload.status_code == 200 and 'enctype="multipart/form-data"' in upload.text

    def preview(data: bytes):
        return lead.client.post(
            f"/lead/programs/{PROGRAM}/import/preview",
            data={"csrf_token": CSRF},
            files={"file": ("people.csv", data, "text/csv")},
        )

    without_token = lead.client.post(
        f"/lead/programs/{PROGRAM}/import/preview", files={"file": ("people.csv", b"x", "text/csv")}
    )
    assert without_token.status_code == 403

    wrong = preview(people_file(person_row(1), person_row(2, grade="senior")))
    text = page_text(wrong)
    assert wrong.status_code == 200, wrong.text
    assert "2 rows" in text and "1 errors" in text
    assert "3 grade" in text, "the row as a spreadsheet numbers it and the column"
    assert "Import these people" not in text

    unreadable = preview(b"employee_id,display_name\nE1,Al\n")
    assert unreadable.status_code == 422 and "Missing columns: email" in page_text(unreadable)

    good = people_file(*(person_row(n) for n in range(1, 5)))
    plan = preview(good)
    text = page_text(plan)
    assert "4 rows: 4 to enrol, 0 to update, 0 unchanged" in text and f"2 L{RUN}1 to enrol" in text
    assert "Import these people" in text

    imported = lead.send(f"/lead/programs/{PROGRAM}/import", {"csv": good.decode()})
    assert imported.headers["location"] == f"/lead/programs/{PROGRAM}/import?done=imported", imported.text
    assert "The file is imported" in page_text(lead.get(imported.headers["location"]))
    eventually(lambda: "Person 4" in page_text(lead.get(f"/lead/programs/{PROGRAM}")), "the imported people")


def test_completing_asks_first_and_the_closing_report_is_read_by_the_lead_and_the_sponsor(lead, signed_in):
    assert lead.get(f"/lead/programs/{PROGRAM}/closing-report").status_code in (404, 409), "not completed yet"
    lead.send(f"/lead/programs/{PROGRAM}/steps/close-enrolment")
    running = lead.get(lead.send(f"/lead/programs/{PROGRAM}/steps/start").headers["location"])
    assert "Running: pairs meet" in page_text(running)
    assert 'data-confirm="This cannot be undone' in running.text, "completing and cancelling ask first"

    done = lead.send(f"/lead/programs/{PROGRAM}/steps/complete")
    text = page_text(lead.get(done.headers["location"]))
    assert "The program is completed" in text and "Cancel the program" not in text

    report = eventually(
        lambda: (page := lead.get(f"/lead/programs/{PROGRAM}/closing-report")).status_code == 200 and page,
        "the closing report",
    )
    text = page_text(report)
    assert "Reverse mentoring 2027" in text and "Sam Sponsor" in text
    assert "Sessions held 0" in text and "Goals set 0" in text
    assert "No self-assessment figure to show: fewer than 5 people" in text, "small groups are withheld"

    sponsor = signed_in(participant_id=SPONSOR, roles=["sponsor"], name="Sam Sponsor", language="de")
    theirs = sponsor.get(f"/lead/programs/{PROGRAM}/closing-report")
    assert theirs.status_code == 200, theirs.text
    assert "Reverse mentoring 2027" in page_text(theirs) and "Match runs" not in page_text(theirs)
    stranger = signed_in(participant_id=uuid4(), roles=["sponsor"])
    assert stranger.get(f"/lead/programs/{PROGRAM}/closing-report").status_code == 403


def test_a_lead_publishes_the_agreement_as_a_new_version_and_rewrites_a_guide(lead):
    none_yet = lead.get(f"/lead/programs/{PROGRAM}/agreement")
    assert none_yet.status_code == 200 and "no agreement yet" in page_text(none_yet)
    empty = lead.send(f"/lead/programs/{PROGRAM}/agreement", {"ground_rules": "Be on time.", "confidentiality": ""})
    assert empty.status_code == 422 and 'id="confidentiality-error"' in empty.text and "Be on time." in empty.text
    published = lead.send(
        f"/lead/programs/{PROGRAM}/agreement", {"ground_rules": "Be on time.", "confidentiality": "What is said stays."}
    )
    assert published.headers["location"] == f"/lead/programs/{PROGRAM}/agreement?done=published"
    text = page_text(lead.get(published.headers["location"]))
    assert "Version 1, published" in text and "What is said stays." in text

    built_in = lead.get(f"/lead/programs/{PROGRAM}/orientation/mentor", params={"language": "de"})
    assert built_in.status_code == 200 and "Flipside's own guide" in page_text(built_in)
    guide = {"language": "de", "topic_0": "start", "title_0": "Anfangen", "body_0": ""}
    wrong = lead.send(
        f"/lead/programs/{PROGRAM}/orientation/mentor", {**guide, "topic_1": "", "title_1": "", "body_1": ""}
    )
    assert wrong.status_code == 422 and 'id="body_0-error"' in wrong.text and 'value="Anfangen"' in wrong.text
    saved = lead.send(f"/lead/programs/{PROGRAM}/orientation/mentor", {**guide, "body_0": "Fragen Sie zuerst."})
    assert saved.headers["location"] == f"/lead/programs/{PROGRAM}/orientation/mentor?language=de&done=saved"
    text = page_text(lead.get(saved.headers["location"]))
    assert "The guide is saved" in text and "Fragen Sie zuerst." in text and "Flipside's own guide" not in text
    assert lead.get(f"/lead/programs/{PROGRAM}/orientation/boss").status_code == 404
