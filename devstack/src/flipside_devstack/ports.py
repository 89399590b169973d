"""Free loopback ports for the local stack's servers."""

from __future__ import annotations

import random
import socket
import time
from pathlib import Path

# Ports are handed out from below the kernel's ephemeral range: a port picked there and closed again can be
# taken, before its server binds it, as the source port of any outgoing connection (every client of Kafka and
# PostgreSQL makes some), which the range below never serves.
_EPHEMERAL_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")
_LOWEST = 20000
_handed_out: set[int] = set()
# Its own source of randomness: a test run may seed the `random` module alike in every worker.
_pick = random.SystemRandom()


def _candidates() -> range | None:
    try:
        low = int(_EPHEMERAL_RANGE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return range(_LOWEST, low) if low - _LOWEST >= 1000 else None


def _bindable(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port() -> int:
    """A loopback port nothing listens on, not handed out before by this process. Picked at random below the
    ephemeral range, so that test workers starting servers side by side rarely pick the same one; where that
    range is unknown or too small, the kernel's pick."""
    candidates = _candidates()
    if candidates is not None:
        for _ in range(200):
            port = _pick.choice(candidates)
            if port not in _handed_out and _bindable(port):
                _handed_out.add(port)
                return port
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    _handed_out.add(port)
    return port


def wait_for_port(port: int, timeout: float, is_alive=lambda: True) -> bool:
    """True once something accepts connections on 127.0.0.1:`port`; False on timeout or death."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and is_alive():
        with socket.socket() as sock:
            sock.settimeout(0.5)
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.1)
    return False
