"""Posts to Slack, Teams and webhooks against local servers on 127.0.0.1: addresses checked before connecting (host
names resolved by a stub, so no test ever reaches past loopback), one deadline per post, answers cut short."""

import asyncio
import socket
import ssl
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from ipaddress import ip_address, ip_network
from uuid import uuid4

import httpcore
import pytest

from flipside_devstack.tls import issue_loopback_certificates
from flipside_notifications.domain.endpoints import OutboundRules
from flipside_notifications.domain.failures import SendFailed
from flipside_notifications.outbound_http import MAX_ANSWER_BYTES, HttpPoster

LOOPBACK = (ip_network("127.0.0.1/32"),)
SECRET = "whsec_" + "c2VjcmV0" * 4
HUGE = 64 * 1024 * 1024


class StubResolver:
    """Answers each look-up of a name with the next of its answers (the last one again when they run out)."""

    def __init__(self, answers: dict[str, list[list[str]]]) -> None:
        self.answers = {name: list(each) for name, each in answers.items()}
        self.lookups: list[str] = []

    async def __call__(self, host: str, port: int):
        self.lookups.append(host)
        queue = self.answers[host]
        return [ip_address(a) for a in (queue.pop(0) if len(queue) > 1 else queue[0])]


class LocalServer:
    """A raw HTTP server on 127.0.0.1 that answers each request with `answer(writer)`; counts connections."""

    def __init__(
        self, answer: Callable[[asyncio.StreamWriter], Awaitable[None]], tls: ssl.SSLContext | None = None
    ) -> None:
        self.answer, self.tls = answer, tls
        self.connections = 0
        self.requests: list[bytes] = []

    async def __aenter__(self) -> "LocalServer":
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0, ssl=self.tls)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *_: object) -> None:
        self.server.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while head := await reader.readuntil(b"\r\n\r\n"):
                length = next(
                    (
                        int(line.split(b":")[1])
                        for line in head.split(b"\r\n")
                        if line.lower().startswith(b"content-length")
                    ),
                    0,
                )
                self.requests.append(head + await reader.readexactly(length))
                await self.answer(writer)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


def answering(status: int, body: bytes = b"ok", headers: str = "") -> Callable[[asyncio.StreamWriter], Awaitable[None]]:
    async def answer(writer: asyncio.StreamWriter) -> None:
        writer.write(f"HTTP/1.1 {status} X\r\nContent-Length: {len(body)}\r\n{headers}\r\n".encode() + body)
        await writer.drain()

    return answer


@pytest.fixture
def connections(monkeypatch):
    """Every TCP connection the poster opens, by address; none is opened to anything but loopback."""
    opened: list[str] = []
    real_connect = httpcore.AnyIOBackend.connect_tcp

    async def connect_tcp(self, host, port, *args, **kwargs):
        opened.append(host)
        if not ip_address(host).is_loopback:
            raise httpcore.ConnectError(f"test refuses to leave loopback: {host}")
        return await real_connect(self, host, port, *args, **kwargs)

    monkeypatch.setattr(httpcore.AnyIOBackend, "connect_tcp", connect_tcp)
    return opened


def poster(resolver=None, deadline: float = 5, allowed=LOOPBACK, chat_hosts=None) -> HttpPoster:
    rules = OutboundRules(chat_hosts=chat_hosts or {}, allow_plain_http=True, allowed_networks=allowed)
    return HttpPoster(rules, deadline, resolver) if resolver else HttpPoster(rules, deadline)


@pytest.mark.parametrize(
    "address",
    [
        "10.0.0.1",
        "172.16.0.1",
        "192.168.0.1",
        "127.0.0.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "fd00::1",
        "fe80::1",
        "::1",
        "::ffff:10.0.0.1",
        "::ffff:169.254.169.254",
        "64:ff9b::a00:1",
        "2002:a00:1::1",
        "224.0.0.1",
    ],
)
async def test_a_webhook_host_resolving_to_a_non_public_address_is_refused_before_any_connection(address, connections):
    resolver = StubResolver({"hooks.example.test": [[address]]})
    http = poster(resolver, allowed=())
    try:
        with pytest.raises(SendFailed) as refused:
            await http.post_signed("https://hooks.example.test/in", SECRET, uuid4(), "{}")
    finally:
        await http.close()
    assert refused.value.permanent and refused.value.reason.startswith("not sent: the host is at a "), (
        refused.value.reason
    )
    assert connections == [] and resolver.lookups == ["hooks.example.test"]


