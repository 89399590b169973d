"""Keys found the OpenID Connect way: the issuer's openid-configuration names its jwks_uri, served here by a
local HTTP server on 127.0.0.1, and a running service takes them from there and follows a key rotation."""

import re

import httpx
import pytest

from flipside_devstack.auth import DevIssuer, bearer
from flipside_devstack.service_process import ServiceProcess
from flipside_shared.auth.keys import KeySetUnavailable, RemoteKeySet
from flipside_shared.auth.settings import AuthSettings
from flipside_shared.auth.tokens import InvalidToken, TokenVerifier

REALM = "/realms/flipside"


def publish(httpserver, issuer: str, *signers: DevIssuer, claimed_issuer: str | None = None) -> None:
    httpserver.clear_all_handlers()
    httpserver.expect_request(f"{REALM}/.well-known/openid-configuration").respond_with_json(
        {"issuer": claimed_issuer or issuer, "jwks_uri": httpserver.url_for(f"{REALM}/protocol/openid-connect/certs")},
    )
    httpserver.expect_request(f"{REALM}/protocol/openid-connect/certs").respond_with_json(
        {"keys": [key for signer in signers for key in signer.key_set()["keys"]]},
    )


@pytest.fixture
def issuer(httpserver) -> str:
    return httpserver.url_for(REALM)


def test_keys_come_from_the_discovered_jwks_uri_and_follow_a_rotation(httpserver, issuer, tmp_path):
    first, rotated = DevIssuer(tmp_path / "first", issuer), DevIssuer(tmp_path / "rotated", issuer)
    publish(httpserver, issuer, first)
    verifier = TokenVerifier(AuthSettings(issuer=issuer, audience=first.audience, jwks_refresh_cooldown_seconds=0))
    assert verifier.verify(first.admin_token()).is_admin
    publish(httpserver, issuer, first, rotated)
    assert verifier.verify(rotated.lead_token("pilot")).leads("pilot")
    fetched = [request.path for request, _ in httpserver.log]
    assert fetched.count(f"{REALM}/.well-known/openid-configuration") == 1
    assert fetched.count(f"{REALM}/protocol/openid-connect/certs") == 2, (
        "the unknown kid made the key set be fetched again"
    )


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def forged_kid_tokens(signer: DevIssuer, count: int) -> list[str]:
    tokens = []
    for n in range(count):
        signer.kid = f"made-up-{n}"
        tokens.append(signer.admin_token())
    return tokens


def fetches(httpserver) -> list[str]:
    return [request.path.rsplit("/", 1)[-1] for request, _ in httpserver.log]


def test_a_flood_of_made_up_key_ids_fetches_the_key_set_at_most_once_per_interval(httpserver, issuer, tmp_path):
    signer, forger = DevIssuer(tmp_path / "issuer", issuer), DevIssuer(tmp_path / "forger", issuer)
    publish(httpserver, issuer, signer)
    clock = Clock()
    settings = AuthSettings(issuer=issuer, audience=signer.audience, jwks_refresh_cooldown_seconds=30)
    verifier = TokenVerifier(settings, RemoteKeySet(settings, clock))
    assert verifier.verify(signer.admin_token()).is_admin
    for _ in range(3):
        clock.now += 31
        for token in forged_kid_tokens(forger, 50):
            with pytest.raises(InvalidToken, match="unknown signing key"):
                verifier.verify(token)
    assert fetches(httpserver) == ["openid-configuration", "certs", "certs", "certs", "certs"]
    assert verifier.verify(signer.admin_token()).is_admin


def test_an_issuer_that_is_down_is_asked_once_per_interval_and_its_failure_answers_meanwhile(
    httpserver, issuer, tmp_path
):
    signer = DevIssuer(tmp_path, issuer)
    clock = Clock()
    settings = AuthSettings(issuer=issuer, audience=signer.audience, jwks_refresh_cooldown_seconds=30)
    verifier = TokenVerifier(settings, RemoteKeySet(settings, clock))
    for token in forged_kid_tokens(signer, 50):  # nothing is served: discovery fails
        with pytest.raises(KeySetUnavailable, match="no OpenID configuration"):
            verifier.verify(token)
    assert fetches(httpserver) == ["openid-configuration"]
    httpserver.expect_request(f"{REALM}/.well-known/openid-configuration").respond_with_json(
        {"issuer": issuer, "jwks_uri": httpserver.url_for(f"{REALM}/protocol/openid-connect/certs")},
    )
    httpserver.expect_request(f"{REALM}/protocol/openid-connect/certs").respond_with_data("down", status=503)
    clock.now += 30
    for token in forged_kid_tokens(signer, 50):
        with pytest.raises(KeySetUnavailable, match="could not be fetched"):
            verifier.verify(token)
    assert fetches(httpserver) == ["openid-configuration", "openid-configuration", "certs"]


def test_a_configuration_naming_another_issuer_is_not_trusted(httpserver, issuer, tmp_path):
    signer = DevIssuer(tmp_path, issuer)
    publish(httpserver, issuer, signer, claimed_issuer="https://evil.example.com")
    verifier = TokenVerifier(AuthSettings(issuer=issuer, audience=signer.audience))
    with pytest.raises(KeySetUnavailable, match=re.escape("configuration of issuer 'https://evil.example.com'")):
        verifier.verify(signer.admin_token())


def test_a_service_configured_with_the_issuer_alone_authenticates_through_discovery(
    httpserver, issuer, sandbox, tmp_path
):
    signer, stranger = DevIssuer(tmp_path / "issuer", issuer), DevIssuer(tmp_path / "stranger", issuer)
    publish(httpserver, issuer, signer)
    env = sandbox.env(FLIPSIDE_AUTH_ISSUER=issuer, FLIPSIDE_AUTH_AUDIENCE=signer.audience, FLIPSIDE_AUTH_JWKS_FILE="")
    with ServiceProcess("matching", env, tmp_path / "logs") as matching:
        program = f"{matching.url}/programs/unknown"
        assert httpx.get(program, headers=bearer(signer.admin_token()), timeout=10).status_code == 404
        refused = httpx.get(program, headers=bearer(stranger.admin_token()), timeout=10)
        assert refused.status_code == 401
        assert refused.headers["www-authenticate"].startswith('Bearer realm="flipside", error="invalid_token"')
        httpserver.clear_all_handlers()
        unreachable = httpx.get(program, headers=bearer(stranger.admin_token()), timeout=10)
        assert unreachable.status_code == 401, (
            "keys fetched within the cooldown are not fetched again for an unknown kid"
        )
