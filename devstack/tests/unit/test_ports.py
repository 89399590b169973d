"""A server started on a port picked for it gets one, even when another process takes the port first."""

from __future__ import annotations

import socket
import textwrap
from pathlib import Path

import httpx
import pytest

from flipside_devstack import ports, service_process
from flipside_devstack.ports import free_port
from flipside_devstack.service_process import ServiceProcess

ECHO_SERVICE = textwrap.dedent(
    """
    import os
    from http.server import BaseHTTPRequestHandler, HTTPServer

    class Ready(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.end_headers()
            self.wfile.write(os.environ["FLIPSIDE_HTTP_PORT"].encode())

    HTTPServer(("127.0.0.1", int(os.environ["FLIPSIDE_HTTP_PORT"])), Ready).serve_forever()
    """
)


def test_ports_handed_out_are_distinct_bindable_and_outside_the_ephemeral_range():
    handed = [free_port() for _ in range(300)]
    assert len(set(handed)) == len(handed)
    candidates = ports._candidates()
    if candidates is not None:
        assert all(port in candidates for port in handed)
    for port in handed[:20]:
        assert ports._bindable(port)


def test_a_service_whose_port_was_taken_starts_again_on_another(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    (tmp_path / "echo_service.py").write_text(ECHO_SERVICE)
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        taken = squatter.getsockname()[1]
        picks = iter([taken])
        monkeypatch.setattr(service_process, "free_port", lambda: next(picks, None) or free_port())
        service = ServiceProcess("echo", {"PYTHONPATH": str(tmp_path)}, tmp_path, module="echo_service")
        with service:
            assert service.port != taken
            assert httpx.get(f"{service.url}/health/ready").text == str(service.port)
        assert "address already in use" in (tmp_path / f"echo-{taken}.log").read_text().lower()


def test_a_port_the_caller_chose_is_kept_and_its_loss_reported(tmp_path: Path):
    (tmp_path / "echo_service.py").write_text(ECHO_SERVICE)
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        taken = squatter.getsockname()[1]
        service = ServiceProcess("echo", {"PYTHONPATH": str(tmp_path)}, tmp_path, port=taken, module="echo_service")
        with pytest.raises(RuntimeError, match=r"(?i)address already in use"):
            service.start(timeout=20)
        assert service.port == taken
