"""The bearer token check: signature, issuer, audience, validity period, algorithm and key id, and the roles read from it."""

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from pydantic import ValidationError

from flipside_shared.auth.settings import AuthNotConfigured, AuthSettings
from flipside_shared.auth.tokens import InvalidToken, Principal, TokenVerifier

ISSUER = "https://login.example.com/realms/flipside"
AUDIENCE = "flipside-api"


class Signer:
    """A private key and the public JWK an issuer would publish for it."""

    def __init__(self, kid: str, curve: bool = False) -> None:
        self.kid = kid
        if curve:
            self.key, self.algorithm = ec.generate_private_key(ec.SECP256R1()), "ES256"
            jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(self.key.public_key()))
        else:
            self.key, self.algorithm = rsa.generate_private_key(public_exponent=65537, key_size=2048), "RS256"
            jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        self.jwk = {**jwk, "kid": kid, "use": "sig", "alg": self.algorithm}

    def token(self, header_typ: str | None = "JWT", **overrides) -> str:
        now = datetime.now(UTC)
        claims = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": str(uuid4()),
            "iat": now,
            "exp": now + timedelta(minutes=5),
            "flipside_roles": ["participant"],
        }
        claims.update(overrides)
        return jwt.encode(
            {k: v for k, v in claims.items() if v is not None},
            self.key,
            algorithm=self.algorithm,
            headers={"kid": self.kid, "typ": header_typ},
        )


@pytest.fixture(scope="module")
def signer() -> Signer:
    return Signer("key-1")


@pytest.fixture
def key_set_file(tmp_path, signer):
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps({"keys": [signer.jwk]}))
    return path


@pytest.fixture
def verifier(key_set_file) -> TokenVerifier:
    return TokenVerifier(AuthSettings(issuer=ISSUER, audience=AUDIENCE, jwks_file=key_set_file))


def refusal(verifier: TokenVerifier, token: str) -> str:
    with pytest.raises(InvalidToken) as refused:
        verifier.verify(token)
    return str(refused.value)


def test_a_valid_token_names_its_participant_roles_and_programs(verifier, signer):
    person = uuid4()
    principal = verifier.verify(
        signer.token(sub=str(person), flipside_roles=["participant", "program_lead"], flipside_programs=["pilot"])
    )
    assert principal == Principal(
        str(person), frozenset({"participant", "program_lead"}), frozenset({"pilot"}), "sub", str(person)
    )
    assert principal.participant_id == person and principal.may_act_as(person) and not principal.may_act_as(uuid4())
    assert principal.leads("pilot") and not principal.leads("other") and not principal.is_admin


def test_an_expired_token_is_refused_beyond_the_leeway_only(verifier, signer):
    now = datetime.now(UTC)
    assert refusal(verifier, signer.token(exp=now - timedelta(minutes=2))) == "the token has expired"
    verifier.verify(signer.token(exp=now - timedelta(seconds=10)))


def test_a_token_not_valid_yet_is_refused(verifier, signer):
    assert refusal(verifier, signer.token(nbf=datetime.now(UTC) + timedelta(minutes=5))) == "the token is not valid yet"


def test_another_issuer_or_audience_is_refused(verifier, signer):
    assert refusal(verifier, signer.token(iss="https://evil.example.com")) == "the token is from another issuer"
    assert refusal(verifier, signer.token(aud="another-api")) == "the token is for another audience"


@pytest.mark.parametrize("claim", ["exp", "iss", "aud", "sub"])
def test_a_token_without_a_required_claim_is_refused(verifier, signer, claim):
    assert claim in refusal(verifier, signer.token(**{claim: None}))


def test_a_tampered_token_is_refused(verifier, signer):
    header, payload, signature = signer.token(flipside_roles=["participant"]).split(".")
    claims = json.loads(jwt.utils.base64url_decode(payload))
    forged = jwt.utils.base64url_encode(json.dumps({**claims, "flipside_roles": ["admin"]}).encode()).decode()
    assert refusal(verifier, f"{header}.{forged}.{signature}") == "the signature does not match"
    assert refusal(verifier, "not-a-token") == "malformed token"


def test_a_token_signed_by_another_key_with_a_known_kid_is_refused(verifier):
    impostor = Signer("key-1")
    assert refusal(verifier, impostor.token()) == "the signature does not match"


def test_alg_none_is_refused(verifier, signer):
    unsigned = jwt.encode(
        {"iss": ISSUER, "aud": AUDIENCE, "sub": "x", "exp": 4102444800},
        None,
        algorithm="none",
        headers={"kid": "key-1"},
    )
    assert refusal(verifier, unsigned) == "algorithm 'none' is not accepted"


def test_an_hmac_token_keyed_with_the_public_key_is_refused(verifier, signer):
    public_pem = signer.key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    now = datetime.now(UTC)
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "x",
        "exp": now + timedelta(minutes=5),
        "flipside_roles": ["admin"],
    }
    header = jwt.utils.base64url_encode(json.dumps({"alg": "HS256", "typ": "JWT", "kid": "key-1"}).encode())
    body = jwt.utils.base64url_encode(json.dumps(claims, default=lambda d: int(d.timestamp())).encode())
    mac = jwt.utils.base64url_encode(hmac.new(public_pem, header + b"." + body, hashlib.sha256).digest())
    assert refusal(verifier, (header + b"." + body + b"." + mac).decode()) == "algorithm 'HS256' is not accepted"


