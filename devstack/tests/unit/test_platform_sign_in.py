"""What the launcher tells the development OpenID issuer, the portal and notifications, so a browser can sign in."""

import pytest

from flipside_devstack import platform as platform_module
from flipside_devstack.auth import DEV_ISSUER
from flipside_devstack.platform import Platform
from flipside_shared.registration import registered_services

PORTAL_SETTINGS = {
    "FLIPSIDE_PORTAL_PUBLIC_URL",
    "FLIPSIDE_PORTAL_OIDC_ISSUER",
    "FLIPSIDE_PORTAL_OIDC_DISCOVERY_URL",
    "FLIPSIDE_PORTAL_OIDC_CLIENT_ID",
    "FLIPSIDE_PORTAL_MATCHING_URL",
    "FLIPSIDE_PORTAL_SCHEDULING_URL",
    "FLIPSIDE_PORTAL_FEEDBACK_URL",
    "FLIPSIDE_PORTAL_NOTIFICATIONS_URL",
}


@pytest.fixture
def with_a_portal(monkeypatch):
    """A service named portal registered beside the installed ones (the launcher needs only its name)."""
    services = registered_services()
    services.setdefault("portal", services["notifications"])
    monkeypatch.setattr(platform_module, "registered_services", lambda: services)


@pytest.fixture
def without_a_portal(monkeypatch):
    services = {name: service for name, service in registered_services().items() if name != "portal"}
    monkeypatch.setattr(platform_module, "registered_services", lambda: services)


def launched(tmp_path, **options) -> Platform:
    return Platform("127.0.0.1:9092", "postgresql://db/flipside", "flipside.", tmp_path, 2525, **options)


def arguments(platform: Platform, option: str) -> list[str]:
    command = platform.oidc_issuer.command
    return [command[i + 1] for i, word in enumerate(command) if word == option]


def test_the_portal_is_told_where_to_sign_people_in_and_where_the_services_are(with_a_portal, tmp_path):
    platform = launched(tmp_path, ports={"portal": 8105, "issuer": 8110, "matching": 8101})
    env = platform["portal"].env
    assert set(env) >= PORTAL_SETTINGS
    assert env["FLIPSIDE_PORTAL_PUBLIC_URL"] == platform.portal_url == "http://localhost:8105"
    assert env["FLIPSIDE_PORTAL_OIDC_ISSUER"] == DEV_ISSUER
    assert env["FLIPSIDE_PORTAL_OIDC_DISCOVERY_URL"] == "http://localhost:8110/.well-known/openid-configuration"
    assert env["FLIPSIDE_PORTAL_OIDC_CLIENT_ID"] == "flipside-portal"
    assert env["FLIPSIDE_PORTAL_MATCHING_URL"] == "http://127.0.0.1:8101"
    assert env["FLIPSIDE_PORTAL_SCHEDULING_URL"] == platform["scheduling"].url
    assert platform["notifications"].env["FLIPSIDE_NOTIFICATIONS_PORTAL_URL"] == "http://localhost:8105"
    assert arguments(platform, "--redirect-uri") == ["http://localhost:8105/auth/callback"]
    assert arguments(platform, "--public-url") == ["http://localhost:8110"]
    assert platform.oidc_issuer.port == 8110


def test_without_a_portal_the_issuer_still_runs_and_nobody_is_told_of_a_portal(without_a_portal, tmp_path):
    platform = launched(tmp_path, people=tmp_path / "people.json", redirect_uris=["http://localhost:9/cb"])
    assert platform.portal_url is None and "portal" not in platform.services
    env = platform["notifications"].env
    assert not {"FLIPSIDE_PORTAL_PUBLIC_URL", "FLIPSIDE_NOTIFICATIONS_PORTAL_URL"} & set(env)
    assert arguments(platform, "--people") == [str(tmp_path / "people.json")]
    assert arguments(platform, "--redirect-uri") == ["http://localhost:9/cb"]
    assert arguments(platform, "--key-dir") == [str(platform_module.dev_issuer().key_path.parent)]
