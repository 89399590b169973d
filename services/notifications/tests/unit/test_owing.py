"""What notifications owes for an event, with no broker and no database: the registered handler on a unit of work
without a connection, over an in-memory repository with the few methods it uses."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from flipside_devstack.factories import enrolled, pair_created
from flipside_devstack.fake_units import fake_unit_of_work
from flipside_devstack.kafka_io import envelope
from flipside_notifications.domain.conversation_prompts import LearningAreas
from flipside_notifications.domain.messages import MessageDue
from flipside_notifications.domain.programs import PairMembers, Program
from flipside_notifications.handlers import build_handlers
from flipside_notifications.notices import Notices
from flipside_shared.events import Event, ParticipantProfile


class Links:
    def survey_url(self, request_id: UUID, expires_at: datetime) -> str:
        return f"https://feedback.example/surveys/{request_id}"

    def calendar_feed_url(self, participant_id: UUID, generation: int) -> str:
        return f"https://scheduling.example/calendars/{participant_id}-{generation}.ics"


class InMemoryConversations:
    """Skills and goals as notifications learns them; no program's own prompts."""

    def __init__(self) -> None:
        self.learned: dict[UUID, LearningAreas] = {}

    async def remember_areas_of(self, people: list[tuple[UUID, LearningAreas]]) -> None:
        self.learned |= dict(people)

    async def forget_areas(self, participant_id: UUID) -> None:
        self.learned.pop(participant_id, None)

    async def areas_of(self, participant_ids: list[UUID]) -> dict[UUID, LearningAreas]:
        return {p: self.learned.get(p, LearningAreas((), ())) for p in participant_ids}

    async def chosen_languages(self, participant_ids: list[UUID]) -> dict[UUID, tuple[str | None, str]]:
        return dict.fromkeys(participant_ids, (None, "en"))

    async def program_prompts_of(self, programs: list[tuple[str, str]]) -> dict[tuple[str, str], dict[str, list[str]]]:
        return {}


class InMemoryNotificationsRepository:
    def __init__(self, channels: dict[UUID, list[str]] | None = None) -> None:
        self.conversations = InMemoryConversations()
        self.recipients: dict[UUID, ParticipantProfile] = {}
        self.channels = channels or {}
        """The channels of those who chose theirs."""
        self.deliveries: list[tuple[UUID, str, MessageDue]] = []
        """(cause event id, channel, message) of every delivery owed."""
        self.webhooks: list[tuple[UUID, str, dict[str, Any]]] = []

        self.pairs: dict[UUID, PairMembers] = {}
        self.activity: dict[tuple[str, date, str], int] = {}
        self.programs: set[str] = set()
        """The ids of programs whose lifecycle events were taken."""

    async def save_recipients(self, enrolled: list[tuple[UUID, ParticipantProfile]]) -> set[UUID]:
        new = {participant_id for participant_id, _ in enrolled if participant_id not in self.recipients}
        self.recipients |= dict(enrolled)
        return new

    async def program(self, program_id: str, with_members: bool = False) -> Program | None:
        return Program(program_id, "Pilot") if program_id in self.programs else None

    async def programs_of(self, program_ids: list[str]) -> dict[str, Program]:
        return {p: Program(p, "Pilot") for p in program_ids if p in self.programs}

    async def count_activities(self, counts: dict[tuple[str, str, date], int]) -> None:
        for (program_id, what, week), count in counts.items():
            self.activity[program_id, week, what] = self.activity.get((program_id, week, what), 0) + count

    async def remember_pairs(self, pairs: list[tuple[UUID, str, PairMembers]]) -> None:
        for pair_id, _, members in pairs:
            self.pairs.setdefault(pair_id, members)

    async def channels_of(self, participant_ids: list[UUID]) -> dict[UUID, list[str]]:
        return {p: self.channels[p] for p in participant_ids if p in self.channels}

    async def add_deliveries(self, deliveries: list[tuple[UUID, UUID | None, MessageDue, str]]) -> None:
        self.deliveries += [(event_id, channel, message) for event_id, _, message, channel in deliveries]

    async def subscribed_types(self, event_types: list[str]) -> set[str]:
        return set(event_types)  # a subscriber of every type

    async def owe_webhooks_of(self, events: list[tuple[UUID, UUID | None, str, dict[str, Any]]]) -> None:
        self.webhooks += [(event_id, event_type, body) for event_id, _, event_type, body in events]


async def handle(repository: InMemoryNotificationsRepository, event: Event) -> UUID:
    """Hand `event` to the handler notifications registered for its type; the id of the record it came in."""
    cause = envelope(event)
    handler = build_handlers(Notices(Links())).handler_for(event, inbound=False)
    assert handler is not None, f"notifications consumes {event.ce_type}"
    await handler(fake_unit_of_work(repository, cause=cause), event)
    return cause.id


async def test_a_new_pair_owes_each_of_its_two_people_one_e_mail_and_each_webhook_subscriber_the_event():
    repository = InMemoryNotificationsRepository()
    pair = pair_created()

    event_id = await handle(repository, pair)

    assert sorted(
        (cause, channel, m.recipient_id, m.template) for cause, channel, m in repository.deliveries
    ) == sorted(
        [
            (event_id, "email", pair.mentor.participant_id, "paired"),
            (event_id, "email", pair.mentee.participant_id, "paired"),
        ]
    )
    [(cause, event_type, body)] = repository.webhooks
    assert (cause, event_type) == (event_id, pair.ce_type)
    assert body["data"]["pair_id"] == str(pair.pair_id)


async def test_an_enrolment_is_remembered_for_the_messages_to_come_and_welcomes_once_however_often_it_comes():
    repository = InMemoryNotificationsRepository()
    repository.programs.add("pilot")
    person = enrolled(program_id="pilot")

    await handle(repository, person)
    await handle(repository, person)

    assert repository.recipients == {person.participant_id: person.profile}
    assert [(m.recipient_id, m.template) for _, _, m in repository.deliveries] == [(person.participant_id, "welcome")]


async def test_a_message_is_owed_once_on_each_channel_its_recipient_chose():
    pair = pair_created()
    mentor, mentee = pair.mentor.participant_id, pair.mentee.participant_id
    repository = InMemoryNotificationsRepository(channels={mentor: ["email", "slack", "teams"]})

    await handle(repository, pair)

    assert sorted((m.recipient_id, channel) for _, channel, m in repository.deliveries) == sorted(
        [
            (mentor, "email"),
            (mentor, "slack"),
            (mentor, "teams"),
            (mentee, "email"),
        ]
    )
