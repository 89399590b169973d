"""A conversation guide for each session: two to four prompts chosen from what the pair wants to learn from each
other, different from one session to the next. Built-in prompts per area in English and German; a lead may
replace an area's prompts for their program."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

PROMPTS_PER_SESSION = 3
KICKOFF = "kickoff"
GENERAL = "general"

# What a skill or goal is about, by words in its name (people name them freely; matching's taxonomy is its own).
AREA_WORDS: dict[str, tuple[str, ...]] = {
    "social_media": ("social", "tiktok", "instagram", "linkedin", "video", "reels", "influencer", "creator", "content"),
    "ai_and_data": ("ai", "genai", "chatgpt", "llms?", "machine learning", "data", "analytics", "python", "automation"),
    "digital_tools": ("digital", "tools?", "collaboration", "remote", "hybrid", "slack", "teams", "notion", "figma"),
    "customers": ("customers?", "gen z", "younger", "consumers?", "users?", "ux", "community", "communities"),
    "leadership": ("leadership", "leading", "management", "managing", "people", "coaching", "decisions?"),
    "strategy": ("strategy", "strategic", "business", "finance", "planning", "stakeholders?", "budget"),
    "career": ("career", "networking", "visibility", "presenting", "presentation", "public speaking", "negotiation"),
}
AREAS = (KICKOFF, *AREA_WORDS, GENERAL)
_PATTERNS = {area: re.compile(rf"\b({'|'.join(words)})\b", re.IGNORECASE) for area, words in AREA_WORDS.items()}


@dataclass(frozen=True)
class LearningAreas:
    """What one person brings and wants, by name, as their profile says."""

    skills: tuple[str, ...]
    goals: tuple[str, ...]


def areas_of(names: Sequence[str]) -> list[str]:
    """The areas these skills or goals are about, in their order, each once."""
    found: list[str] = []
    for name in names:
        for area, pattern in _PATTERNS.items():
            if pattern.search(name) and area not in found:
                found.append(area)
    return found


def focus_areas(mentor: LearningAreas, mentee: LearningAreas) -> list[str]:
    """Where the pair meets first: what the mentee wants that the mentor brings (the reverse mentoring itself),
    then what the mentor wants that the mentee brings, then the rest of what either wants."""
    mentee_wants, mentor_brings = areas_of(mentee.goals), areas_of(mentor.skills)
    mentor_wants, mentee_brings = areas_of(mentor.goals), areas_of(mentee.skills)
    ordered = [a for a in mentee_wants if a in mentor_brings] + [a for a in mentor_wants if a in mentee_brings]
    ordered += mentee_wants + mentor_wants
    return list(dict.fromkeys(ordered))


def choose_prompts(areas: Sequence[str], occurrence: int, library: Mapping[str, Sequence[str]]) -> list[str]:
    """The prompts for session `occurrence` (0: the kickoff): a kickoff opener first, then one prompt from each focus
    area in turn (starting further along each session), topped up with general ones; never the same prompt twice."""
    start = (occurrence - 1) % len(areas) if areas and occurrence > 0 else 0
    sources = ([KICKOFF] if occurrence == 0 else []) + list(areas[start:]) + list(areas[:start]) + [GENERAL]
    chosen: list[str] = []
    for turn in range(PROMPTS_PER_SESSION + 1):
        for area in sources:
            prompts = library.get(area) or ()
            if prompts and (prompt := prompts[(occurrence + turn) % len(prompts)]) not in chosen:
                chosen.append(prompt)
            if len(chosen) == PROMPTS_PER_SESSION:
                return chosen
    return chosen


def library_for(language: str, program_prompts: Mapping[str, Sequence[str]]) -> dict[str, Sequence[str]]:
    """The built-in prompts in the language (English where there are none in it), with the program's own in place of
    the built-in ones of each area the lead rewrote."""
    built_in = {area: texts.get(language) or texts["en"] for area, texts in BUILT_IN.items()}
    return {**built_in, **{area: prompts for area, prompts in program_prompts.items() if prompts}}


BUILT_IN: dict[str, dict[str, tuple[str, ...]]] = {
    KICKOFF: {
        "en": (
            "What made each of you sign up, and what would make this worthwhile in three months?",
            "What should stay between the two of you, and how will you tell each other when something does not work?",
        ),
        "de": (
            "Warum haben Sie beide mitgemacht, und was würde sich in drei Monaten gelohnt haben?",
            "Was bleibt unter Ihnen beiden, und wie sagen Sie einander, wenn etwas nicht passt?",
        ),
    },
    "social_media": {
        "en": (
            "Scroll through a feed together: what catches the mentor's eye, and why does the mentee scroll past?",
            "Which post from your own company would the mentor's friends share, and which would they never see?",
            "Try one small post or reel together: what would make it feel authentic?",
        ),
        "de": (
            "Scrollen Sie gemeinsam durch einen Feed: Was fällt dem Mentor auf, und warum scrollt der Mentee weiter?",
            "Welchen Beitrag Ihres Unternehmens würden die Freunde des Mentors teilen, welchen nie sehen?",
            "Probieren Sie gemeinsam einen kleinen Beitrag aus: Was würde ihn authentisch wirken lassen?",
        ),
    },
    "ai_and_data": {
        "en": (
            "Give an AI assistant a real task from the mentee's week, together: what worked, what would you check?",
            "Where does the mentor already use data or AI without thinking about it?",
            "Which decision in the mentee's area could be made with better data, and what stops it?",
        ),
        "de": (
            "Geben Sie gemeinsam einem KI-Assistenten eine echte Aufgabe aus der Woche des Mentees: Was klappte, was "
            "würden Sie prüfen?",
            "Wo nutzt der Mentor Daten oder KI schon, ohne darüber nachzudenken?",
            "Welche Entscheidung im Bereich des Mentees ließe sich mit besseren Daten treffen, und was hält davon ab?",
        ),
    },
    "digital_tools": {
        "en": (
            "Show each other how you spend a working day on screen: what would you swap?",
            "Which meeting of the mentee's could be a message, a shared document or nothing?",
            "Pick one tool the mentor uses daily and set it up for the mentee's next task.",
        ),
        "de": (
            "Zeigen Sie einander, wie Ihr Arbeitstag am Bildschirm aussieht: Was würden Sie tauschen?",
            "Welches Meeting des Mentees könnte eine Nachricht, ein geteiltes Dokument oder gar nichts sein?",
            "Wählen Sie ein Werkzeug, das der Mentor täglich nutzt, und richten Sie es für die nächste Aufgabe des "
            "Mentees ein.",
        ),
    },
    "customers": {
        "en": (
            "How would the mentor's friends describe your company, in their own words?",
            "Walk through buying or using one of your products as a younger customer would: where do you give up?",
            "What do younger customers expect that your company does not yet see?",
        ),
        "de": (
            "Wie würden die Freunde des Mentors Ihr Unternehmen in eigenen Worten beschreiben?",
            "Gehen Sie den Kauf oder die Nutzung eines Ihrer Produkte durch wie eine jüngere Kundin: Wo geben Sie auf?",
            "Was erwarten jüngere Kundinnen und Kunden, das Ihr Unternehmen noch nicht sieht?",
        ),
    },
    "leadership": {
        "en": (
            "Tell the story of a hard decision the mentee made: what would the mentor have wanted to know at the time?",
            "What does good leadership look like from where the mentor sits, and what does the mentee see from above?",
            "How does the mentee ask for honest feedback, and how could they make it easier to give?",
        ),
        "de": (
            "Erzählen Sie von einer schweren Entscheidung des Mentees: Was hätte der Mentor damals wissen wollen?",
            "Wie sieht gute Führung aus der Sicht des Mentors aus, und was sieht der Mentee von oben?",
            "Wie bittet der Mentee um ehrliches Feedback, und wie ließe es sich leichter geben?",
        ),
    },
    "strategy": {
        "en": (
            "Explain one of this year's company priorities in five minutes: what surprised the mentor?",
            "How is a big decision really made here, and who is in the room?",
            "Which trend the mentor sees could change your strategy in five years?",
        ),
        "de": (
            "Erklären Sie in fünf Minuten eine Priorität des Unternehmens für dieses Jahr: Was überrascht den Mentor?",
            "Wie fällt hier eine große Entscheidung wirklich, und wer ist dabei?",
            "Welcher Trend, den der Mentor sieht, könnte Ihre Strategie in fünf Jahren verändern?",
        ),
    },
    "career": {
        "en": (
            "What helped the mentee at the mentor's stage of their career, and what would they skip today?",
            "Who should the mentor know, and how would they approach them?",
            "Rehearse a short pitch of the mentor's current work, and give each other feedback.",
        ),
        "de": (
            "Was half dem Mentee in der Karrierephase des Mentors, und was würde er heute auslassen?",
            "Wen sollte der Mentor kennen, und wie würde er auf diese Person zugehen?",
            "Üben Sie einen kurzen Pitch der aktuellen Arbeit des Mentors und geben Sie einander Feedback.",
        ),
    },
    GENERAL: {
        "en": (
            "What did each of you try since you last met, and what came of it?",
            "What is one thing each of you will do differently before you meet again?",
            "What was the most useful moment of your sessions so far, and why?",
        ),
        "de": (
            "Was haben Sie beide seit dem letzten Treffen ausprobiert, und was ist daraus geworden?",
            "Was machen Sie beide bis zum nächsten Treffen anders?",
            "Was war bisher der nützlichste Moment Ihrer Treffen, und warum?",
        ),
    },
}
