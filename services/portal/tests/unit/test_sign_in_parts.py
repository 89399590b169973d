"""The pieces of signing in that need no issuer: PKCE, where a sign-in may return to, service refusals as sentences."""

import httpx
import pytest

from flipside_portal.oidc import SignInAttempt
from flipside_portal.pages.sign_in import local_path
from flipside_portal.services import refusal


def test_the_code_challenge_is_rfc_7636_s256_of_the_verifier():
    # The example of RFC 7636, appendix B.
    attempt = SignInAttempt("s", "n", "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", "/")
    assert attempt.code_challenge == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_each_attempt_has_its_own_unguessable_state_nonce_and_verifier():
    first, second = SignInAttempt.start("/"), SignInAttempt.start("/")
    assert len({first.state, second.state, first.nonce, second.nonce}) == 4
    assert first.code_verifier != second.code_verifier and len(first.code_verifier) >= 43


@pytest.mark.parametrize(
    ("target", "kept"),
    [
        ("/pairs", "/pairs"),
        ("/surveys/abc?x=1", "/surveys/abc?x=1"),
        ("//evil.example/x", "/"),
        ("https://evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("", "/"),
        (None, "/"),
    ],
)
def test_a_sign_in_returns_only_to_the_portal_s_own_pages(target, kept):
    assert local_path(target) == kept


def test_field_errors_become_sentences_by_field():
    response = httpx.Response(
        422,
        json={
            "detail": [
                {"loc": ["body", "email"], "msg": "value is not a valid email address", "type": "value_error"},
                {"loc": ["body", "skills", 0], "msg": "Value error, unknown skill 'x'", "type": "value_error"},
            ]
        },
    )
    refused = refusal(response)
    assert refused.status == 422
    assert refused.fields == {"email": "Value is not a valid email address.", "skills.0": "Unknown skill 'x'."}


def test_a_plain_refusal_is_one_sentence():
    refused = refusal(httpx.Response(409, json={"detail": "already enrolled in pilot"}))
    assert (refused.status, refused.message, refused.fields) == (409, "Already enrolled in pilot.", {})
    assert refusal(httpx.Response(404, text="not json")).message == "Not Found."


def test_the_portal_will_not_serve_without_an_issuer_and_a_client(monkeypatch):
    from flipside_portal.settings import PortalSettings
    from flipside_shared.preflight import ConfigurationError, require_complete

    monkeypatch.delenv("FLIPSIDE_PORTAL_OIDC_ISSUER", raising=False)
    monkeypatch.delenv("FLIPSIDE_PORTAL_OIDC_CLIENT_ID", raising=False)
    with pytest.raises(ConfigurationError, match="FLIPSIDE_PORTAL_OIDC_ISSUER, FLIPSIDE_PORTAL_OIDC_CLIENT_ID"):
        require_complete(PortalSettings())
