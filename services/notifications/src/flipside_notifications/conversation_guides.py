"""Conversation guides in session invitations: what notifications learns of each person's skills and goals, and the
prompts it adds to the invitation of each side of a pair, chosen for that pair and that session."""

from __future__ import annotations

from dataclasses import replace

from flipside_shared.events import Event, ParticipantEnrolled, ParticipantErased, ParticipantUpdated, SessionScheduled

from .domain.conversation_prompts import LearningAreas, choose_prompts, focus_areas, library_for
from .domain.messages import MessageDue
from .domain.preferences import Preferences
from .repository import NotificationsRepository


async def learn_areas(repository: NotificationsRepository, event: Event) -> None:
    match event:
        case ParticipantEnrolled() | ParticipantUpdated():
            skills = tuple(skill.name for skill in event.profile.skills)
            goals = tuple(goal.name for goal in event.profile.goals)
            await repository.conversations.remember_areas(event.participant_id, LearningAreas(skills, goals))
        case ParticipantErased():
            await repository.conversations.forget_areas(event.participant_id)


async def with_conversation_guides(
    repository: NotificationsRepository, event: Event, messages: list[MessageDue]
) -> list[MessageDue]:
    """Each side's invitation to a session, with the prompts for it in the language their messages are written in."""
    if not isinstance(event, SessionScheduled):
        return messages
    conversations = repository.conversations
    mentor = await conversations.areas(event.mentor.participant_id)
    mentee = await conversations.areas(event.mentee.participant_id)
    areas = focus_areas(mentor, mentee)
    guided = []
    for message in messages:
        chosen, locale = await conversations.chosen_language(message.recipient_id)
        language = Preferences(language=chosen).language_for(locale)
        library = library_for(language, await conversations.program_prompts(event.program_id, language))
        prompts = choose_prompts(areas, event.occurrence, library)
        guided.append(replace(message, context={**message.context, "conversation_prompts": prompts}))
    return guided