def test_an_ec_token_pointing_at_an_rsa_key_is_refused(verifier):
    curve = Signer("key-1", curve=True)
    assert refusal(verifier, curve.token()) == "key 'key-1' is an RSA key, not one for ES256"


def test_an_unknown_kid_is_refused_until_the_key_set_has_it(verifier, key_set_file, signer):
    rotated = Signer("key-2")
    assert refusal(verifier, rotated.token()) == "unknown signing key 'key-2'"
    key_set_file.write_text(json.dumps({"keys": [signer.jwk, rotated.jwk]}))
    assert verifier.verify(rotated.token(flipside_roles=["admin"])).is_admin
    verifier.verify(signer.token())


def test_tokens_that_are_not_access_tokens_are_refused(verifier, signer):
    assert (
        refusal(verifier, signer.token(header_typ="logout+jwt"))
        == "a token of type 'logout+jwt' is not an access token"
    )
    assert refusal(verifier, signer.token(typ="ID")) == "an ID token is not an access token"
    for typ in ("at+jwt", "application/at+jwt", "JWT", None):
        verifier.verify(signer.token(header_typ=typ))
    verifier.verify(signer.token(nonce="n-0S6_WzA2Mj"))


def test_in_strict_mode_only_tokens_typed_at_jwt_and_without_a_nonce_are_accepted(key_set_file, signer):
    strict = TokenVerifier(
        AuthSettings(issuer=ISSUER, audience=AUDIENCE, jwks_file=key_set_file, require_access_token_type=True)
    )
    assert strict.verify(signer.token(header_typ="at+jwt", flipside_roles=["admin"])).is_admin
    assert strict.verify(signer.token(header_typ="application/at+jwt")).roles == frozenset({"participant"})
    assert refusal(strict, signer.token(header_typ="JWT")) == "not an access token: its type (typ) is jwt, not at+jwt"
    assert (
        refusal(strict, signer.token(header_typ=None)) == "not an access token: its type (typ) is missing, not at+jwt"
    )
    assert (
        refusal(strict, signer.token(header_typ="at+jwt", nonce="n-0S6_WzA2Mj"))
        == "a token with a nonce is an ID token, not an access token"
    )
    assert (
        refusal(strict, signer.token(header_typ="at+jwt", aud="the-portal-client"))
        == "the token is for another audience"
    )


def test_a_valid_token_without_a_flipside_role_may_do_nothing(verifier, signer):
    principal = verifier.verify(signer.token(flipside_roles=["superuser"], flipside_programs=["pilot"]))
    assert principal.roles == frozenset()
    assert principal.participant_id is None and not principal.leads("pilot") and not principal.is_admin


def test_a_sponsor_token_is_a_sponsor_and_neither_a_lead_nor_a_participant(verifier, signer):
    principal = verifier.verify(
        signer.token(sub="cfo@example.com", flipside_roles=["sponsor"], flipside_programs=["pilot"])
    )
    assert principal.is_sponsor and principal.subject == "cfo@example.com"
    assert not principal.leads("pilot") and principal.participant_id is None and not principal.is_admin


def test_roles_can_come_from_a_nested_claim_or_a_space_separated_string(key_set_file, signer):
    keycloak = TokenVerifier(
        AuthSettings(issuer=ISSUER, audience=AUDIENCE, jwks_file=key_set_file, roles_claim="realm_access.roles")
    )
    assert keycloak.verify(signer.token(realm_access={"roles": ["admin", "offline_access"]})).is_admin
    spaced = TokenVerifier(
        AuthSettings(issuer=ISSUER, audience=AUDIENCE, jwks_file=key_set_file, roles_claim="scope_roles")
    )
    assert spaced.verify(signer.token(scope_roles="program_lead participant")).roles == frozenset(
        {"program_lead", "participant"}
    )


def test_settings_refuse_symmetric_algorithms_and_two_key_sources(tmp_path):
    for algorithms in (["none"], ["HS256"], ["RS256", "HS512"]):
        with pytest.raises(ValidationError, match="only asymmetric algorithms"):
            AuthSettings(issuer=ISSUER, audience=AUDIENCE, algorithms=algorithms)
    with pytest.raises(ValidationError, match="not both"):
        AuthSettings(issuer=ISSUER, audience=AUDIENCE, jwks_url="https://x/jwks", jwks_file=tmp_path / "jwks.json")


def test_without_issuer_and_audience_no_verifier_can_be_made(tmp_path):
    with pytest.raises(AuthNotConfigured, match="set FLIPSIDE_AUTH_ISSUER and FLIPSIDE_AUTH_AUDIENCE"):
        TokenVerifier(AuthSettings())
    with pytest.raises(AuthNotConfigured, match="FLIPSIDE_AUTH_JWKS_FILE: no file at"):
        TokenVerifier(AuthSettings(issuer=ISSUER, audience=AUDIENCE, jwks_file=tmp_path / "missing.json"))
