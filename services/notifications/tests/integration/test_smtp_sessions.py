"""A sender keeps its SMTP session between batches while mail keeps coming, and never loses a message to a
session the relay has ended (a real SMTP server on loopback)."""

import asyncio
from email.message import EmailMessage

from flipside_devstack.smtp import SmtpSink
from flipside_notifications.mailer import WIRE_POLICY, Email, MailRelay
from flipside_notifications.settings import NotificationSettings


class SessionCountingSink(SmtpSink):
    """Counts the sessions opened (one EHLO each)."""

    def __init__(self, port: int | None = None) -> None:
        super().__init__(port)
        self.sessions = 0

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        self.sessions += 1
        return responses


def message(to: str) -> Email:
    text = EmailMessage(policy=WIRE_POLICY)
    text["To"], text["Subject"] = to, "a message"
    text.set_content("hello")
    return Email(to, text.as_bytes())


def relay_to(sink: SmtpSink, idle_seconds: float) -> MailRelay:
    return MailRelay(NotificationSettings(smtp_port=sink.port, smtp_session_idle_seconds=idle_seconds))


async def test_batches_close_together_share_one_session_and_an_idle_one_is_closed():
    sink = SessionCountingSink().start()
    mail = relay_to(sink, idle_seconds=0.5)
    try:
        await mail.send(message("first@example.com"))
        await mail.close_if_idle()  # the end of a batch: the session was just used, it stays
        await mail.send(message("second@example.com"))
        assert sink.sessions == 1
        await asyncio.sleep(0.6)
        await mail.close_if_idle()
        await mail.send(message("third@example.com"))
        assert sink.sessions == 2, "a session left idle longer than the setting is closed, the next batch opens one"
    finally:
        await mail.close()
        sink.stop()
    assert [m["To"] for m in sink.received()] == ["first@example.com", "second@example.com", "third@example.com"]


async def test_without_idle_time_each_batch_has_its_own_session():
    sink = SessionCountingSink().start()
    mail = relay_to(sink, idle_seconds=0)
    try:
        for to in ("first@example.com", "second@example.com"):
            await mail.send(message(to))
            await mail.close_if_idle()
    finally:
        await mail.close()
        sink.stop()
    assert sink.sessions == 2 and len(sink.received()) == 2


async def test_a_session_the_relay_ended_is_replaced_and_the_message_still_goes():
    first = SessionCountingSink().start()
    mail = relay_to(first, idle_seconds=60)
    try:
        await mail.send(message("before@example.com"))
        first.stop()  # the relay restarts: the kept session is gone
        second = SessionCountingSink(first.port).start()
        try:
            await mail.send(message("after@example.com"))
            await mail.close()
        finally:
            second.stop()
    finally:
        await mail.close()
    assert [m["To"] for m in first.received()] == ["before@example.com"]
    assert [m["To"] for m in second.received()] == ["after@example.com"] and second.sessions == 1
