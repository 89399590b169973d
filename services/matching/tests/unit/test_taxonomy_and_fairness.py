from pathlib import Path

import pytest

from flipside_matching.domain.fairness import MIN_CELL, SUPPRESSED_GROUPS, Person, audit, grade_band
from flipside_matching.domain.taxonomy import Taxonomy, TaxonomyError


def test_synonyms_count_fully_and_related_topics_half():
    taxonomy = Taxonomy.load()
    assert taxonomy.similarity("TikTok", "tiktok marketing") == 1.0
    assert taxonomy.similarity("TikTok", "short-form video") == 0.5
    assert taxonomy.similarity("Reels", "TikTok") == 0.5
    assert taxonomy.similarity("TikTok", "budgeting") == 0.0
    assert taxonomy.similarity("Underwater basket weaving", "underwater basket weaving ") == 1.0


def test_a_taxonomy_that_is_ambiguous_or_points_nowhere_is_refused(tmp_path: Path):
    ambiguous = tmp_path / "a.toml"
    ambiguous.write_text('[topics.a]\nsynonyms = ["x"]\n[topics.b]\nsynonyms = ["x"]\n')
    with pytest.raises(TaxonomyError, match="names both"):
        Taxonomy.load(ambiguous)
    dangling = tmp_path / "b.toml"
    dangling.write_text('[topics.a]\nrelated = ["nowhere"]\n')
    with pytest.raises(TaxonomyError, match="not a topic"):
        Taxonomy.load(dangling)


def test_small_groups_are_suppressed_and_the_four_fifths_rule_warns():
    people = (
        [Person({"department": "Sales"}, 0.5)] * 10
        + [Person({"department": "Legal"}, 0.5)] * 3
        + [Person({"department": "Legal"}, None)] * 3
        + [Person({"department": "HR"}, None)] * (MIN_CELL - 1)
    )
    cells = {c.group: c for c in audit(people)}
    assert cells["Sales"].match_rate == 1.0 and cells["Sales"].warning is None
    assert cells["Legal"].match_rate == 0.5 and "four fifths" in cells["Legal"].warning
    suppressed = cells[SUPPRESSED_GROUPS]
    assert suppressed.suppressed and suppressed.people is None and suppressed.match_rate is None


def test_the_names_of_suppressed_groups_are_hidden_too():
    """A value only one or two people declared would say who they are, even without figures."""
    people = [Person({"declared:religion": "majority"}, 0.5)] * MIN_CELL + [
        Person({"declared:religion": "rare"}, None)
    ] * 2
    groups = [c.group for c in audit(people)]
    assert groups == ["majority", SUPPRESSED_GROUPS]


def test_grade_bands_use_the_ladder_names():
    assert grade_band(4, ["a", "b", "c", "d", "e", "f"]) == "d to f"


def test_the_matcher_never_reads_the_declared_demographics():
    """Only the audit's own queries touch the table, and the person's export (what they declared is theirs to see);
    matching's handlers and engine never do."""
    package = Path(__file__).resolve().parents[2] / "src" / "flipside_matching"
    for path in package.rglob("*.py"):
        text = path.read_text()
        if path.relative_to(package).as_posix() in ("repository.py", "exports.py"):
            continue
        assert "audit_demographics" not in text, path
        if path.name != "audit.py":
            assert ".demographics(" not in text, path
