"""The development OpenID issuer, walked through as the portal does: discovery, the login page, the code for tokens
with PKCE, tokens the services' own verifier accepts, refresh, userinfo and sign-out; and the requests it refuses."""

import base64
import hashlib
import secrets
import time
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest

from flipside_devstack.auth import DEV_AUDIENCE, DEV_ISSUER, PORTAL_CLIENT_ID, DevIssuer
from flipside_devstack.oidc_issuer import OpenIdIssuer
from flipside_devstack.people import NotAPeopleFile, PeopleFile, Person, read_people, someone_new, write_people
from flipside_shared.auth.identity import participant_id_for
from flipside_shared.auth.settings import AuthSettings
from flipside_shared.auth.tokens import InvalidToken, TokenVerifier

BASE = "http://localhost:8010"
CALLBACK = "http://localhost:8005/auth/callback"
MENTOR = Person(
    sub="8c1f4a52-3b7e-4f0a-9d6e-1a2b3c4d5e6f",
    name="Mia Mentor",
    email="mia@example.com",
    roles=("participant",),
    description="mentor in demo-2026",
)
LEAD = Person(
    sub="lead-of-pilot", name="Lee Lead", email="lee@example.com", roles=("program_lead",), programs=("pilot",)
)


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def signing(tmp_path) -> DevIssuer:
    return DevIssuer(tmp_path / "auth")


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def browser(signing, clock):
    issuer = OpenIdIssuer(signing, lambda: [MENTOR, LEAD], [CALLBACK], BASE, clock=clock)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=issuer.app), base_url=BASE) as client:
        yield client


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def sign_in_request(challenge: str, **overrides: str) -> dict[str, str]:
    return {
        "client_id": PORTAL_CLIENT_ID,
        "redirect_uri": CALLBACK,
        "response_type": "code",
        "scope": "openid profile email offline_access",
        "state": "state-123",
        "nonce": "nonce-456",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        **overrides,
    }


async def code_for(browser: httpx.AsyncClient, challenge: str, **choice: str) -> str:
    response = await browser.post(
        "/authorize", data={**sign_in_request(challenge), **(choice or {"person": MENTOR.sub})}
    )
    assert response.status_code == 303
    back = urlsplit(response.headers["location"])
    query = {name: values[0] for name, values in parse_qs(back.query).items()}
    assert f"{back.scheme}://{back.netloc}{back.path}" == CALLBACK
    assert query["state"] == "state-123" and query["iss"] == DEV_ISSUER
    return query["code"]


def redeem(code: str, verifier: str, **overrides: str) -> dict[str, str]:
    return {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": CALLBACK,
        "client_id": PORTAL_CLIENT_ID,
        "code_verifier": verifier,
        **overrides,
    }


def services_verifier(signing: DevIssuer, participant_claim: str = "sub") -> TokenVerifier:
    return TokenVerifier(
        AuthSettings(
            issuer=DEV_ISSUER,
            audience=DEV_AUDIENCE,
            jwks_file=signing.jwks_path,
            require_access_token_type=True,
            participant_claim=participant_claim,
        )
    )


