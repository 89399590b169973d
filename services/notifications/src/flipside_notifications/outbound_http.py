"""Posting to Slack, Teams and subscribers' webhooks over HTTPS.

Each connection goes to an address that was checked: the host name is resolved once, as the connection is
opened, every answer is checked (`forbidden_because`), and the connection goes to those answers by number
while TLS (SNI and the certificate check) keeps the name. A DNS answer that changes between check and connect
(rebinding) cannot redirect a post, and each kept connection serves the one host name it was opened for.
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncGenerator, Awaitable, Callable, Iterable, Sequence
from contextlib import aclosing
from datetime import UTC, datetime
from ipaddress import ip_address
from typing import Any, cast
from uuid import UUID

import httpcore
import httpx
from standardwebhooks.webhooks import Webhook

from .domain.endpoints import (
    IPAddress,
    IPNetwork,
    OutboundRules,
    checked_chat_url,
    checked_webhook_url,
    forbidden_because,
)
from .domain.failures import SendFailed, http_failure

MAX_ANSWER_BYTES = 4096
"""Of an answer, only this much is read: enough for a short "ok" to end and leave its connection reusable."""

Resolve = Callable[[str, int], Awaitable[list[IPAddress]]]


async def system_resolve(host: str, port: int) -> list[IPAddress]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(ip_address(info[4][0]) for info in infos))


class CheckedAddressBackend(httpcore.AsyncNetworkBackend):
    """Opens TCP connections to public addresses (and `allowed_networks`) only."""

    def __init__(self, allowed_networks: Sequence[IPNetwork], resolve: Resolve) -> None:
        self._allowed_networks = allowed_networks
        self._resolve = resolve
        self._network = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await self._checked_addresses(host, port)
        for address in addresses[:-1]:  # in the resolver's order, as the system would: an IPv6 answer may have no route
            try:
                return await self._network.connect_tcp(str(address), port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout):
                continue
        return await self._network.connect_tcp(str(addresses[-1]), port, timeout, local_address, socket_options)

    async def sleep(self, seconds: float) -> None:
        await self._network.sleep(seconds)

    async def _checked_addresses(self, host: str, port: int) -> list[IPAddress]:
        """The addresses to try; refused when any address the name resolves to is not public (some resolvers
        answer with several, and any of them may be the one connected to)."""
        try:
            addresses = [ip_address(host)]
        except ValueError:
            try:
                addresses = await self._resolve(host, port)
            except OSError:
                addresses = []
        if not addresses:
            raise SendFailed("the host name does not resolve", permanent=False)
        for address in addresses:
            if reason := forbidden_because(address, self._allowed_networks):
                raise SendFailed(f"not sent: the host is at a {reason} address", permanent=True)
        return addresses


class HttpPoster:
    def __init__(self, rules: OutboundRules, deadline_seconds: float, resolve: Resolve = system_resolve) -> None:
        self._rules = rules
        self._deadline_seconds = deadline_seconds
        # httpcore, not httpx: its connections can be opened through a backend that checks the address; it never
        # follows redirects (a webhook that moved must be configured anew).
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            network_backend=CheckedAddressBackend(rules.allowed_networks, resolve),
        )

    async def post_chat(self, channel: str, url: str, payload: dict[str, Any]) -> None:
        """Post to a participant's Slack or Teams webhook, checked again: it may have been stored before the rules."""
        try:
            checked_chat_url(url, channel, self._rules)
        except ValueError:
            raise SendFailed(
                f"not sent: the {channel} address is not a {channel} incoming webhook", permanent=True
            ) from None
        await self._post(url, json.dumps(payload).encode(), {})

    async def post_signed(self, url: str, secret: str, message_id: UUID, body: str) -> None:
        """Standard Webhooks: `webhook-id` (stable across retries, the receiver's idempotency key),
        `webhook-timestamp`, and `webhook-signature` over id, timestamp and body."""
        try:
            checked_webhook_url(url, self._rules)
        except ValueError as error:
            raise SendFailed(f"not sent: the webhook address {error}", permanent=True) from None
        now = datetime.now(UTC)
        headers = {
            "webhook-id": str(message_id),
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": Webhook(secret).sign(str(message_id), now, body),
        }
        await self._post(url, body.encode(), headers)

    async def close(self) -> None:
        await self._pool.aclose()

    async def _post(self, url: str, body: bytes, headers: dict[str, str]) -> None:
        """One post within one deadline for all of it: resolving, connecting, sending and the answer."""
        try:
            async with asyncio.timeout(self._deadline_seconds):
                async with self._pool.stream(
                    "POST",
                    url,
                    headers=[("content-type", "application/json"), *headers.items()],
                    content=body,
                ) as response:
                    await _read_at_most(response, MAX_ANSWER_BYTES)
        except TimeoutError:
            raise SendFailed(f"timed out: no answer within {self._deadline_seconds:g} s", permanent=False) from None
        except httpcore.ConnectError:
            raise SendFailed("could not connect", permanent=False) from None
        except (httpcore.NetworkError, httpcore.ProtocolError, httpcore.TimeoutException):
            raise SendFailed("the connection broke off", permanent=False) from None
        if 200 <= response.status < 300:
            return
        retry_after = next(
            (value.decode("latin-1") for name, value in response.headers if name.lower() == b"retry-after"), None
        )
        raise http_failure(response.status, retry_after, datetime.now(UTC))


async def _read_at_most(response: httpcore.Response, limit: int) -> None:
    """Read the answer up to `limit` bytes and stop: a longer one is cut and its connection closed, so a receiver
    cannot make a sender hold or buffer an endless answer."""
    received = 0
    # httpcore's stream is an async generator; its annotation names only the iterator.
    async with aclosing(cast(AsyncGenerator[bytes, None], response.aiter_stream())) as chunks:
        async for chunk in chunks:
            received += len(chunk)
            if received >= limit:
                return
