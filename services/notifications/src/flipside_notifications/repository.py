"""asyncpg queries on the `notifications` schema, inside the caller's transaction."""

from __future__ import annotations

from dataclasses import astuple, dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import asyncpg

from flipside_shared.events import ParticipantProfile

from .conversation_repository import ConversationRepository
from .domain.messages import MessageDue
from .domain.preferences import Preferences, QuietHours

WEBHOOK = "webhook"
PARTNER_GRACE = timedelta(seconds=10)


@dataclass(frozen=True)
class Lane:
    """One of `of` senders of a channel working side by side: it takes the recipients whose id hashes to
    `index`, so each person's messages keep their order while others' go out beside them."""

    index: int
    of: int


ONE_LANE = Lane(0, 1)


@dataclass(frozen=True)
class Claim:
    """A dispatcher round's hold on the deliveries it took: `claim_id` records their outcomes, `until` is when
    another round may take over the ones still unrecorded."""

    claim_id: UUID
    until: datetime


@dataclass(frozen=True)
class Outcome:
    """What became of one claimed delivery: its new status (`pending` again to retry, wait or give it back),
    whether it was attempted, why not, and when it is due next or went out."""

    delivery_id: UUID
    status: str
    attempted: bool = False
    error: str | None = None
    next_attempt_at: datetime | None = None
    sent_at: datetime | None = None
    drop_context: bool = False


def _in_lane(column: str, of_parameter: int) -> str:
    """SQL: the row's `column` (a recipient id) hashes to the lane given as parameters $`of_parameter` (how many
    lanes) and the one after it (which lane)."""
    return f"(hashtext({column}::text) & 2147483647) % ${of_parameter} = ${of_parameter + 1}"


class NotificationsRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    @property
    def conversations(self) -> ConversationRepository:
        """What conversation guides are chosen from, on the same connection."""
        return ConversationRepository(self._conn)

    # People

    async def save_recipient(self, participant_id: UUID, profile: ParticipantProfile) -> None:
        await self._conn.execute(
            "INSERT INTO recipients (participant_id, display_name, email, locale, time_zone) VALUES ($1, $2, $3, $4, $5)"
            " ON CONFLICT (participant_id) DO UPDATE SET display_name = EXCLUDED.display_name,"
            " email = EXCLUDED.email, locale = EXCLUDED.locale, time_zone = EXCLUDED.time_zone",
            participant_id,
            profile.display_name,
            profile.email,
            profile.locale,
            profile.time_zone,
        )

    async def update_recipient(self, participant_id: UUID, profile: ParticipantProfile) -> None:
        """A changed profile, for someone already known: an update never brings back an erased person."""
        await self._conn.execute(
            "UPDATE recipients SET display_name = $2, email = $3, locale = $4, time_zone = $5 WHERE participant_id = $1",
            participant_id,
            profile.display_name,
            profile.email,
            profile.locale,
            profile.time_zone,
        )

    async def forget(self, participant_id: UUID) -> None:
        """Erasure: no address, name or chat URL kept, and nothing more sent to them."""
        await self._conn.execute("DELETE FROM recipients WHERE participant_id = $1", participant_id)
        await self._conn.execute("DELETE FROM preferences WHERE participant_id = $1", participant_id)
        await self._conn.execute(
            "UPDATE deliveries SET status = 'skipped', last_error = 'recipient erased'"
            " WHERE recipient_id = $1 AND status IN ('pending', 'held')",
            participant_id,
        )
        # Copies of their own events (profile included) still waiting for, or refused by, a subscriber.
        await self._conn.execute(
            "UPDATE deliveries SET context = '{}', status = CASE WHEN status = 'pending' THEN 'skipped' ELSE status END,"
            " last_error = coalesce(last_error, 'subject erased')"
            " WHERE channel = 'webhook' AND context->>'subject' = ($1::uuid)::text",
            participant_id,
        )

    async def display_names(self, participant_ids: list[UUID]) -> dict[UUID, str]:
        rows = await self._conn.fetch(
            "SELECT participant_id, display_name FROM recipients WHERE participant_id = ANY($1::uuid[])",
            participant_ids,
        )
        return {row["participant_id"]: row["display_name"] for row in rows}

    async def is_known(self, participant_id: UUID) -> bool:
        return await self._conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM recipients WHERE participant_id = $1)", participant_id
        )

    async def locale_of(self, participant_id: UUID) -> str | None:
        """The locale of the recipient's profile; None for someone not (or no longer) known."""
        return await self._conn.fetchval("SELECT locale FROM recipients WHERE participant_id = $1", participant_id)

    async def link_generation(self, participant_id: UUID) -> int | None:
        """Which of the recipient's unsubscribe links are valid; None for someone not (or no longer) known."""
        return await self._conn.fetchval(
            "SELECT link_generation FROM recipients WHERE participant_id = $1", participant_id
        )

    async def rotate_links(self, participant_id: UUID) -> int | None:
        """Revoke the recipient's unsubscribe links; the new generation, or None for someone not known."""
        return await self._conn.fetchval(
            "UPDATE recipients SET link_generation = link_generation + 1 WHERE participant_id = $1 RETURNING link_generation",
            participant_id,
        )

    # Preferences

    async def preferences_of(self, participant_id: UUID) -> Preferences:
        row = await self._conn.fetchrow("SELECT * FROM preferences WHERE participant_id = $1", participant_id)
        return preferences_from(row)

    async def save_preferences(self, participant_id: UUID, preferences: Preferences) -> None:
        quiet = preferences.quiet_hours
        await self._conn.execute(
            "INSERT INTO preferences (participant_id, channels, muted_kinds, quiet_hours_start, quiet_hours_end, digest,"
            " digest_time, slack_webhook_url, teams_webhook_url, language) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
            " ON CONFLICT (participant_id) DO UPDATE SET channels = EXCLUDED.channels, muted_kinds = EXCLUDED.muted_kinds,"
            " quiet_hours_start = EXCLUDED.quiet_hours_start, quiet_hours_end = EXCLUDED.quiet_hours_end,"
            " digest = EXCLUDED.digest, digest_time = EXCLUDED.digest_time, slack_webhook_url = EXCLUDED.slack_webhook_url,"
            " teams_webhook_url = EXCLUDED.teams_webhook_url, language = EXCLUDED.language, updated_at = now()",
            participant_id,
            sorted(preferences.channels),
            sorted(preferences.muted_kinds),
            quiet.start if quiet else None,
            quiet.end if quiet else None,
            preferences.digest,
            preferences.digest_time,
            preferences.chat_urls.get("slack"),
            preferences.chat_urls.get("teams"),
            preferences.language,
        )
        if not preferences.digest:
            # Whoever leaves digests gets what was waiting for the next one now.
            await self._conn.execute(
                "UPDATE deliveries SET status = 'pending', next_attempt_at = now() WHERE recipient_id = $1 AND status = 'held'",
                participant_id,
            )

    # Owing

    async def channels_of(self, participant_ids: list[UUID]) -> dict[UUID, list[str]]:
        rows = await self._conn.fetch(
            "SELECT participant_id, channels FROM preferences WHERE participant_id = ANY($1::uuid[])", participant_ids
        )
        return {row["participant_id"]: row["channels"] for row in rows}

    async def add_deliveries(
        self, event_id: UUID, correlation_id: UUID | None, deliveries: list[tuple[MessageDue, str]]
    ) -> None:
        """Each (message, channel) owed for the event, once: a redelivered event adds nothing."""
        await self._conn.executemany(
            "INSERT INTO deliveries (delivery_id, event_id, recipient_id, channel, template, context, correlation_id)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (event_id, recipient_id, channel) DO NOTHING",
            [
                (uuid4(), event_id, m.recipient_id, channel, m.template, m.context, correlation_id)
                for m, channel in deliveries
            ],
        )

    async def owe_webhooks(
        self, event_id: UUID, correlation_id: UUID | None, event_type: str, body: dict[str, Any]
    ) -> None:
        await self._conn.execute(
            "INSERT INTO deliveries (delivery_id, event_id, recipient_id, channel, template, context, correlation_id)"
            " SELECT gen_random_uuid(), $1, subscription_id, 'webhook', $2, $3, $4 FROM webhook_subscriptions"
            " WHERE $2 = ANY(event_types) ON CONFLICT (event_id, recipient_id, channel) DO NOTHING",
            event_id,
            event_type,
            body,
            correlation_id,
        )

    # Dispatching

    async def claim_sendable(
        self,
        now: datetime,
        limit: int,
        channel: str,
        lane: Lane,
        claim: Claim,
    ) -> list[asyncpg.Record]:
        """Claim pending deliveries on `channel` whose recipient is known and falls in `lane`, for `claim`:
        other rounds pass over them until it is recorded or its time is up.

        Events on different topics arrive in no guaranteed order: a delivery whose recipient has not
        enrolled here yet simply waits, and one that names a partner waits up to PARTNER_GRACE for
        the partner's enrolment (after that, or if the partner was erased, it says "your partner").
        """
        return await self._conn.fetch(
            "WITH due AS (SELECT d.delivery_id FROM deliveries d"
            " LEFT JOIN recipients r ON d.channel <> 'webhook' AND r.participant_id = d.recipient_id"
            " LEFT JOIN webhook_subscriptions s ON d.channel = 'webhook' AND s.subscription_id = d.recipient_id"
            " WHERE d.status = 'pending' AND d.channel = $3 AND d.next_attempt_at <= $1"
            " AND (d.claimed_until IS NULL OR d.claimed_until <= $1)"
            f" AND {_in_lane('d.recipient_id', 5)}"
            " AND (r.participant_id IS NOT NULL OR s.subscription_id IS NOT NULL)"
            " AND (d.context->>'partner_id' IS NULL OR d.created_at < $1 - $4::interval OR EXISTS"
            " (SELECT 1 FROM recipients p WHERE p.participant_id = (d.context->>'partner_id')::uuid))"
            " ORDER BY d.next_attempt_at LIMIT $2 FOR UPDATE OF d SKIP LOCKED),"
            " claimed AS (UPDATE deliveries d SET claimed_by = $7, claimed_until = $8 FROM due"
            " WHERE d.delivery_id = due.delivery_id RETURNING d.*)"
            " SELECT d.delivery_id, d.event_id, d.recipient_id, d.channel, d.template, d.context, d.attempts, d.correlation_id,"
            " r.display_name, r.email, r.locale, r.time_zone, COALESCE(r.link_generation, 0) AS link_generation,"
            " (SELECT p.display_name FROM recipients p WHERE p.participant_id = (d.context->>'partner_id')::uuid) AS partner_name,"
            " pr.channels, pr.muted_kinds, pr.quiet_hours_start, pr.quiet_hours_end, pr.digest, pr.digest_time,"
            " pr.slack_webhook_url, pr.teams_webhook_url, pr.language, s.url AS webhook_url, s.secret AS webhook_secret"
            " FROM claimed d"
            " LEFT JOIN recipients r ON d.channel <> 'webhook' AND r.participant_id = d.recipient_id"
            " LEFT JOIN preferences pr ON d.channel <> 'webhook' AND pr.participant_id = d.recipient_id"
            " LEFT JOIN webhook_subscriptions s ON d.channel = 'webhook' AND s.subscription_id = d.recipient_id"
            " ORDER BY d.next_attempt_at",
            now,
            limit,
            channel,
            PARTNER_GRACE,
            lane.of,
            lane.index,
            claim.claim_id,
            claim.until,
        )

    async def gather_due_digests(self, now: datetime, limit: int, channel: str, lane: Lane = ONE_LANE) -> int:
        """Fold held deliveries on `channel` whose digest time has come into one digest delivery per recipient
        (of the lane's recipients: a person's held messages are never split between two senders' digests)."""
        held = await self._conn.fetch(
            "SELECT delivery_id, event_id, recipient_id, template, context, correlation_id FROM deliveries"
            " WHERE status = 'held' AND channel = $3 AND next_attempt_at <= $1"
            f" AND {_in_lane('recipient_id', 4)} ORDER BY recipient_id, created_at"
            " LIMIT $2 FOR UPDATE SKIP LOCKED",
            now,
            limit,
            channel,
            lane.of,
            lane.index,
        )
        groups: dict[UUID, list[asyncpg.Record]] = {}
        for row in held:
            groups.setdefault(row["recipient_id"], []).append(row)
        for recipient_id, rows in groups.items():
            digest_id = uuid4()
            items = [
                {
                    "template": r["template"],
                    "context": r["context"],
                    "delivery_id": str(r["delivery_id"]),
                    "event_id": str(r["event_id"]),
                }
                for r in rows
            ]
            await self._conn.execute(
                "INSERT INTO deliveries (delivery_id, event_id, recipient_id, channel, template, context, correlation_id)"
                " VALUES ($1, $1, $2, $3, 'digest', $4, $5)",
                digest_id,
                recipient_id,
                channel,
                {"items": items},
                rows[0]["correlation_id"],
            )
            await self._conn.execute(
                "UPDATE deliveries SET status = 'digested', digest_id = $2 WHERE delivery_id = ANY($1::uuid[])",
                [r["delivery_id"] for r in rows],
                digest_id,
            )
        return len(held)

    async def record(self, claim: Claim, outcomes: list[Outcome]) -> set[UUID]:
        """Each outcome of the round `claim`, in one statement; the ids recorded. A delivery whose claim was
        taken over after it lapsed, or that was settled meanwhile (its recipient erased), is left as it is."""
        if not outcomes:
            return set()
        columns = zip(*(astuple(outcome) for outcome in outcomes), strict=True)
        recorded = await self._conn.fetch(
            "UPDATE deliveries d SET status = o.status, attempts = d.attempts + o.attempted::int,"
            " last_error = coalesce(o.error, d.last_error), next_attempt_at = coalesce(o.next_attempt_at, d.next_attempt_at),"
            " sent_at = coalesce(o.sent_at, d.sent_at), context = CASE WHEN o.drop_context THEN '{}'::jsonb ELSE d.context END,"
            " claimed_by = NULL, claimed_until = NULL"
            " FROM unnest($2::uuid[], $3::text[], $4::boolean[], $5::text[], $6::timestamptz[], $7::timestamptz[], $8::boolean[])"
            " AS o(delivery_id, status, attempted, error, next_attempt_at, sent_at, drop_context)"
            " WHERE d.delivery_id = o.delivery_id AND d.claimed_by = $1 AND d.status = 'pending'"
            " RETURNING d.delivery_id",
            claim.claim_id,
            *(list(column) for column in columns),
        )
        return {row["delivery_id"] for row in recorded}

    # Reading

    async def deliveries_of(self, recipient_id: UUID) -> list[asyncpg.Record]:
        return await self._conn.fetch(
            "SELECT delivery_id, event_id, channel, template, status, attempts, last_error, next_attempt_at, digest_id,"
            " created_at, sent_at FROM deliveries WHERE recipient_id = $1 ORDER BY created_at",
            recipient_id,
        )

    # Webhook subscriptions

    async def add_subscription(self, url: str, secret: str, event_types: list[str], description: str) -> UUID:
        return await self._conn.fetchval(
            "INSERT INTO webhook_subscriptions (subscription_id, url, secret, event_types, description)"
            " VALUES ($1, $2, $3, $4, $5) RETURNING subscription_id",
            uuid4(),
            url,
            secret,
            event_types,
            description,
        )

    async def subscriptions(self) -> list[asyncpg.Record]:
        return await self._conn.fetch(
            "SELECT subscription_id, url, event_types, description, created_at FROM webhook_subscriptions ORDER BY created_at"
        )

    async def remove_subscription(self, subscription_id: UUID) -> bool:
        removed = await self._conn.execute(
            "DELETE FROM webhook_subscriptions WHERE subscription_id = $1", subscription_id
        )
        await self._conn.execute(
            "UPDATE deliveries SET status = 'skipped', last_error = 'subscription removed'"
            " WHERE recipient_id = $1 AND channel = 'webhook' AND status = 'pending'",
            subscription_id,
        )
        return removed != "DELETE 0"


def preferences_from(row: asyncpg.Record | dict[str, Any] | None) -> Preferences:
    """A participant's preferences from their row (or a claimed delivery's), the defaults without one."""
    if row is None or row["channels"] is None:
        return Preferences()
    quiet = (
        QuietHours(row["quiet_hours_start"], row["quiet_hours_end"]) if row["quiet_hours_start"] is not None else None
    )
    chat_urls = {
        name: url for name, url in (("slack", row["slack_webhook_url"]), ("teams", row["teams_webhook_url"])) if url
    }
    return Preferences(
        channels=frozenset(row["channels"]),
        muted_kinds=frozenset(row["muted_kinds"]),
        quiet_hours=quiet,
        digest=row["digest"],
        digest_time=row["digest_time"],
        chat_urls=chat_urls,
        language=row["language"],
    )
