"""Adding a service needs its package and its entry point only: a throwaway one (`almanac`, port 8006, clear of the
real services' names and ports), installed beside them as a distribution whose sole tie to Flipside is a
`flipside.services` entry point, is seen by every tool."""

import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from flipside_devstack.platform import Platform
from flipside_operations.acl_plan import needed
from flipside_operations.cli import command_line
from flipside_operations.contracts import asyncapi_documents
from flipside_shared.registration import ENTRY_POINT_GROUP, NotARegistration, registered_services

FIFTH_SERVICE = Path(__file__).parent / "fifth_service"
FOUR = ["matching", "scheduling", "feedback", "notifications"]


@pytest.fixture
def almanac_installed(monkeypatch) -> list[str]:
    """On the path, its dist-info is an installed distribution to importlib.metadata, as `uv sync` would make it.
    Gives the services installed before it."""
    installed = list(registered_services())
    monkeypatch.syspath_prepend(str(FIFTH_SERVICE))
    assert "almanac" in entry_points(group=ENTRY_POINT_GROUP).names
    return installed


def test_the_installed_services_register_themselves_in_the_order_of_their_ports():
    services = registered_services()
    assert list(services)[:4] == FOUR
    assert [s.http_port for s in services.values()][:4] == [8001, 8002, 8003, 8004]
    assert sorted(s.http_port for s in services.values()) == [s.http_port for s in services.values()]
    assert all(s.migrations.is_dir() for s in services.values())


def test_another_service_is_found_by_its_entry_point(almanac_installed):
    services = registered_services()
    assert list(services) == [*almanac_installed, "almanac"]
    assert services["almanac"].http_port == 8006 and services["almanac"].definition().name == "almanac"


def test_the_operator_cli_takes_another_service(almanac_installed):
    parser = command_line(tuple(registered_services()))
    assert parser.parse_args(["lag", "almanac"]).service == "almanac"
    assert parser.parse_args(["dlq", "list", "almanac"]).service == "almanac"
    assert parser.parse_args(["outbox", "--service", "almanac", "retry", "--all"]).service == "almanac"


def test_the_plans_and_contracts_cover_another_service(almanac_installed):
    assert needed()["almanac"] == {"read": ["pairs"], "write": ["almanac.dead-letter"], "groups": ["almanac"]}
    assert "almanac" in asyncapi_documents()


def test_the_launcher_starts_another_service_beside_the_others(almanac_installed, tmp_path):
    platform = Platform("127.0.0.1:9092", "postgresql://db/flipside", "flipside.", tmp_path, 2525)
    assert list(platform.services) == [*almanac_installed, "almanac"]
    assert platform["almanac"].name == "almanac"


def test_an_entry_point_naming_anything_but_its_service_is_refused(tmp_path, monkeypatch):
    dist_info = tmp_path / "stray-0.1.0.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text("Metadata-Version: 2.1\nName: stray\nVersion: 0.1.0\n")
    (dist_info / "entry_points.txt").write_text(
        f"[{ENTRY_POINT_GROUP}]\nstray = flipside_matching.registration:REGISTRATION\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(NotARegistration, match="stray"):
        registered_services()


def test_listing_the_services_imports_none_of_their_wiring_until_asked_for():
    """The operator CLI and the plans start on the services' names, settings and migrations alone."""
    probe = (
        "import sys\n"
        "from flipside_shared.registration import registered_services\n"
        "services = registered_services()\n"
        "print(sorted(m for m in sys.modules if m.endswith('.app') and m.startswith('flipside_')))\n"
        "print(services['matching'].definition().name, 'flipside_matching.app' in sys.modules)\n"
    )
    listed = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert listed.stdout.splitlines() == ["[]", "matching True"]
