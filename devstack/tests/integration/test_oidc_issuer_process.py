"""`python -m flipside_devstack.oidc_issuer` as the launcher runs it: a process serving discovery, the login page of
its people file (read again when the file changes) and the key set the services trust."""

import httpx

from flipside_devstack.auth import DEV_ISSUER, DevIssuer
from flipside_devstack.people import Person, local_stack_people, write_people
from flipside_devstack.ports import free_port
from flipside_devstack.service_process import ServiceProcess

CALLBACK = "http://localhost:8005/auth/callback"
SIGN_IN = {
    "client_id": "flipside-portal",
    "redirect_uri": CALLBACK,
    "response_type": "code",
    "scope": "openid",
    "state": "s",
    "nonce": "n",
    "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
    "code_challenge_method": "S256",
}


def test_the_issuer_process_serves_its_people_and_the_services_key(tmp_path):
    signing = DevIssuer(tmp_path / "auth")
    people = write_people(tmp_path / "people.json", local_stack_people("pilot"))
    port = free_port()
    process = ServiceProcess(
        "issuer",
        {},
        tmp_path / "logs",
        port,
        module="flipside_devstack.oidc_issuer",
        arguments=["--key-dir", str(signing.key_path.parent), "--people", str(people), "--redirect-uri", CALLBACK],
    )
    with process:
        discovery = httpx.get(f"{process.url}/.well-known/openid-configuration").json()
        assert discovery["issuer"] == DEV_ISSUER and discovery["token_endpoint"] == f"http://localhost:{port}/token"
        assert httpx.get(discovery["jwks_uri"].replace("localhost", "127.0.0.1")).json() == signing.key_set()
        page = httpx.get(f"{process.url}/authorize", params=SIGN_IN)
        assert "Lee Lead" in page.text and "Program lead of pilot" in page.text and "Mo Mentor" not in page.text
        mentor = Person(sub="mo", name="Mo Mentor", email="mo@example.com", roles=("participant",))
        write_people(people, [*local_stack_people("pilot"), mentor])
        assert "Mo Mentor" in httpx.get(f"{process.url}/authorize", params=SIGN_IN).text
