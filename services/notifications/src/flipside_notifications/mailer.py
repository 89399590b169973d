"""E-mail: an owed delivery as a MIME message, sent over a sender's SMTP session."""

from __future__ import annotations

import email.policy
import functools
import math
import time
from dataclasses import dataclass
from email.headerregistry import Address, BaseHeader, HeaderRegistry
from email.message import EmailMessage
from typing import Any, Literal
from uuid import uuid4

import aiosmtplib

from .domain.failures import SendFailed, smtp_failure
from .domain.header_text import one_line
from .domain.invitation import invitation
from .domain.rendering import RenderedMessage
from .settings import NotificationSettings

# Templates whose e-mail carries the session for calendar apps, and what it asks them to do.
CALENDAR_METHODS: dict[str, Literal["REQUEST", "CANCEL"]] = {
    "session_scheduled": "REQUEST",
    "session_rescheduled": "REQUEST",
    "session_cancelled": "CANCEL",
}


REPEATING = frozenset({"from", "content-type", "content-transfer-encoding", "mime-version", "list-unsubscribe-post"})
"""Headers whose values repeat from message to message: the same sender, each part's type and encoding."""


def _repeats(name: str, value: Any) -> bool:
    """Whether the header's value is one of those that repeat: a multipart type's is not, its boundary new in every
    message, and kept it would only push out the others."""
    return isinstance(value, str) and name.lower() in REPEATING and "boundary=" not in value


class ReusedHeaders(HeaderRegistry):
    """The standard registry, keeping the class it makes for each header name (the standard one makes a new class on
    every lookup, a dozen times a message), and the headers it parsed of the names whose values repeat from message to
    message: parsing a header value is most of what composing a message costs, and a header is immutable."""

    def __init__(self) -> None:
        super().__init__()
        self._classes: dict[str, type[BaseHeader]] = {}
        self._parsed = functools.lru_cache(maxsize=64)(super().__call__)

    def __getitem__(self, name: str) -> type[BaseHeader]:
        key = name.lower()
        if (made := self._classes.get(key)) is None:
            made = self._classes[key] = super().__getitem__(name)
        return made

    def __call__(self, name: str, value: Any) -> BaseHeader:
        if _repeats(name, value):
            return self._parsed(name, value)
        return super().__call__(name, value)


class WirePolicy(email.policy.EmailPolicy):
    """The standard policy, keeping the wire form of the headers whose values repeat from message to message."""

    def fold_binary(self, name: str, value: Any) -> bytes:
        if _repeats(name, value):
            return _folded(self, name, value)
        return super().fold_binary(name, value)


@functools.lru_cache(maxsize=64)
def _folded(policy: WirePolicy, name: str, value: Any) -> bytes:
    return super(WirePolicy, policy).fold_binary(name, value)


# SMTP's line ends; bodies kept 7-bit (quoted-printable or base64) for relays without 8BITMIME. The policy refuses,
# when flattening, any header value that would start another header. RFC 5322 allows 998 characters a line: subjects
# (cut to 200 characters) and unsubscribe links stay on one line, readable, as mail clients read them; folded at 78,
# a link would be encoded and a subject of 70 characters would begin on a line of its own.
WIRE_POLICY = WirePolicy(linesep="\r\n", cte_type="7bit", max_line_length=998, header_factory=ReusedHeaders())


@functools.lru_cache(maxsize=8)
def from_header(sender: str) -> BaseHeader:
    """The From header of every message from `sender`, parsed once."""
    return WIRE_POLICY.header_factory("From", Address("Flipside", addr_spec=sender))


@dataclass(frozen=True)
class Email:
    """A message ready for the relay: its one envelope recipient and its bytes on the wire."""

    recipient: str
    data: bytes