async def test_a_name_that_does_not_resolve_is_a_temporary_failure(connections):
    async def unknown(host: str, port: int):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    http = poster(unknown, allowed=())
    try:
        with pytest.raises(SendFailed) as failed:
            await http.post_signed("https://gone.example.test/in", SECRET, uuid4(), "{}")
    finally:
        await http.close()
    assert failed.value.reason == "the host name does not resolve" and not failed.value.permanent and connections == []


async def test_one_non_public_address_among_public_ones_refuses_the_host(connections):
    resolver = StubResolver({"hooks.example.test": [["93.184.215.14", "10.0.0.1"]]})
    http = poster(resolver, allowed=())
    try:
        with pytest.raises(SendFailed, match="private"):
            await http.post_signed("https://hooks.example.test/in", SECRET, uuid4(), "{}")
    finally:
        await http.close()
    assert connections == []


async def test_a_name_that_rebinds_to_loopback_after_its_check_never_reaches_loopback(connections):
    """The first look-up answers a public address, any later one loopback: the connection goes to the address that was
    checked (the test's connector stops it there, never leaving loopback), and a new connection that resolves anew is refused."""
    resolver = StubResolver({"rebind.example.test": [["93.184.215.14"], ["127.0.0.1"]]})
    http = poster(resolver, allowed=())
    try:
        with pytest.raises(SendFailed, match="could not connect"):
            await http.post_signed("https://rebind.example.test/in", SECRET, uuid4(), "{}")
        assert connections == ["93.184.215.14"], "connected to the checked address, not to a second answer for the name"
        with pytest.raises(SendFailed, match="loopback"):
            await http.post_signed("https://rebind.example.test/in", SECRET, uuid4(), "{}")
    finally:
        await http.close()
    assert connections == ["93.184.215.14"] and resolver.lookups == ["rebind.example.test"] * 2


async def test_a_name_reaches_its_checked_address_with_the_name_in_the_host_header(connections):
    async with LocalServer(answering(200)) as server:
        resolver = StubResolver({"hooks.example.test": [["127.0.0.1"]]})
        http = poster(resolver)
        try:
            await http.post_signed(f"http://hooks.example.test:{server.port}/in", SECRET, uuid4(), "{}")
        finally:
            await http.close()
    assert connections == ["127.0.0.1"]
    assert f"host: hooks.example.test:{server.port}".encode() in server.requests[0].lower()


async def test_each_checked_address_is_tried_in_turn_when_one_has_no_route(connections):
    async with LocalServer(answering(200)) as server:
        resolver = StubResolver({"hooks.example.test": [["127.0.0.2", "127.0.0.1"]]})  # nothing listens on 127.0.0.2
        http = poster(resolver, allowed=(ip_network("127.0.0.0/8"),))
        try:
            await http.post_signed(f"http://hooks.example.test:{server.port}/in", SECRET, uuid4(), "{}")
        finally:
            await http.close()
    assert connections == ["127.0.0.2", "127.0.0.1"] and len(server.requests) == 1


async def test_tls_names_the_host_and_checks_its_certificate_against_the_name_not_the_address(
    tmp_path, monkeypatch, connections
):
    """The certificate covers `localhost` and 127.0.0.1: a post to another name that resolves to 127.0.0.1 must fail,
    which it would not if the certificate were checked against the address connected to."""
    certificates = issue_loopback_certificates(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(certificates.ca_file))
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(certificates.server_pem)
    names: list[str | None] = []
    tls.sni_callback = lambda _socket, name, _context: names.append(name)
    async with LocalServer(answering(200), tls=tls) as server:
        resolver = StubResolver({"localhost": [["127.0.0.1"]], "other.example.test": [["127.0.0.1"]]})
        hosts = {"slack": (f"localhost:{server.port}", f"other.example.test:{server.port}")}
        http = poster(resolver, chat_hosts=hosts)
        try:
            await http.post_chat("slack", f"https://localhost:{server.port}/services/x", {"text": "hi"})
            with pytest.raises(SendFailed, match="could not connect"):
                await http.post_chat("slack", f"https://other.example.test:{server.port}/services/x", {"text": "hi"})
        finally:
            await http.close()
    assert names == ["localhost", "other.example.test"] and len(server.requests) == 1


