"""Turning an owed delivery into an e-mail on the SMTP relay."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formataddr

import aiosmtplib

from .domain.invitation import invitation
from .domain.rendering import render
from .settings import NotificationSettings


# Templates whose e-mail carries the session for calendar apps, and what it asks them to do.
CALENDAR_METHODS = {"session_scheduled": "REQUEST", "session_rescheduled": "REQUEST", "session_cancelled": "CANCEL"}


class SendFailed(Exception):
    def __init__(self, reason: str, smtp_code: int | None) -> None:
        super().__init__(reason)
        self.smtp_code = smtp_code


def compose(delivery, sender: str) -> EmailMessage:
    context = {
        **delivery["context"],
        "display_name": delivery["display_name"],
        "partner_name": delivery["partner_name"] or "your partner",
        "time_zone": delivery["time_zone"],
    }
    rendered = render(delivery["template"], delivery["locale"], context)
    message = EmailMessage()
    message["From"] = formataddr(("Flipside", sender))
    message["To"] = delivery["email"]
    message["Subject"] = rendered.subject
    # Stable across retries: a relay or mailbox that sees it twice can tell it is the same message.
    message["Message-ID"] = f"<{delivery['delivery_id']}@flipside>"
    message.set_content(rendered.text)
    message.add_alternative(rendered.html, subtype="html")
    if method := CALENDAR_METHODS.get(delivery["template"]):
        ics = invitation(
            context["session_id"], context["starts_at"], context["duration_minutes"], rendered.subject, sender,
            # Messages owed before events carried a sequence: an invitation was 0, a cancellation 1.
            delivery["email"], method, context.get("sequence", 0 if method == "REQUEST" else 1),
        )
        message.add_attachment(ics, maintype="text", subtype="calendar", filename="invite.ics", params={"method": method})
    return message


async def send(message: EmailMessage, settings: NotificationSettings) -> None:
    try:
        await aiosmtplib.send(
            message,
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            start_tls=settings.smtp_starttls,
            username=settings.smtp_username,
            password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
            timeout=settings.smtp_timeout_seconds,
        )
    except aiosmtplib.SMTPRecipientsRefused as error:
        first = error.recipients[0]
        raise SendFailed(f"recipient refused: {first.code} {first.message}", first.code) from None
    except aiosmtplib.SMTPResponseException as error:
        raise SendFailed(f"SMTP {error.code} {error.message}", error.code) from None
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
        raise SendFailed(f"relay unreachable: {type(error).__name__}: {error}", None) from None
