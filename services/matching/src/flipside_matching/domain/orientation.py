"""Orientation for both sides of a reverse-mentoring pair: short guides a lead may rewrite for their program, and
the built-in ones, in English and German, that stand in until they do."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

GuideRole = Literal["mentor", "mentee"]
LANGUAGES = ("en", "de")
DEFAULT_LANGUAGE = "en"


@dataclass(frozen=True)
class GuideSection:
    topic: str
    title: str
    body: str


@dataclass(frozen=True)
class OrientationGuide:
    role: GuideRole
    language: str
    sections: tuple[GuideSection, ...]
    built_in: bool


def built_in_guide(role: GuideRole, language: str) -> OrientationGuide:
    """The built-in guide for a role, in the language asked for if there is one, else in English."""
    language = language if language in LANGUAGES else DEFAULT_LANGUAGE
    sections = tuple(GuideSection(topic, *texts[language]) for topic, texts in _BUILT_IN[role])
    return OrientationGuide(role, language, sections, built_in=True)


_BUILT_IN: dict[GuideRole, tuple[tuple[str, dict[str, tuple[str, str]]], ...]] = {
    "mentor": (
        (
            "mentoring_upward",
            {
                "en": (
                    "How to mentor upward",
                    "You were asked because you know something your mentee does not: tools, habits, customers of"
                    " your generation. Start from their questions, show rather than tell, and let them try things"
                    " themselves. You do not need to know everything; saying 'let us find out' is fine.",
                ),
                "de": (
                    "Wie Sie nach oben mentoren",
                    "Sie wurden gefragt, weil Sie etwas wissen, das Ihr Mentee nicht weiß: Werkzeuge, Arbeitsweisen,"
                    " Kundinnen und Kunden Ihrer Generation. Gehen Sie von seinen Fragen aus, zeigen Sie statt zu"
                    " erklären und lassen Sie ihn selbst ausprobieren. Sie müssen nicht alles wissen; 'Finden wir es"
                    " heraus' ist in Ordnung.",
                ),
            },
        ),
        (
            "setting_boundaries",
            {
                "en": (
                    "Setting boundaries",
                    "Your mentee is senior to you, but in these sessions you lead. Agree on time, length and what"
                    " stays between you at the kickoff. You may decline tasks that belong to your mentee's team,"
                    " and nothing you say here is part of your performance review.",
                ),
                "de": (
                    "Grenzen setzen",
                    "Ihr Mentee ist Ihnen übergeordnet, in diesen Gesprächen führen aber Sie. Vereinbaren Sie beim"
                    " Kickoff Zeit, Dauer und was unter Ihnen bleibt. Sie dürfen Aufgaben ablehnen, die in das Team"
                    " Ihres Mentees gehören, und nichts, was Sie hier sagen, fließt in Ihre Beurteilung ein.",
                ),
            },
        ),
        (
            "feedback_to_a_senior",
            {
                "en": (
                    "Giving feedback to a senior",
                    "Be specific and kind: describe what you saw, what it did, and what you would try instead."
                    " Ask before giving feedback that was not asked for. Your honest view is why the program"
                    " exists; your check-in answers are yours alone.",
                ),
                "de": (
                    "Feedback an eine Führungskraft geben",
                    "Seien Sie konkret und freundlich: Beschreiben Sie, was Sie beobachtet haben, was es bewirkt hat"
                    " und was Sie stattdessen versuchen würden. Fragen Sie, bevor Sie ungefragt Feedback geben. Ihre"
                    " ehrliche Sicht ist der Grund für das Programm; Ihre Antworten beim Check-in gehören Ihnen.",
                ),
            },
        ),
    ),
    "mentee": (
        (
            "being_mentored_by_a_junior",
            {
                "en": (
                    "Being mentored by a junior colleague",
                    "Come as a learner: ask the questions you would not ask in a meeting, and try what your mentor"
                    " shows you between sessions. Your seniority stays outside the room; your mentor takes a risk"
                    " in speaking openly upward, so thank them for candour and never bring it back to their team.",
                ),
                "de": (
                    "Von einer jüngeren Kollegin oder einem jüngeren Kollegen lernen",
                    "Kommen Sie als Lernende oder Lernender: Stellen Sie die Fragen, die Sie in keinem Meeting"
                    " stellen würden, und probieren Sie zwischen den Terminen aus, was Ihr Mentor Ihnen zeigt. Ihre"
                    " Position bleibt draußen; Ihr Mentor geht ein Risiko ein, wenn er offen nach oben spricht. Danken"
                    " Sie für Offenheit und tragen Sie nichts in sein Team zurück.",
                ),
            },
        ),
        (
            "giving_back",
            {
                "en": (
                    "What you give back",
                    "Reverse mentoring is mutual: share how decisions are made, how strategy is set and what you"
                    " learnt in your career, when your mentor asks. Offer introductions only when they want them.",
                ),
                "de": (
                    "Was Sie zurückgeben",
                    "Reverse Mentoring ist gegenseitig: Erzählen Sie, wie Entscheidungen fallen, wie Strategie"
                    " entsteht und was Sie in Ihrer Laufbahn gelernt haben, wenn Ihr Mentor fragt. Bieten Sie"
                    " Kontakte nur an, wenn er sie möchte.",
                ),
            },
        ),
    ),
}
