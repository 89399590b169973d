"""What a participant chose about being told things, and when an owed message may go out.

Decided when the message is about to be sent, not when it was owed: muting a kind
or turning off a channel also holds back what is already queued.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flipside_shared.time_zones import zone_named

PERSON_CHANNELS = ("email", "slack", "teams")
LANGUAGES = ("en", "de")
"""The languages messages are written in: one catalogue each."""

# Every template a person can receive belongs to one kind, the unit of muting and of unsubscribe links.
KIND_OF_TEMPLATE = {
    "paired": "pairing",
    "proposal": "pairing",
    "unmatched": "pairing",
    "at_risk": "pairing",
    "session_scheduled": "sessions",
    "session_rescheduled": "sessions",
    "session_cancelled": "sessions",
    "reminder": "reminders",
    "feedback_requested": "feedback",
    "closing_self_assessment_requested": "feedback",
    "recognition": "pairing",
    # The program's own news: a participant's welcome and goodbye, a lead's notices about their program.
    "welcome": "pairing",
    "proposal_ended": "pairing",
    "pair_dissolved": "pairing",
    "program_closing": "pairing",
    "lead_pair_at_risk": "pairing",
    "lead_scheduling_failed": "pairing",
    "lead_unmatched_summary": "pairing",
    "lead_weekly_digest": "pairing",
    "digest": "digest",
}
# The kinds a person can mute. A digest is not one of them: leaving digests means getting messages one by one.
KINDS = ("feedback", "pairing", "reminders", "sessions")
# What an unsubscribe link can stop: a kind, or digests.
LINK_KINDS = (*KINDS, "digest")

# A reminder only makes sense on its own, on time; a digest cannot hold a digest.
NEVER_DIGESTED = {"reminders", "digest"}


@dataclass(frozen=True)
class QuietHours:
    """A local span in which nothing non-urgent is sent; may wrap midnight (22:00-07:00)."""

    start: time
    end: time

    def __post_init__(self) -> None:
        if self.start == self.end:
            raise ValueError("quiet hours need a start and an end that differ")

    def contains(self, local: time) -> bool:
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def ends_after(self, moment: datetime, zone: ZoneInfo) -> datetime:
        """The first end of quiet hours after `moment` (which lies inside them), as an instant."""
        return _next_local(moment, self.end, zone)


@dataclass(frozen=True)
class Preferences:
    channels: frozenset[str] = frozenset({"email"})
    muted_kinds: frozenset[str] = frozenset()
    quiet_hours: QuietHours | None = None
    digest: bool = False
    digest_time: time = time(8, 0)
    chat_urls: dict[str, str] = field(default_factory=dict)
    """The Slack or Teams incoming-webhook URL of each chat channel chosen."""
    language: str | None = None
    """The language chosen for messages; none: the profile's locale."""

    def __post_init__(self) -> None:
        if unknown := self.channels - set(PERSON_CHANNELS):
            raise ValueError(f"unknown channel(s) {sorted(unknown)}; choose from {list(PERSON_CHANNELS)}")
        if not self.channels:
            raise ValueError("choose at least one channel; mute kinds to receive less")
        if unknown := self.muted_kinds - set(KINDS):
            raise ValueError(f"unknown kind(s) {sorted(unknown)}; choose from {list(KINDS)}")
        if missing := sorted(c for c in self.channels - {"email"} if not self.chat_urls.get(c)):
            raise ValueError(f"channel(s) {missing} need their incoming webhook URL")
        if self.language is not None and self.language not in LANGUAGES:
            raise ValueError(f"unknown language {self.language!r}; choose from {list(LANGUAGES)}")

    def language_for(self, profile_locale: str) -> str:
        """The language messages are written in: the one chosen, else the profile's when there is a catalogue
        for it, else English."""
        if self.language is not None:
            return self.language
        spoken = profile_locale.split("-")[0].split("_")[0]
        return spoken if spoken in LANGUAGES else "en"

    def unsubscribed_from(self, kind: str) -> Preferences:
        """What an unsubscribe link leaves: the kind muted, or messages one by one instead of digests."""
        if kind == "digest":
            return replace(self, digest=False)
        return replace(self, muted_kinds=self.muted_kinds | {kind})


@dataclass(frozen=True)
class SendNow:
    pass


@dataclass(frozen=True)
class Skip:
    reason: str


@dataclass(frozen=True)
class WaitUntil:
    at: datetime


@dataclass(frozen=True)
class HoldForDigest:
    at: datetime


Decision = SendNow | Skip | WaitUntil | HoldForDigest


def decide(
    now: datetime,
    preferences: Preferences,
    time_zone: str,
    channel: str,
    template: str,
    session_starts_at: datetime | None,
    urgent_lead: timedelta,
) -> Decision:
    """Send now, later, inside tomorrow's digest, or not at all.

    A message about a session is urgent when waiting would bring it less than
    `urgent_lead` before the session starts: it then ignores quiet hours and digests.
    """
    kind = KIND_OF_TEMPLATE[template]
    if channel not in preferences.channels:
        return Skip(f"channel {channel} turned off")
    if kind in preferences.muted_kinds:
        return Skip(f"{kind} muted")
    zone = zone_named(time_zone)

    def urgent_if_sent_at(moment: datetime) -> bool:
        return session_starts_at is not None and moment + urgent_lead >= session_starts_at

    if preferences.digest and kind not in NEVER_DIGESTED:
        digest_at = _next_local(now, preferences.digest_time, zone)
        if not urgent_if_sent_at(digest_at):
            return HoldForDigest(digest_at)
    quiet = preferences.quiet_hours
    if quiet is not None and quiet.contains(now.astimezone(zone).time()):
        wake = quiet.ends_after(now, zone)
        if not urgent_if_sent_at(wake):
            return WaitUntil(wake)
    return SendNow()


def _next_local(moment: datetime, at: time, zone: ZoneInfo) -> datetime:
    """The next instant after `moment` whose wall clock in `zone` reads `at` (or the first after a skipped hour)."""
    local = moment.astimezone(zone)
    candidate = datetime.combine(local.date(), at, tzinfo=zone)
    if candidate <= local:
        candidate = datetime.combine(local.date() + timedelta(days=1), at, tzinfo=zone)
    # A wall time that does not exist that day (spring forward) normalises to the real instant after it.
    return candidate.astimezone(moment.tzinfo)
