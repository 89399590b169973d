"""How the tools above scheduling find it, named by the `flipside.services` entry point in pyproject.toml: its name,
settings and migrations, and its wiring (`app.py`), imported only when the service's definition or app is asked for."""

from pathlib import Path

from flipside_shared.registration import ServiceRegistration

from .settings import SchedulingSettings

SERVICE = "scheduling"
MIGRATIONS = Path(__file__).parent / "migrations"

REGISTRATION = ServiceRegistration.wired_in(
    "flipside_scheduling.app", name=SERVICE, settings=SchedulingSettings, migrations=MIGRATIONS
)
