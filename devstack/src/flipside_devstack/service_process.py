"""Run a Flipside service as its own OS process, as operators do, so tests can kill it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import httpx

from .ports import free_port

# What uvicorn (and Python) log, in any case, when a port is bound by another process (EADDRINUSE).
_PORT_TAKEN = "address already in use"


class ServiceProcess:
    """`python -m flipside_<name>` (or another module, with arguments) with the given environment; logs go to a
    file. Ready once `/health/ready` answers 200."""

    def __init__(
        self,
        name: str,
        env: dict[str, str],
        log_dir: Path,
        port: int | None = None,
        module: str | None = None,
        arguments: Sequence[str] = (),
    ) -> None:
        self.name = name
        self.command = [sys.executable, "-m", module or f"flipside_{name}", *arguments]
        self._env = {**os.environ, **env, "PYTHONUNBUFFERED": "1"}
        self._log_dir = log_dir
        # A port of our own choosing may be taken by another process before the service binds it; then the
        # service starts again on another. A port the caller chose is kept: other processes were told it.
        self._port_chosen_here = port is None
        self._use_port(port or free_port())
        self._process: subprocess.Popen[bytes] | None = None

    def _use_port(self, port: int) -> None:
        self.port = port
        self.env = {**self._env, "FLIPSIDE_HTTP_PORT": str(port)}
        self.log_path = self._log_dir / f"{self.name}-{port}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def start(self, wait_ready: bool = True, timeout: float = 60.0) -> ServiceProcess:
        self._spawn()
        if wait_ready:
            self.wait_ready(timeout)
        return self

    def _spawn(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        self._process = subprocess.Popen(
            self.command,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()

    def __enter__(self) -> ServiceProcess:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process and self._process.poll() is not None:
                if self._port_chosen_here and _PORT_TAKEN in self.log_tail().lower():
                    self._use_port(free_port())
                    self._spawn()
                    continue
                raise RuntimeError(f"{self.name} exited with {self._process.returncode}:\n{self.log_tail()}")
            try:
                if httpx.get(f"{self.url}/health/ready", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise TimeoutError(f"{self.name} not ready after {timeout}s:\n{self.log_tail()}")

    def kill(self) -> None:
        """SIGKILL: no chance to finish anything, as in a crash."""
        self._signal(signal.SIGKILL)

    def stop(self, timeout: float = 40.0) -> int | None:
        """SIGTERM and wait: the service drains and commits before it exits."""
        self._signal(signal.SIGTERM)
        if self._process:
            try:
                return self._process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        return None

    def _signal(self, sig: int) -> None:
        if self._process and self._process.poll() is None:
            os.killpg(self._process.pid, sig)
            if sig == signal.SIGKILL:
                self._process.wait()

    def log_tail(self, lines: int = 40) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
