"""Conversation guides in session invitations: what notifications learns of each person's skills and goals, and the
prompts it adds to the invitation of each side of a pair, chosen for that pair and that session."""

from __future__ import annotations

from dataclasses import replace
from uuid import UUID

from flipside_shared.events import (
    Event,
    ParticipantEnrolled,
    ParticipantErased,
    ParticipantProfile,
    ParticipantUpdated,
    SessionScheduled,
)

from .domain.conversation_prompts import LearningAreas, choose_prompts, focus_areas, library_for
from .domain.messages import MessageDue
from .domain.preferences import Preferences
from .repository import NotificationsRepository


def areas_of(profile: ParticipantProfile) -> LearningAreas:
    return LearningAreas(tuple(skill.name for skill in profile.skills), tuple(goal.name for goal in profile.goals))


async def learn_areas(repository: NotificationsRepository, event: Event) -> None:
    match event:
        case ParticipantEnrolled() | ParticipantUpdated():
            await repository.conversations.remember_areas_of([(event.participant_id, areas_of(event.profile))])
        case ParticipantErased():
            await repository.conversations.forget_areas(event.participant_id)


async def with_conversation_guides(
    repository: NotificationsRepository, owed: list[tuple[Event, list[MessageDue]]]
) -> list[list[MessageDue]]:
    """The messages of each (event, messages), each side's invitation to a session with the prompts for it in the
    language their messages are written in; what the prompts are chosen from is read once for them all."""
    sessions = [(event, messages) for event, messages in owed if isinstance(event, SessionScheduled)]
    if not sessions:
        return [messages for _, messages in owed]
    conversations = repository.conversations
    areas = await conversations.areas_of(
        sorted({p.participant_id for event, _ in sessions for p in (event.mentor, event.mentee)})
    )
    chosen = await conversations.chosen_languages(
        sorted({m.recipient_id for _, messages in sessions for m in messages})
    )
    languages = {
        recipient_id: Preferences(language=language).language_for(locale)
        for recipient_id, (language, locale) in chosen.items()
    }
    program_prompts = await conversations.program_prompts_of(
        sorted({(event.program_id, languages[m.recipient_id]) for event, messages in sessions for m in messages})
    )
    return [
        _guided(event, messages, areas, languages, program_prompts) if isinstance(event, SessionScheduled) else messages
        for event, messages in owed
    ]


def _guided(
    event: SessionScheduled,
    messages: list[MessageDue],
    areas: dict[UUID, LearningAreas],
    languages: dict[UUID, str],
    program_prompts: dict[tuple[str, str], dict[str, list[str]]],
) -> list[MessageDue]:
    focus = focus_areas(areas[event.mentor.participant_id], areas[event.mentee.participant_id])
    guided = []
    for message in messages:
        language = languages[message.recipient_id]
        library = library_for(language, program_prompts.get((event.program_id, language), {}))
        prompts = choose_prompts(focus, event.occurrence, library)
        guided.append(replace(message, context={**message.context, "conversation_prompts": prompts}))
    return guided
