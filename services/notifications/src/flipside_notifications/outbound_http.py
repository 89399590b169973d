"""Posting to Slack, Teams and subscribers' webhooks over HTTPS with httpx."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import httpx
from standardwebhooks.webhooks import Webhook

from .domain.failures import SendFailed, http_failure


class HttpPoster:
    def __init__(self, timeout_seconds: float) -> None:
        # No redirects: a webhook that moved must be configured anew, not followed blindly.
        self._client = httpx.AsyncClient(timeout=timeout_seconds, follow_redirects=False)

    async def post_json(self, url: str, payload: dict[str, Any]) -> None:
        await self._post(url, json.dumps(payload).encode(), {})

    async def post_signed(self, url: str, secret: str, message_id: UUID, body: str) -> None:
        """Standard Webhooks: `webhook-id` (stable across retries, the receiver's idempotency key),
        `webhook-timestamp`, and `webhook-signature` over id, timestamp and body."""
        now = datetime.now(UTC)
        headers = {
            "webhook-id": str(message_id),
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": Webhook(secret).sign(str(message_id), now, body),
        }
        await self._post(url, body.encode(), headers)

    async def close(self) -> None:
        await self._client.aclose()

    async def _post(self, url: str, body: bytes, headers: dict[str, str]) -> None:
        try:
            response = await self._client.post(url, content=body, headers={"content-type": "application/json", **headers})
        except httpx.HTTPError as error:
            raise SendFailed(f"unreachable: {type(error).__name__}: {error}", permanent=False) from None
        if response.is_success:
            return
        raise http_failure(response.status_code, response.text, response.headers.get("retry-after"), datetime.now(UTC))
