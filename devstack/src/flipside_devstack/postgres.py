"""A real PostgreSQL server on loopback, from the machine's PostgreSQL binaries.

PostgreSQL refuses to run as root, so when the tests run as root the server runs
as the `postgres` system user (which Debian's package creates). By default its
files live in a directory of their own under the system temp dir, which that
user can reach; a test's own temp dir may sit below one only root can enter.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

from .ports import free_port, wait_for_port


def server_bin_dir() -> Path:
    candidates = []
    if pg_config := shutil.which("pg_config"):
        output = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True).stdout.strip()
        candidates.append(Path(output))
    candidates += [Path(p) for p in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version, reverse=True)]
    if initdb := shutil.which("initdb"):
        candidates.append(Path(initdb).resolve().parent)
    for directory in candidates:
        if (directory / "initdb").exists() and (directory / "pg_ctl").exists():
            return directory
    raise FileNotFoundError(
        "no PostgreSQL server binaries found: install Debian's postgresql (scripts/bootstrap.sh does)"
    )


def _version(path: str) -> int:
    part = Path(path).parent.name
    return int(part) if part.isdigit() else 0


class LocalPostgres:
    def __init__(self, root: Path | None = None, port: int | None = None) -> None:
        self._user = "postgres" if os.geteuid() == 0 else None
        self.root = root or Path(tempfile.mkdtemp(prefix="flipside-postgres-"))
        self.data_dir = self.root / "data"
        self.port = port or free_port()
        self.log_path = self.root / "postgres.log"
        self._bin = server_bin_dir()

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/flipside"

    @property
    def pid(self) -> int | None:
        pid_file = self.data_dir / "postmaster.pid"
        return int(pid_file.read_text().split()[0]) if pid_file.exists() else None

    def _run(self, *command: str, **kwargs) -> subprocess.CompletedProcess:
        prefix = ["runuser", "-u", self._user, "--"] if self._user else []
        return subprocess.run([*prefix, *command], check=True, **kwargs)

    def start(self, timeout: float = 60.0) -> LocalPostgres:
        fresh = not self.data_dir.exists()
        if fresh:
            self.root.mkdir(parents=True, exist_ok=True)
            if self._user:
                account = pwd.getpwnam(self._user)
                os.chown(self.root, account.pw_uid, account.pw_gid)
                self.root.chmod(0o700)
            self._run(
                str(self._bin / "initdb"),
                "-D",
                str(self.data_dir),
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--no-sync",
                stdout=subprocess.DEVNULL,
            )
        # fsync off: a killed server process loses no committed transaction (the WAL is already
        # written to the OS), which is all tests and demos crash; only a machine crash could.
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c max_connections=300"
            " -c shared_buffers=128MB -c fsync=off"
        )
        self._run(
            str(self._bin / "pg_ctl"),
            "-D",
            str(self.data_dir),
            "-o",
            options,
            "-l",
            str(self.log_path),
            "-w",
            "-t",
            str(int(timeout)),
            "start",
            stdout=subprocess.DEVNULL,
        )
        if not wait_for_port(self.port, timeout):
            raise RuntimeError(f"PostgreSQL did not start on port {self.port}:\n{self.log_path.read_text()[-3000:]}")
        if fresh:
            self._run(
                str(self._bin / "psql"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "postgres",
                "-q",
                "-c",
                "CREATE DATABASE flipside",
                stdout=subprocess.DEVNULL,
            )
        return self

    def stop(self) -> None:
        if self.pid is None:
            return
        self._run(
            str(self._bin / "pg_ctl"), "-D", str(self.data_dir), "-m", "fast", "-w", "stop", stdout=subprocess.DEVNULL
        )

    def restart(self) -> None:
        """Stop and start on the same port and data: clients see their connections drop."""
        self.stop()
        self.start()

    def remove(self) -> None:
        """Stop and delete every file of this server."""
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)
