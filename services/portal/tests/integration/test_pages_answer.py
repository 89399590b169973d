"""The portal's own pages, as a browser meets them: signed out, signed in, refused, and in German."""

from uuid import uuid4

import httpx

from flipside_devstack.portal_pages import CSRF, page_text


def test_a_signed_out_visitor_is_sent_to_sign_in_and_back(portal):
    response = httpx.get(f"{portal.url}/?tab=next", follow_redirects=False, timeout=10)
    assert response.status_code == 303
    assert response.headers["location"] == "/sign-in?next=/%3Ftab%3Dnext"
    assert "script-src 'self'" in response.headers["content-security-policy"]


def test_home_greets_the_signed_in_person_in_their_language(signed_in):
    browser = signed_in(name="Ada Example", roles=["program_lead"], programs=["pilot"])
    english = browser.get("/")
    assert english.status_code == 200, english.text
    assert "Welcome, Ada Example" in page_text(english)
    assert "/lead/programs/pilot" in english.text

    switched = browser.send("/language", {"language": "de", "next": "/"})
    assert (switched.status_code, switched.headers["location"]) == (303, "/")
    assert "Willkommen, Ada Example" in page_text(browser.get("/"))


def test_a_form_without_the_token_is_refused_with_a_page(signed_in):
    browser = signed_in()
    refused = browser.client.post("/language", data={"language": "de"})
    assert refused.status_code == 403
    assert "This form could not be accepted" in page_text(refused)
    forged = browser.client.post("/language", data={"language": "de", "csrf_token": CSRF[:-1] + "x"})
    assert forged.status_code == 403


def test_an_admin_page_refuses_a_participant_with_a_page_not_json(signed_in):
    browser = signed_in(participant_id=uuid4())
    refused = browser.get("/lead/programs/pilot", headers={"accept-language": "de"})
    assert refused.status_code in (403, 404)
    assert refused.headers["content-type"].startswith("text/html")