async def test_a_person_signs_in_and_the_services_accept_their_token(browser, signing):
    discovery = (await browser.get("/.well-known/openid-configuration")).json()
    assert discovery["issuer"] == DEV_ISSUER and discovery["code_challenge_methods_supported"] == ["S256"]
    assert discovery["authorization_endpoint"] == f"{BASE}/authorize"
    assert discovery["end_session_endpoint"] == f"{BASE}/logout"
    verifier, challenge = pkce()

    page = await browser.get("/authorize", params=sign_in_request(challenge))
    assert page.status_code == 200 and "default-src 'none'" in page.headers["content-security-policy"]
    assert f'name="person" value="{MENTOR.sub}"' in page.text
    assert "Mia Mentor" in page.text and "mentor in demo-2026" in page.text and "Program lead of pilot" in page.text
    assert '<label for="email">' in page.text

    code = await code_for(browser, challenge)
    response = await browser.post("/token", data=redeem(code, verifier))
    assert response.status_code == 200 and response.headers["cache-control"] == "no-store"
    tokens = response.json()
    assert tokens["token_type"] == "Bearer" and tokens["expires_in"] == 900

    principal = services_verifier(signing).verify(tokens["access_token"])
    assert str(principal.participant_id) == MENTOR.sub and principal.roles == {"participant"}
    assert jwt.get_unverified_header(tokens["access_token"])["typ"] == "at+jwt"

    key = jwt.PyJWK((await browser.get("/jwks")).json()["keys"][0]).key
    id_token = jwt.decode(tokens["id_token"], key, algorithms=["RS256"], audience=PORTAL_CLIENT_ID, issuer=DEV_ISSUER)
    assert id_token["nonce"] == "nonce-456" and id_token["sub"] == MENTOR.sub
    assert (id_token["email"], id_token["name"]) == (MENTOR.email, MENTOR.name)
    # An ID token opens no API: it is addressed to the portal.
    with pytest.raises(InvalidToken, match="not an access token"):
        services_verifier(signing).verify(tokens["id_token"])

    me = await browser.get("/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert me.json() == {
        "sub": MENTOR.sub,
        "email": MENTOR.email,
        "name": MENTOR.name,
        "flipside_roles": ["participant"],
        "flipside_programs": [],
    }
    assert (await browser.get("/userinfo", headers={"Authorization": "Bearer forged"})).status_code == 401


async def test_a_lead_gets_their_programs(browser, signing):
    verifier, challenge = pkce()
    code = await code_for(browser, challenge, person=LEAD.sub)
    tokens = (await browser.post("/token", data=redeem(code, verifier))).json()
    principal = services_verifier(signing).verify(tokens["access_token"])
    assert principal.leads("pilot") and not principal.leads("other") and principal.participant_id is None


async def test_someone_new_is_a_participant_whose_id_follows_from_their_email(browser, signing):
    verifier, challenge = pkce()
    code = await code_for(browser, challenge, name="Noor New", email="Noor@Example.com")
    tokens = (await browser.post("/token", data=redeem(code, verifier))).json()
    expected = participant_id_for("email", "noor@example.com")
    assert services_verifier(signing).verify(tokens["access_token"]).participant_id == expected
    # The same person found by e-mail instead of sub is the same participant.
    assert services_verifier(signing, "email").verify(tokens["access_token"]).participant_id == expected


async def test_someone_new_without_an_email_is_asked_again(browser):
    _, challenge = pkce()
    response = await browser.post("/authorize", data={**sign_in_request(challenge), "name": "Noor", "email": "noor"})
    assert response.status_code == 400 and 'role="alert"' in response.text and "e-mail address" in response.text
    assert 'value="Noor"' in response.text  # what was typed stays


async def test_a_refresh_token_gives_new_tokens_once(browser, signing):
    verifier, challenge = pkce()
    code = await code_for(browser, challenge)
    first = (await browser.post("/token", data=redeem(code, verifier))).json()
    refresh = {"grant_type": "refresh_token", "refresh_token": first["refresh_token"], "client_id": PORTAL_CLIENT_ID}
    second = await browser.post("/token", data=refresh)
    assert second.status_code == 200
    assert str(services_verifier(signing).verify(second.json()["access_token"]).participant_id) == MENTOR.sub
    assert second.json()["refresh_token"] != first["refresh_token"]
    reused = await browser.post("/token", data=refresh)
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"


async def test_a_wrong_verifier_is_refused_and_spends_the_code(browser):
    verifier, challenge = pkce()
    code = await code_for(browser, challenge)
    wrong = await browser.post("/token", data=redeem(code, pkce()[0]))
    assert wrong.status_code == 400 and wrong.json() == {
        "error": "invalid_grant",
        "error_description": "the code_verifier does not match the code_challenge",
    }
    assert (await browser.post("/token", data=redeem(code, verifier))).json()["error"] == "invalid_grant"


async def test_a_code_works_once(browser):
    verifier, challenge = pkce()
    code = await code_for(browser, challenge)
    assert (await browser.post("/token", data=redeem(code, verifier))).status_code == 200
    reused = await browser.post("/token", data=redeem(code, verifier))
    assert reused.status_code == 400 and reused.json()["error_description"] == "unknown or already used code"


async def test_a_code_lives_a_minute(browser, clock):
    verifier, challenge = pkce()
    code = await code_for(browser, challenge)
    clock.now += 61
    expired = await browser.post("/token", data=redeem(code, verifier))
    assert expired.json()["error_description"] == "the code has expired"


