"""Free loopback ports for the local stack's servers."""

from __future__ import annotations

import socket
import time


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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
