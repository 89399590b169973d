"""`make up` / `make down` / `make status`: the local stack and every registered service, in the background.

`up` starts Kafka, PostgreSQL, an SMTP server that keeps mail in a maildir, the development OpenID issuer
(http://localhost:8010 where free) and the services (each on its default port where that is free), writes where
they listen to STATE_DIR/stack.json and returns. The services trust the issuer's key, kept in STATE_DIR/auth:
`python -m flipside_operations.cli token --role admin` prints a token to call them with, and the portal signs people
in there as anyone in STATE_DIR/people.json (an admin and a lead of program pilot; edit it while it runs) or as
someone new.
`down` stops everything listed there and leaves nothing running.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from flipside_shared.registration import registered_services

from .auth import DevIssuer
from .oidc_issuer import DEFAULT_PORT as ISSUER_PORT
from .people import local_stack_people, write_people
from .platform import ISSUER, Platform
from .ports import free_port, wait_for_port
from .postgres import LocalPostgres
from .signing_secrets import signing_secrets_in
from .stack import LocalStack


def up(state_dir: Path) -> None:
    state_file = state_dir / "stack.json"
    if state_file.exists():
        print(f"already up (see {state_file}); `make down` first")
        print(state_file.read_text())
        return
    state_dir.mkdir(parents=True, exist_ok=True)
    stack = LocalStack(state_dir / "stack").start()
    smtp_port = free_port()
    mail_dir = state_dir / "mail"
    smtp = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "aiosmtpd",
            "-n",
            "-l",
            f"127.0.0.1:{smtp_port}",
            "-c",
            "aiosmtpd.handlers.Mailbox",
            str(mail_dir),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    wait_for_port(smtp_port, 15)
    default_ports = {name: service.http_port for name, service in registered_services().items()} | {ISSUER: ISSUER_PORT}
    people = state_dir / "people.json"
    if not people.exists():
        write_people(people, local_stack_people("pilot"))
    platform = Platform(
        stack.bootstrap_servers,
        stack.database_url,
        os.environ.get("FLIPSIDE_TOPIC_PREFIX", "flipside."),
        state_dir / "logs",
        smtp_port,
        ports={name: port for name, port in default_ports.items() if _free(port)},
        issuer=DevIssuer(state_dir / "auth"),
        signing_secrets=signing_secrets_in(state_dir / "secrets"),
        people=people,
    )
    platform.start()
    state = {
        "started_at": datetime.now(UTC).isoformat(),
        "kafka": {"bootstrap_servers": stack.bootstrap_servers, "pid": stack.kafka.pid if stack.kafka else None},
        "postgres": {
            "url": stack.database_url,
            "root": str(stack.postgres.root) if stack.postgres else None,
            "port": stack.postgres.port if stack.postgres else None,
        },
        "smtp": {"address": f"127.0.0.1:{smtp_port}", "pid": smtp.pid, "maildir": str(mail_dir)},
        "auth": platform["matching"].env["FLIPSIDE_AUTH_JWKS_FILE"],
        "issuer": {
            "url": platform.oidc_issuer_url,
            "pid": platform.oidc_issuer.pid,
            "log": str(platform.oidc_issuer.log_path),
            "people": str(people),
        },
        "portal": platform.portal_url,
        "services": {
            name: {"url": s.url, "pid": s.pid, "log": str(s.log_path)} for name, s in platform.services.items()
        },
    }
    state_file.write_text(json.dumps(state, indent=2))
    _print(state)


def down(state_dir: Path) -> None:
    state_file = state_dir / "stack.json"
    if not state_file.exists():
        print("nothing is up")
        return
    state = json.loads(state_file.read_text())
    for service in state["services"].values():
        _terminate(service["pid"])
    _terminate(state.get("issuer", {}).get("pid"))
    _terminate(state["smtp"]["pid"])
    _terminate(state["kafka"]["pid"], grace=30)
    if state["postgres"]["root"]:
        LocalPostgres(Path(state["postgres"]["root"]), state["postgres"]["port"]).remove()
    shutil.rmtree(state_dir / "stack", ignore_errors=True)
    state_file.unlink()
    print("stopped: services, OpenID issuer, SMTP server, Kafka and PostgreSQL")


def status(state_dir: Path) -> None:
    state_file = state_dir / "stack.json"
    if not state_file.exists():
        print("nothing is up")
        return
    _print(json.loads(state_file.read_text()))


def _print(state: dict) -> None:
    print(f"Kafka         {state['kafka']['bootstrap_servers']}")
    print(f"PostgreSQL    {state['postgres']['url']}")
    print(f"SMTP          {state['smtp']['address']} (mail kept in {state['smtp']['maildir']})")
    for name, service in state["services"].items():
        alive = service["pid"] and _alive(service["pid"])
        print(f"{name:<14}{service['url']}  {'running' if alive else 'NOT RUNNING'}  log: {service['log']}")
    if issuer := state.get("issuer"):
        alive = "running" if _alive(issuer["pid"]) else "NOT RUNNING"
        print(f"{'OpenID issuer':<14}{issuer['url']}  {alive}  log: {issuer['log']}  people: {issuer['people']}")
    if state.get("portal"):
        print(f"Portal        {state['portal']}  (sign in as anyone in the issuer's people file, or as someone new)")
    print(
        f"API tokens    python -m flipside_operations.cli token --role admin (development key set {state.get('auth')})"
    )


def _terminate(pid: int | None, grace: float = 40) -> None:
    if not pid or not _alive(pid):
        return
    os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    if _alive(pid):
        os.killpg(pid, signal.SIGKILL)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A child of ours that exited stays a zombie until reaped; it is not running.
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().split()[2] != "Z"


def _free(port: int) -> bool:
    return not wait_for_port(port, timeout=0.2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["up", "down", "status"])
    parser.add_argument("--state-dir", type=Path, default=Path(".run/stack"))
    arguments = parser.parse_args()
    {"up": up, "down": down, "status": status}[arguments.command](arguments.state_dir)


if __name__ == "__main__":
    main()
