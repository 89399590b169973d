"""How the tools above matching find it, named by the `flipside.services` entry point in pyproject.toml: its name,
settings and migrations, and its wiring (`app.py`), imported only when the service's definition or app is asked for."""

from pathlib import Path

from flipside_shared.registration import ServiceRegistration

from .settings import MatchingSettings

SERVICE = "matching"
MIGRATIONS = Path(__file__).parent / "migrations"

REGISTRATION = ServiceRegistration.wired_in(
    "flipside_matching.app", name=SERVICE, settings=MatchingSettings, migrations=MIGRATIONS
)
