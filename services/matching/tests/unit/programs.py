"""Synthetic programs and policies the engine's unit tests share."""

import random
from dataclasses import replace
from datetime import date

from hypothesis import strategies as st

from flipside_matching import synthetic
from flipside_matching.domain.model import Participant, ProgramPolicy, Weights
from flipside_matching.domain.taxonomy import Taxonomy

TAXONOMY = Taxonomy.load()
WEEK = date(2026, 3, 2)


def program(size: int, seed: int, exclusions: float = 0.0, partners: float = 0.0) -> list[Participant]:
    """A synthetic program, with some exclusions and earlier partners sprinkled in: cells a space bars."""
    people = synthetic.participants(size, seed=seed)
    rng = random.Random(seed)
    ids = [p.participant_id for p in people]
    changed = []
    for person in people:
        excluded = [rng.choice(ids)] if rng.random() < exclusions else []
        before = frozenset({rng.choice(ids)}) if rng.random() < partners else frozenset()
        changed.append(
            replace(person, profile=person.profile.model_copy(update={"exclusions": excluded}), partners=before)
        )
    return changed


policies = st.builds(
    ProgramPolicy,
    direction=st.sampled_from(["reverse", "ordinary"]),
    min_grade_gap=st.integers(0, 4),
    min_overlap_minutes=st.sampled_from([0, 60, 600, 1500]),
    length_weeks=st.integers(1, 30),
    weights=st.builds(Weights, interests=st.floats(0.01, 2), cross_department=st.floats(0, 2)),
)
