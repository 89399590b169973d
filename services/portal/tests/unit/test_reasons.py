"""Why two people were paired, as sentences: every phrase matching writes becomes one of the catalogue's sentences,
in English and German, without its weight; a phrase of another shape is shown as written."""

from datetime import UTC, date, datetime
from uuid import uuid4

import pytest

from flipside_devstack.factories import profile
from flipside_matching.domain.engine import score_pair
from flipside_matching.domain.model import Participant, ProgramPolicy
from flipside_matching.domain.taxonomy import Taxonomy
from flipside_portal.i18n import translations
from flipside_portal.reasons import sentence, sentences

COMMUNICATION = {"rhythm": "weekly", "mode": "synchronous", "formality": "casual", "channel": "video"}


def in_language(language: str):
    def translate(message: str, **values: str) -> str:
        return translations(language).gettext(message) % values

    return translate


def marked(message: str, **values: str) -> str:
    return "«" + message % values + "»"


@pytest.fixture(scope="module")
def reasons() -> list[str]:
    """Matching's own explanation of a pair where every factor counts."""
    shared = {"interests": ["Chess", "cycling"], "communication": COMMUNICATION}
    mentor = profile(
        role="mentor", grade=2, skills=[{"name": "TikTok"}, {"name": "Python"}], goals=[{"name": "strategy"}], **shared
    )
    mentee = profile(
        role="mentee",
        grade=8,
        department="Finance",
        skills=[{"name": "strategy"}],
        goals=[{"name": "TikTok"}],
        **shared,
    )
    now = datetime(2026, 1, 5, tzinfo=UTC)
    scored = score_pair(
        Participant(uuid4(), mentor, 0, now),
        Participant(uuid4(), mentee, 0, now),
        ProgramPolicy(),
        Taxonomy.load(),
        date(2026, 1, 12),
    )
    return list(scored.reasons)


def test_every_phrase_matching_writes_is_a_sentence_of_the_catalogue(reasons):
    assert len(reasons) >= 5, reasons
    for reason, said in zip(reasons, sentences(reasons, marked), strict=True):
        assert said.startswith("«") and said.endswith(".»"), f"{reason!r} has no sentence"
        assert "(+" not in said, "a person reads the reason, not its weight"


def test_the_reasons_read_in_german(reasons):
    german = sentences(reasons, in_language("de"))
    assert german[0].startswith("Ein Reverse-Mentoring-Paar: Der Mentor steht 6 Stufe(n) unter dem Mentee")
    assert "Der Mentor kann dem Mentee TikTok beibringen." in german
    assert "Über Abteilungsgrenzen hinweg: Engineering und Finance." in german


def test_a_skill_taught_through_another_is_said_so():
    said = sentence("mentor can teach the mentee TikTok, strategy (through leadership) (+0.250)", in_language("de"))
    assert said == "Der Mentor kann dem Mentee TikTok, strategy (über leadership) beibringen."


def test_a_phrase_of_another_shape_is_shown_as_written():
    assert sentence("override: grade rule broken", marked) == "override: grade rule broken"


def test_hours_are_written_as_the_reader_writes_numbers():
    assert sentence("7.5 h of shared working time per week (+0.100)", in_language("de"), "de") == (
        "7,5 Stunden gemeinsame Arbeitszeit pro Woche."
    )
    assert sentence("10.0 h of shared working time per week", marked) == "«10 hours of shared working time every week.»"