def compose(delivery: dict[str, Any], rendered: RenderedMessage, sender: str, unsubscribe_url: str) -> Email:
    """The delivery's e-mail. Raises what the email library raises about data that cannot be one (an address that
    is not one, a header value it refuses, text it cannot encode)."""
    recipient = Address(addr_spec=delivery["email"])
    subject = one_line(rendered.subject)
    message = EmailMessage(policy=WIRE_POLICY)
    message["From"] = from_header(sender)
    message["To"] = recipient
    message["Subject"] = subject
    # Stable across retries: a relay or mailbox that sees it twice can tell it is the same message.
    message["Message-ID"] = f"<{delivery['delivery_id']}@flipside>"
    # RFC 8058: mail clients offer a one-click unsubscribe that POSTs to the same link.
    message["List-Unsubscribe"] = f"<{one_line(unsubscribe_url, limit=900)}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(rendered.text)
    message.add_alternative(rendered.html, subtype="html")
    if method := CALENDAR_METHODS.get(delivery["template"]):
        context = delivery["context"]
        ics = invitation(
            context["session_id"],
            context["starts_at"],
            context["duration_minutes"],
            subject,
            sender,
            # Messages owed before events carried a sequence: an invitation was 0, a cancellation 1.
            recipient.addr_spec,
            method,
            context.get("sequence", 0 if method == "REQUEST" else 1),
            context.get("meeting_url"),
        )
        message.add_attachment(ics.decode(), subtype="calendar", filename="invite.ics", params={"method": method})
    # A random boundary cannot occur in the text: the email library would otherwise make one and compile a regular
    # expression to look for it in the text, a tenth of the time spent composing.
    for part in message.walk():
        if part.is_multipart():
            part.set_boundary(f"=_{uuid4().hex}")
    return Email(recipient.addr_spec, message.as_bytes())


class MailRelay:
    """One sender's SMTP session, opened on first use, kept between batches while mail keeps coming (opening one costs
    three round trips before the first message) and closed once it has carried nothing for `idle_seconds`, before a
    relay would drop it."""

    def __init__(self, settings: NotificationSettings) -> None:
        self._settings = settings
        self._idle_seconds = settings.smtp_session_idle_seconds
        self._client: aiosmtplib.SMTP | None = None
        self._last_used = -math.inf

    async def send(self, mail: Email) -> None:
        try:
            await self._send_on_a_session(mail)
        except aiosmtplib.SMTPRecipientsRefused as error:
            first = error.recipients[0]
            raise smtp_failure(f"recipient refused: {first.code} {first.message}", first.code) from None
        except aiosmtplib.SMTPResponseException as error:
            raise smtp_failure(f"SMTP {error.code} {error.message}", error.code) from None
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
            await self.close()
            raise SendFailed(f"relay unreachable: {type(error).__name__}: {error}", permanent=False) from None

    async def close_if_idle(self) -> None:
        if time.monotonic() - self._last_used >= self._idle_seconds:
            await self.close()

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is not None and client.is_connected:
            try:
                await client.quit()
            except (aiosmtplib.SMTPException, OSError, TimeoutError):
                client.close()

    async def _send_on_a_session(self, mail: Email) -> None:
        client = self._client
        if client is not None and client.is_connected and time.monotonic() - self._last_used < self._idle_seconds:
            try:
                await self._sendmail(client, mail)
                return
            except (aiosmtplib.SMTPServerDisconnected, ConnectionError):
                pass  # the relay ended the kept session in between: once more on a new one
        await self.close()
        self._client = await self._connect()
        await self._sendmail(self._client, mail)

    async def _sendmail(self, client: aiosmtplib.SMTP, mail: Email) -> None:
        # One recipient per message: a refusal is a failure of this message, not a partial success.
        await client.sendmail(self._settings.smtp_sender, [mail.recipient], mail.data)
        self._last_used = time.monotonic()

    async def _connect(self) -> aiosmtplib.SMTP:
        settings = self._settings
        client = aiosmtplib.SMTP(
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            start_tls=settings.smtp_starttls,
            username=settings.smtp_username,
            password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
            timeout=settings.smtp_timeout_seconds,
        )
        await client.connect()  # logs in too when a username is set
        return client
