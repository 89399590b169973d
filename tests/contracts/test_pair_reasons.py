"""The reasons matching gives for a pair are said again in the recipient's language by notifications: every
sentence a real matching run gives is one notifications knows, reads as it came in English, and is German in German."""

from datetime import date

from flipside_matching import synthetic
from flipside_matching.domain.engine import run
from flipside_matching.domain.model import ProgramPolicy, Weights
from flipside_matching.domain.taxonomy import Taxonomy
from flipside_notifications.domain.reasons import PATTERNS, WEIGHT, translated_reason
from flipside_notifications.domain.rendering import translations


def reasons_of_real_runs() -> set[str]:
    people = synthetic.participants(50, seed=7)
    found: set[str] = set()
    for direction in ("reverse", "ordinary"):
        policy = ProgramPolicy(direction=direction, min_grade_gap=1, weights=Weights(interests=1, cross_department=1))
        found |= {
            reason for pair in run(people, policy, Taxonomy.load(), date(2026, 3, 2)).pairs for reason in pair.reasons
        }
    return found


def test_every_reason_matching_gives_is_known_kept_in_english_and_translated_in_german():
    reasons = reasons_of_real_runs()
    assert len(reasons) > 20
    english, german = translations("en").gettext, translations("de").gettext
    for reason in reasons:
        sentence = weighted["sentence"] if (weighted := WEIGHT.match(reason)) else reason
        assert any(pattern.match(sentence) for pattern, _ in PATTERNS), f"notifications does not know {reason!r}"
        assert translated_reason(reason, english) == reason
        assert translated_reason(reason, german) != reason, reason
