"""E-mail: an owed delivery as a MIME message, sent over a sender's SMTP session."""

from __future__ import annotations

import email.policy
import math
import time
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr
from typing import Any

import aiosmtplib

from .domain.failures import SendFailed, smtp_failure
from .domain.invitation import invitation
from .domain.rendering import RenderedMessage
from .settings import NotificationSettings

# Templates whose e-mail carries the session for calendar apps, and what it asks them to do.
CALENDAR_METHODS = {"session_scheduled": "REQUEST", "session_rescheduled": "REQUEST", "session_cancelled": "CANCEL"}


# Built with the `email.mime` classes and flattened with compat32: a third of the cost of EmailMessage's
# default policy, which reparses every header (the largest cost per message in a profile of the dispatcher).
# RFC 5322 allows 998 characters a line: long subjects and unsubscribe links stay unfolded and readable.
WIRE_POLICY = email.policy.compat32.clone(linesep="\r\n", max_line_length=998)


def compose(delivery: dict[str, Any], rendered: RenderedMessage, sender: str, unsubscribe_url: str) -> Message:
    body = MIMEMultipart("alternative")
    body.attach(MIMEText(rendered.text, "plain", "utf-8"))
    body.attach(MIMEText(rendered.html, "html", "utf-8"))
    message = body
    if method := CALENDAR_METHODS.get(delivery["template"]):
        context = delivery["context"]
        ics = invitation(
            context["session_id"], context["starts_at"], context["duration_minutes"], rendered.subject, sender,
            # Messages owed before events carried a sequence: an invitation was 0, a cancellation 1.
            delivery["email"], method, context.get("sequence", 0 if method == "REQUEST" else 1),
        )
        calendar = MIMEText(ics.decode(), "calendar", "utf-8")
        calendar.set_param("method", method)
        calendar.add_header("Content-Disposition", "attachment", filename="invite.ics")
        message = MIMEMultipart("mixed")
        message.attach(body)
        message.attach(calendar)
    message["From"] = formataddr(("Flipside", sender))
    message["To"] = delivery["email"]
    message["Subject"] = rendered.subject
    # Stable across retries: a relay or mailbox that sees it twice can tell it is the same message.
    message["Message-ID"] = f"<{delivery['delivery_id']}@flipside>"
    # RFC 8058: mail clients offer a one-click unsubscribe that POSTs to the same link.
    message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return message


class MailRelay:
    """One sender's SMTP session, opened on first use, kept between batches while mail keeps coming (opening one costs
    three round trips before the first message) and closed once it has carried nothing for `idle_seconds`, before a
    relay would drop it."""

    def __init__(self, settings: NotificationSettings) -> None:
        self._settings = settings
        self._idle_seconds = settings.smtp_session_idle_seconds
        self._client: aiosmtplib.SMTP | None = None
        self._last_used = -math.inf

    async def send(self, message: Message) -> None:
        try:
            await self._send_on_a_session(message)
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

    async def _send_on_a_session(self, message: Message) -> None:
        client = self._client
        if client is not None and client.is_connected and time.monotonic() - self._last_used < self._idle_seconds:
            try:
                await self._sendmail(client, message)
                return
            except (aiosmtplib.SMTPServerDisconnected, ConnectionError):
                pass  # the relay ended the kept session in between: once more on a new one
        await self.close()
        self._client = await self._connect()
        await self._sendmail(self._client, message)

    async def _sendmail(self, client: aiosmtplib.SMTP, message: Message) -> None:
        # One recipient per message: a refusal is a failure of this message, not a partial success.
        # Flattened here, with our policy: aiosmtplib's own would fold long headers at 78 characters.
        await client.sendmail(self._settings.smtp_sender, [message["To"]], message.as_bytes(policy=WIRE_POLICY))
        self._last_used = time.monotonic()

    async def _connect(self) -> aiosmtplib.SMTP:
        settings = self._settings
        client = aiosmtplib.SMTP(
            hostname=settings.smtp_host, port=settings.smtp_port, start_tls=settings.smtp_starttls,
            username=settings.smtp_username,
            password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
            timeout=settings.smtp_timeout_seconds,
        )
        await client.connect()  # logs in too when a username is set
        return client
