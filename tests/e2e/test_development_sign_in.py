"""Signing in at the development OpenID issuer the launcher runs beside the services, as the portal does, gives
tokens the real services accept for that person and no one else."""

import base64
import hashlib
import secrets
from urllib.parse import parse_qs, urlsplit
from uuid import uuid4

import httpx

from flipside_devstack.auth import ADMIN_SUBJECT
from flipside_shared.auth.identity import participant_id_for


def signed_in(platform, **choice: str) -> dict:
    """The tokens of one sign-in: discovery, the login page's choice, the code redeemed with its PKCE verifier."""
    configuration = httpx.get(f"{platform.oidc_issuer.url}/.well-known/openid-configuration").json()
    callback = platform.redirect_uris[0]
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    request = {
        "client_id": "flipside-portal",
        "redirect_uri": callback,
        "response_type": "code",
        "scope": "openid email profile",
        "state": secrets.token_urlsafe(8),
        "nonce": secrets.token_urlsafe(8),
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    assert httpx.get(configuration["authorization_endpoint"], params=request).status_code == 200
    back = httpx.post(configuration["authorization_endpoint"], data={**request, **choice})
    code = parse_qs(urlsplit(back.headers["location"]).query)["code"][0]
    redeemed = httpx.post(
        configuration["token_endpoint"],
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": callback,
            "client_id": "flipside-portal",
            "code_verifier": verifier,
        },
    )
    redeemed.raise_for_status()
    return redeemed.json()


def test_someone_new_acts_for_themself_only(platform):
    tokens = signed_in(platform, name="Noor New", email="noor.new@example.com")
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    me = participant_id_for("email", "noor.new@example.com")
    # Not enrolled yet, but allowed to ask: the services know who this token is without a look-up.
    assert httpx.get(f"{platform['matching'].url}/participants/{me}", headers=headers).status_code == 404
    assert httpx.get(f"{platform['matching'].url}/participants/{uuid4()}", headers=headers).status_code == 403


def test_the_admin_on_the_list_is_an_admin(platform):
    tokens = signed_in(platform, person=ADMIN_SUBJECT)
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert httpx.get(f"{platform['notifications'].url}/webhooks", headers=headers).status_code == 200
