"""Random signing secrets for the services that tests, the demo, benchmarks and `make up` run: services have no
default (see `flipside_shared.signing_secrets`), so whatever launches them locally makes its own.

Tests and runs get a new set per process; `make up` keeps its set in its state directory, so links in the
e-mails it sent keep working across `make down` / `make up`.
"""

from __future__ import annotations

import json
from pathlib import Path

from flipside_shared.signing_secrets import SIGNING_SECRET_VARIABLES, random_signing_secret


def signing_secrets_in(directory: Path) -> dict[str, str]:
    """The set kept in `directory`, made on first use (and completed when a service has come to need another)."""
    path = directory / "signing-secrets.json"
    kept = json.loads(path.read_text()) if path.exists() else {}
    if missing := [name for name in SIGNING_SECRET_VARIABLES if name not in kept]:
        kept.update({name: random_signing_secret() for name in missing})
        directory.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(json.dumps(kept, indent=2))
    return {name: kept[name] for name in SIGNING_SECRET_VARIABLES}


_secrets: dict[str, str] | None = None


def dev_signing_secrets() -> dict[str, str]:
    """This process's set, one for the whole test session or run."""
    global _secrets
    if _secrets is None:
        _secrets = {name: random_signing_secret() for name in SIGNING_SECRET_VARIABLES}
    return _secrets