async def test_a_refresh_token_lives_twelve_hours(browser, clock):
    verifier, challenge = pkce()
    tokens = (await browser.post("/token", data=redeem(await code_for(browser, challenge), verifier))).json()
    clock.now += 12 * 3600 + 1
    await code_for(browser, challenge)  # a later sign-in forgets what has expired meanwhile
    refresh = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"], "client_id": PORTAL_CLIENT_ID}
    assert (await browser.post("/token", data=refresh)).json()["error"] == "invalid_grant"


async def test_the_redirect_uri_must_be_the_registered_one(browser):
    verifier, challenge = pkce()
    foreign = await browser.get("/authorize", params=sign_in_request(challenge, redirect_uri="http://evil.test/cb"))
    assert foreign.status_code == 400 and "not registered" in foreign.text and "location" not in foreign.headers
    code = await code_for(browser, challenge)
    other = await browser.post("/token", data=redeem(code, verifier, redirect_uri="http://localhost:8005/elsewhere"))
    assert other.json()["error_description"] == "redirect_uri differs from the sign-in request's"


async def test_an_unknown_client_is_refused(browser):
    verifier, challenge = pkce()
    page = await browser.get("/authorize", params=sign_in_request(challenge, client_id="someone-else"))
    assert page.status_code == 400 and "unknown client_id" in page.text
    code = await code_for(browser, challenge)
    refused = await browser.post("/token", data=redeem(code, verifier, client_id="someone-else"))
    assert refused.status_code == 401 and refused.json()["error"] == "invalid_client"


@pytest.mark.parametrize(
    ("overrides", "description"),
    [
        ({"code_challenge_method": "plain"}, "code_challenge_method must be S256"),
        ({"code_challenge": ""}, "code_challenge is required"),
        ({"nonce": ""}, "nonce is required"),
        ({"state": ""}, "state is required"),
        ({"scope": "profile"}, "the scope must include openid"),
        ({"response_type": "token"}, "only response_type=code is supported"),
    ],
)
async def test_a_bad_request_from_the_portal_goes_back_to_it_as_an_error(browser, overrides, description):
    response = await browser.get("/authorize", params=sign_in_request(pkce()[1], **overrides))
    assert response.status_code == 303
    back = parse_qs(urlsplit(response.headers["location"]).query)
    assert back["error_description"] == [description] and "code" not in back


async def test_sign_out_returns_to_the_portal_only(browser):
    back = await browser.get("/logout", params={"post_logout_redirect_uri": "http://localhost:8005/", "state": "s"})
    assert back.status_code == 303 and back.headers["location"] == "http://localhost:8005/?state=s"
    foreign = await browser.get("/logout", params={"post_logout_redirect_uri": "http://evil.test/"})
    assert foreign.status_code == 400
    assert "signed out" in (await browser.get("/logout")).text


async def test_sign_out_with_an_id_token_hint_ends_its_refresh_tokens(browser):
    verifier, challenge = pkce()
    tokens = (await browser.post("/token", data=redeem(await code_for(browser, challenge), verifier))).json()
    await browser.get("/logout", params={"id_token_hint": tokens["id_token"]})
    refresh = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"], "client_id": PORTAL_CLIENT_ID}
    assert (await browser.post("/token", data=refresh)).json()["error"] == "invalid_grant"


def test_a_people_file_round_trips_and_bad_ones_say_why(tmp_path):
    path = write_people(tmp_path / "people.json", [MENTOR, LEAD, someone_new("Noor", "noor@example.com")])
    assert read_people(path)[:2] == [MENTOR, LEAD]
    path.write_text('[{"sub": "x", "name": "X"}]')
    with pytest.raises(NotAPeopleFile, match="email"):
        read_people(path)
    with pytest.raises(NotAPeopleFile, match="No such file"):
        read_people(tmp_path / "missing.json")


def test_a_people_file_is_read_again_when_it_changes(tmp_path):
    path = write_people(tmp_path / "people.json", [LEAD])
    people = PeopleFile(path)
    assert people() == [LEAD]
    write_people(path, [LEAD, MENTOR])
    assert people() == [LEAD, MENTOR]
