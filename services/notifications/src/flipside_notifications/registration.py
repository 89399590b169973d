"""How the tools above notifications find it, named by the `flipside.services` entry point in pyproject.toml: its name,
settings and migrations, and its wiring (`app.py`), imported only when the service's definition or app is asked for."""

from pathlib import Path

from flipside_shared.registration import ServiceRegistration

from .settings import NotificationSettings

SERVICE = "notifications"
MIGRATIONS = Path(__file__).parent / "migrations"

REGISTRATION = ServiceRegistration.wired_in(
    "flipside_notifications.app", name=SERVICE, settings=NotificationSettings, migrations=MIGRATIONS
)