async def test_a_receiver_that_trickles_its_answer_is_cut_off_at_the_deadline():
    async def trickle(writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\n")
        while True:  # a header byte now and then: no single read ever waits long
            writer.write(b"X")
            await writer.drain()
            await asyncio.sleep(0.1)

    async with LocalServer(trickle) as server:
        http = poster(deadline=1)
        started = time.monotonic()
        try:
            with pytest.raises(SendFailed) as timed_out:
                await asyncio.wait_for(
                    http.post_signed(f"http://127.0.0.1:{server.port}/in", SECRET, uuid4(), "{}"), 10
                )
        finally:
            await http.close()
    assert timed_out.value.reason == "timed out: no answer within 1 s" and not timed_out.value.permanent
    assert time.monotonic() - started < 2


async def test_a_huge_answer_is_read_no_further_than_a_few_kib():
    sent = 0

    async def endless(writer: asyncio.StreamWriter) -> None:
        nonlocal sent
        writer.write(f"HTTP/1.1 200 OK\r\nContent-Length: {HUGE}\r\n\r\n".encode())
        chunk = b"x" * 65536
        while sent < HUGE:
            writer.write(chunk)
            await writer.drain()
            sent += len(chunk)

    async with LocalServer(endless) as server:
        http = poster()
        tracemalloc.start()
        try:
            await asyncio.wait_for(http.post_signed(f"http://127.0.0.1:{server.port}/in", SECRET, uuid4(), "{}"), 10)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
            await http.close()
        await asyncio.sleep(0.2)
    assert peak < 1024 * 1024, f"{peak} bytes held for a {HUGE}-byte answer"
    assert sent < HUGE // 4, f"the receiver wrote {sent} bytes before the connection was dropped"


async def test_a_short_answer_leaves_its_connection_for_the_next_post():
    async with LocalServer(answering(200, b"x" * (MAX_ANSWER_BYTES // 2))) as server:
        http = poster()
        try:
            for _ in range(3):
                await http.post_signed(f"http://127.0.0.1:{server.port}/in", SECRET, uuid4(), "{}")
        finally:
            await http.close()
    assert server.connections == 1 and len(server.requests) == 3


async def test_a_redirect_is_not_followed_and_the_receivers_text_is_not_the_reason():
    async with LocalServer(answering(200)) as inside:
        moved = answering(302, b"moved to the admin console", f"Location: http://127.0.0.1:{inside.port}/admin\r\n")
        async with (
            LocalServer(moved) as redirecting,
            LocalServer(answering(404, b"db-7.corp: table users missing")) as refusing,
        ):
            http = poster()
            try:
                with pytest.raises(SendFailed) as redirected:
                    await http.post_signed(f"http://127.0.0.1:{redirecting.port}/in", SECRET, uuid4(), "{}")
                with pytest.raises(SendFailed) as refused:
                    await http.post_signed(f"http://127.0.0.1:{refusing.port}/in", SECRET, uuid4(), "{}")
            finally:
                await http.close()
    assert inside.requests == [] and redirected.value.permanent
    assert redirected.value.reason == "the receiving service answered with a redirect, which is not followed (HTTP 302)"
    assert refused.value.reason == "the receiving service refused the message (HTTP 404)"


async def test_a_chat_url_stored_before_the_vendor_hosts_were_enforced_is_refused_at_send_time(connections):
    async with LocalServer(answering(200)) as server:
        http = poster(chat_hosts={"slack": ("hooks.slack.com",), "teams": ("*.webhook.office.com",)})
        try:
            for channel in ("slack", "teams"):
                with pytest.raises(SendFailed) as refused:
                    await http.post_chat(channel, f"http://127.0.0.1:{server.port}/hook", {"text": "hi"})
                assert (
                    refused.value.permanent
                    and refused.value.reason == f"not sent: the {channel} address is not a {channel} incoming webhook"
                )
        finally:
            await http.close()
    assert connections == [] and server.requests == []
