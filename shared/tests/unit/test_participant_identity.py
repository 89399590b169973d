"""Which participant a token is: the claim FLIPSIDE_AUTH_PARTICIPANT_CLAIM names, a UUID as it is, anything else mapped."""

import json
from uuid import UUID, uuid4, uuid5

import pytest

from flipside_shared.auth.identity import PARTICIPANT_NAMESPACE, participant_id_for
from flipside_shared.auth.settings import AuthSettings
from flipside_shared.auth.tokens import Principal, TokenVerifier

from .test_bearer_tokens import AUDIENCE, ISSUER, Signer


@pytest.fixture(scope="module")
def signer() -> Signer:
    return Signer("key-identity")


@pytest.fixture
def verifier_by(tmp_path, signer):
    key_set_file = tmp_path / "jwks.json"
    key_set_file.write_text(json.dumps({"keys": [signer.jwk]}))

    def verifier(claim: str | None = None) -> TokenVerifier:
        chosen = {"participant_claim": claim} if claim else {}
        return TokenVerifier(AuthSettings(issuer=ISSUER, audience=AUDIENCE, jwks_file=key_set_file, **chosen))

    return verifier


def test_a_uuid_sub_is_the_participant_id_itself(verifier_by, signer):
    person = uuid4()
    assert verifier_by().verify(signer.token(sub=str(person))).participant_id == person
    assert participant_id_for("sub", str(person)) == person


def test_an_email_claim_maps_to_one_participant_whatever_its_case(verifier_by, signer):
    by_email = verifier_by("email")
    one = by_email.verify(signer.token(sub="keycloak-7f3a", email="Ada.Lovelace@Example.com"))
    other = by_email.verify(signer.token(sub="keycloak-0000", email="ada.lovelace@example.com"))
    expected = uuid5(PARTICIPANT_NAMESPACE, "email:ada.lovelace@example.com")
    assert one.participant_id == other.participant_id == expected
    assert participant_id_for("email", "ADA.LOVELACE@example.com ") == expected


def test_an_employee_id_maps_by_its_claim_and_value(verifier_by, signer):
    principal = verifier_by("employee_id").verify(signer.token(employee_id=40177))
    assert principal.participant_id == uuid5(PARTICIPANT_NAMESPACE, "employee_id:40177")
    # The claim's name is part of the mapping: the same value in another claim is someone else.
    assert participant_id_for("employee_id", "40177") != participant_id_for("badge", "40177")


def test_a_non_uuid_sub_maps_too(verifier_by, signer):
    principal = verifier_by().verify(signer.token(sub="auth0|6512"))
    assert principal.participant_id == uuid5(PARTICIPANT_NAMESPACE, "sub:auth0|6512") != UUID(int=0)


@pytest.mark.parametrize("missing", [None, "", ["a@example.com"], True])
def test_without_the_claim_the_token_is_no_participant(verifier_by, signer, missing):
    principal = verifier_by("email").verify(signer.token(email=missing))
    assert principal.participant_id is None and not principal.may_act_as(uuid4())


def test_the_participant_role_is_still_required():
    person = uuid4()
    assert Principal(str(person), frozenset({"program_lead"}), identity=str(person)).participant_id is None
    assert Principal(str(person), frozenset({"participant"}), identity=str(person)).participant_id == person


def test_the_claim_is_a_setting(monkeypatch):
    assert AuthSettings().participant_claim == "sub"
    monkeypatch.setenv("FLIPSIDE_AUTH_PARTICIPANT_CLAIM", "email")
    assert AuthSettings().participant_claim == "email"
