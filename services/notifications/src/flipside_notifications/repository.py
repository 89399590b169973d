"""asyncpg queries on the `notifications` schema, inside the caller's transaction."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import astuple, dataclass
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import asyncpg

from flipside_shared.columns import columns
from flipside_shared.events import ParticipantProfile, ProgramDetails

from .conversation_repository import ConversationRepository
from .domain.messages import MessageDue
from .domain.preferences import Preferences, QuietHours
from .domain.programs import PairMembers, Program, contact_id

WEBHOOK = "webhook"
CONTACT_TIME_ZONE = "UTC"
"""Leads and sponsors come with no time zone; their notices name no time of day."""
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

    async def save_recipients(self, enrolled: Sequence[tuple[UUID, ParticipantProfile]]) -> set[UUID]:
        """Remember enrolled participants, in one statement, a person given twice stored as given last; return
        those new here (not enrolled before)."""
        latest = {participant_id: profile for participant_id, profile in enrolled}
        rows = await self._conn.fetch(
            "INSERT INTO recipients (participant_id, display_name, email, locale, time_zone, program_id)"
            " SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])"
            " ON CONFLICT (participant_id) DO UPDATE SET display_name = EXCLUDED.display_name,"
            " email = EXCLUDED.email, locale = EXCLUDED.locale, time_zone = EXCLUDED.time_zone,"
            " program_id = EXCLUDED.program_id RETURNING participant_id, xmax = 0 AS inserted",
            list(latest),
            [profile.display_name for profile in latest.values()],
            [profile.email for profile in latest.values()],
            [profile.locale for profile in latest.values()],
            [profile.time_zone for profile in latest.values()],
            [profile.program_id for profile in latest.values()],
        )
        return {row["participant_id"] for row in rows if row["inserted"]}

    async def update_recipient(self, participant_id: UUID, profile: ParticipantProfile) -> None:
        """A changed profile, for someone already known: an update never brings back an erased person, nor
        enrols again someone who withdrew."""
        await self._conn.execute(
            "UPDATE recipients SET display_name = $2, email = $3, locale = $4, time_zone = $5,"
            " program_id = CASE WHEN program_id IS NULL THEN NULL ELSE $6 END WHERE participant_id = $1",
            participant_id,
            profile.display_name,
            profile.email,
            profile.locale,
            profile.time_zone,
            profile.program_id,
        )

    async def withdraw(self, participant_id: UUID, program_id: str) -> None:
        """They left the program: its later notices (its closing) are not for them; what is already owed still goes."""
        await self._conn.execute(
            "UPDATE recipients SET program_id = NULL WHERE participant_id = $1 AND program_id = $2",
            participant_id,
            program_id,
        )

    async def forget(self, participant_id: UUID) -> None:
        """Erasure: no address, name or chat URL kept, and nothing more sent to them."""
        await self._conn.execute("DELETE FROM recipients WHERE participant_id = $1", participant_id)
        await self._conn.execute("DELETE FROM preferences WHERE participant_id = $1", participant_id)
        await self._conn.execute("DELETE FROM unmatched_in_runs WHERE participant_id = $1", participant_id)
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

    # Programs and pairs

    async def save_program(self, program_id: str, status: str, details: ProgramDetails, occurred_at: datetime) -> None:
        """The program as its lifecycle event describes it, unless a later event was taken already; its leads and
        sponsors become recipients, and one no longer named by any program is forgotten as an erased person is."""
        taken = await self._conn.fetchval(
            "INSERT INTO programs (program_id, name, status, meeting_kind, meeting_url_template, updated_at)"
            " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (program_id) DO UPDATE SET name = EXCLUDED.name,"
            " status = EXCLUDED.status, meeting_kind = EXCLUDED.meeting_kind,"
            " meeting_url_template = EXCLUDED.meeting_url_template, updated_at = EXCLUDED.updated_at"
            " WHERE programs.updated_at <= EXCLUDED.updated_at RETURNING true",
            program_id,
            details.name,
            status,
            details.meeting_link.kind if details.meeting_link else None,
            details.meeting_link.url_template if details.meeting_link else None,
            occurred_at,
        )
        if not taken:
            return
        named = {
            (contact_id(contact.subject), role): contact
            for role, contacts in (("lead", details.leads), ("sponsor", details.sponsors))
            for contact in contacts
        }
        before = await self._conn.fetch(
            "DELETE FROM program_contacts WHERE program_id = $1 RETURNING contact_id", program_id
        )
        await self._conn.executemany(
            "INSERT INTO recipients (participant_id, display_name, email, locale, time_zone) VALUES ($1, $2, $3, $4, $5)"
            " ON CONFLICT (participant_id) DO UPDATE SET display_name = EXCLUDED.display_name,"
            " email = EXCLUDED.email, locale = EXCLUDED.locale",
            [(id_, c.display_name, c.email, c.locale, CONTACT_TIME_ZONE) for (id_, _), c in named.items()],
        )
        await self._conn.executemany(
            "INSERT INTO program_contacts (program_id, contact_id, role) VALUES ($1, $2, $3)",
            [(program_id, id_, role) for id_, role in named],
        )
        for dropped in {row["contact_id"] for row in before} - {id_ for id_, _ in named}:
            if not await self._conn.fetchval(
                "SELECT EXISTS (SELECT 1 FROM program_contacts WHERE contact_id = $1)", dropped
            ):
                await self.forget(dropped)

    async def program(self, program_id: str, with_members: bool = False) -> Program | None:
        """The program with its leads (and, `with_members`, who is enrolled in it); None while it is not known."""
        row = await self._conn.fetchrow(
            "SELECT name, meeting_url_template,"
            " ARRAY(SELECT contact_id FROM program_contacts c WHERE c.program_id = p.program_id AND role = 'lead'"
            " ORDER BY contact_id) AS lead_ids"
            " FROM programs p WHERE program_id = $1",
            program_id,
        )
        if row is None:
            return None
        members = (
            await self._conn.fetch(
                "SELECT participant_id FROM recipients WHERE program_id = $1 ORDER BY participant_id", program_id
            )
            if with_members
            else []
        )
        return Program(
            program_id,
            row["name"],
            row["meeting_url_template"],
            tuple(row["lead_ids"]),
            tuple(member["participant_id"] for member in members),
        )

    async def programs_of(self, program_ids: list[str]) -> dict[str, Program]:
        """`program` (without members) of several programs in one query; those not known here are left out."""
        rows = await self._conn.fetch(
            "SELECT program_id, name, meeting_url_template,"
            " ARRAY(SELECT contact_id FROM program_contacts c WHERE c.program_id = p.program_id AND role = 'lead'"
            " ORDER BY contact_id) AS lead_ids"
            " FROM programs p WHERE program_id = ANY($1::text[])",
            program_ids,
        )
        return {
            row["program_id"]: Program(
                row["program_id"], row["name"], row["meeting_url_template"], tuple(row["lead_ids"]), ()
            )
            for row in rows
        }

    async def remember_pair(self, pair_id: UUID, program_id: str, members: PairMembers) -> None:
        """Who is in a proposal or pair; a pair made from a proposal keeps who proposed it."""
        await self._conn.execute(
            "INSERT INTO pair_members (pair_id, program_id, mentor_id, mentee_id, proposed_by) VALUES ($1, $2, $3, $4, $5)"
            " ON CONFLICT (pair_id) DO NOTHING",
            pair_id,
            program_id,
            members.mentor_id,
            members.mentee_id,
            members.proposed_by,
        )

    async def remember_pairs(self, pairs: list[tuple[UUID, str, PairMembers]]) -> None:
        """`remember_pair` for each (pair, program, members), in one statement."""
        await self._conn.execute(
            "INSERT INTO pair_members (pair_id, program_id, mentor_id, mentee_id, proposed_by)"
            " SELECT * FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::uuid[], $5::uuid[])"
            " ON CONFLICT (pair_id) DO NOTHING",
            [pair_id for pair_id, _, _ in pairs],
            [program_id for _, program_id, _ in pairs],
            [members.mentor_id for _, _, members in pairs],
            [members.mentee_id for _, _, members in pairs],
            [members.proposed_by for _, _, members in pairs],
        )

    async def pair_members(self, pair_id: UUID) -> PairMembers | None:
        row = await self._conn.fetchrow(
            "SELECT mentor_id, mentee_id, proposed_by FROM pair_members WHERE pair_id = $1", pair_id
        )
        return PairMembers(row["mentor_id"], row["mentee_id"], row["proposed_by"]) if row else None

    async def enrolled_among(self, participant_ids: list[UUID]) -> frozenset[UUID]:
        """Those of `participant_ids` known here and enrolled in a program (not withdrawn)."""
        rows = await self._conn.fetch(
            "SELECT participant_id FROM recipients WHERE participant_id = ANY($1::uuid[]) AND program_id IS NOT NULL",
            participant_ids,
        )
        return frozenset(row["participant_id"] for row in rows)

    # Match runs

    async def note_unmatched(self, run_id: UUID, participant_id: UUID, program_id: str, reasons: list[str]) -> None:
        """Someone a run left without a partner, until the run's summary; nothing once it was summarised."""
        await self._conn.execute(
            "INSERT INTO unmatched_in_runs (run_id, participant_id, program_id, reasons)"
            " SELECT $1, $2, $3, $4 WHERE NOT EXISTS (SELECT 1 FROM summarised_runs WHERE run_id = $1)"
            " ON CONFLICT (run_id, participant_id) DO NOTHING",
            run_id,
            participant_id,
            program_id,
            reasons,
        )

    async def take_quiet_runs(self, quiet_since: datetime, limit: int) -> list[tuple[UUID, str, list[list[str]]]]:
        """Runs with no one added since `quiet_since`, each with its program and everyone's reasons; they are taken:
        marked summarised and their people forgotten, in the caller's transaction."""
        runs = await self._conn.fetch(
            "SELECT run_id, min(program_id) AS program_id FROM unmatched_in_runs GROUP BY run_id"
            " HAVING max(seen_at) < $1 ORDER BY max(seen_at) LIMIT $2",
            quiet_since,
            limit,
        )
        taken = []
        for run in runs:
            rows = await self._conn.fetch(
                "DELETE FROM unmatched_in_runs WHERE run_id = $1 RETURNING reasons", run["run_id"]
            )
            await self._conn.execute(
                "INSERT INTO summarised_runs (run_id) VALUES ($1) ON CONFLICT DO NOTHING", run["run_id"]
            )
            if rows:  # else another replica took the run first
                taken.append((run["run_id"], run["program_id"], [row["reasons"] for row in rows]))
        return taken

    # Weeks of a program

    async def count_activities(self, counts: dict[tuple[str, str, date], int]) -> None:
        """`count_activity` of each (program, what, week) as many times as counted, in one statement."""
        if not counts:
            return
        keys = list(counts)
        await self._conn.execute(
            "INSERT INTO program_activity (program_id, week, what, count)"
            " SELECT p, w, a, n FROM unnest($1::text[], $2::date[], $3::text[], $4::int[]) AS u(p, w, a, n)"
            " WHERE NOT EXISTS (SELECT 1 FROM program_digests d WHERE d.program_id = p AND d.week = w)"
            " ON CONFLICT (program_id, week, what) DO UPDATE SET count = program_activity.count + EXCLUDED.count,"
            " counted_at = now()",
            [program_id for program_id, _, _ in keys],
            [week for _, _, week in keys],
            [what for _, what, _ in keys],
            [counts[key] for key in keys],
        )

    async def take_ended_weeks(
        self, before: date, quiet_since: datetime, limit: int
    ) -> list[tuple[str, date, dict[str, int]]]:
        """Programs' weeks that began before `before`, with nothing counted since `quiet_since`, with their counts;
        they are taken: marked digested and their counts dropped, in the caller's transaction."""
        weeks = await self._conn.fetch(
            "SELECT program_id, week FROM program_activity WHERE week < $1 GROUP BY program_id, week"
            " HAVING max(counted_at) < $2 ORDER BY week LIMIT $3",
            before,
            quiet_since,
            limit,
        )
        taken = []
        for row in weeks:
            claimed = await self._conn.fetchval(
                "INSERT INTO program_digests (program_id, week) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING true",
                row["program_id"],
                row["week"],
            )
            counts = await self._conn.fetch(
                "DELETE FROM program_activity WHERE program_id = $1 AND week = $2 RETURNING what, count",
                row["program_id"],
                row["week"],
            )
            if claimed:  # else another replica took the week first
                taken.append((row["program_id"], row["week"], {c["what"]: c["count"] for c in counts}))
        return taken

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

    async def add_deliveries(self, deliveries: list[tuple[UUID, UUID | None, MessageDue, str]]) -> None:
        """Each (event id, correlation id, message, channel) owed, once, in one statement: a redelivered event
        adds nothing."""
        if not deliveries:
            return
        await self._conn.execute(
            "INSERT INTO deliveries (delivery_id, event_id, recipient_id, channel, template, context, correlation_id)"
            " SELECT gen_random_uuid(), e, r, ch, t, c::jsonb, k"
            " FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::uuid[]) AS u(e, r, ch, t, c, k)"
            " ON CONFLICT (event_id, recipient_id, channel) DO NOTHING",
            [event_id for event_id, _, _, _ in deliveries],
            [m.recipient_id for _, _, m, _ in deliveries],
            [channel for _, _, _, channel in deliveries],
            [m.template for _, _, m, _ in deliveries],
            [json.dumps(m.context) for _, _, m, _ in deliveries],
            [correlation_id for _, correlation_id, _, _ in deliveries],
        )

    async def owe_webhooks(
        self, event_id: UUID, correlation_id: UUID | None, event_type: str, body: dict[str, Any]
    ) -> None:
        await self.owe_webhooks_of([(event_id, correlation_id, event_type, body)])

    async def subscribed_types(self, event_types: list[str]) -> set[str]:
        """Those of the event types some webhook subscriber wants."""
        rows = await self._conn.fetch(
            "SELECT DISTINCT t FROM webhook_subscriptions, unnest(event_types) AS t WHERE t = ANY($1::text[])",
            event_types,
        )
        return {row["t"] for row in rows}

    async def owe_webhooks_of(self, events: list[tuple[UUID, UUID | None, str, dict[str, Any]]]) -> None:
        """A copy of each (event id, correlation id, type, body) for every subscriber of its type, in one statement."""
        await self._conn.execute(
            "INSERT INTO deliveries (delivery_id, event_id, recipient_id, channel, template, context, correlation_id)"
            " SELECT gen_random_uuid(), e, subscription_id, 'webhook', t, b::jsonb, k"
            " FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[]) AS u(e, k, t, b)"
            " JOIN webhook_subscriptions ON t = ANY(event_types)"
            " ON CONFLICT (event_id, recipient_id, channel) DO NOTHING",
            [event_id for event_id, _, _, _ in events],
            [correlation_id for _, correlation_id, _, _ in events],
            [event_type for _, _, event_type, _ in events],
            [json.dumps(body) for _, _, _, body in events],
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
            *columns([astuple(outcome) for outcome in outcomes], 7),
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
