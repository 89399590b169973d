"""Mentees against mentors of one program, all at once: hard rules as masks, soft factors as arrays.

Everything a rule or factor needs is turned into numbers once (topic vectors through the
taxonomy, availability patterns, grades), so a block of mentees is scored against every
mentor with a few sparse-dense products. The same numbers explain a single pair, so a
pair's published breakdown is exactly what the assignment maximised.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import sys
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cached_property, lru_cache
from typing import cast
from uuid import UUID

import numpy as np
from scipy import sparse

from flipside_shared.events import ParticipantProfile

from .availability import Availability, Pattern, pattern_of
from .model import FACTORS, Participant, ProgramPolicy, spoken_languages
from .reporting import chains, lines_above, managers_of
from .taxonomy import Taxonomy

RULES = ("grade", "reporting_line", "language", "overlap", "excluded")
"""The hard rules a candidate space checks; roles, program and capacity are settled by who is in it."""

CELLS_PER_BLOCK = 2_000_000

DENSE_UP_TO = 1_000_000
"""The most cells (people x features, every kind together) a space holds as dense arrays rather than sparse ones."""

Matrix = sparse.csr_matrix | np.ndarray
"""People (rows) by features: sparse in a large space, dense in a small one."""


class _Vocabulary(dict[str, int]):
    """Names numbered in the order first met: looking a name up numbers it if it is new. A name already met is
    found by the dict itself, without a call into Python: a space looks names up hundreds of times."""

    def __missing__(self, key: str) -> int:
        self[key] = number = len(self)
        return number


@dataclass(frozen=True)
class Candidates:
    """The best-scoring allowed mentors of each mentee: a sparse candidate graph."""

    rows: np.ndarray
    cols: np.ndarray
    scores: np.ndarray


def draw_order(people: Sequence[Participant], draw: str) -> list[Participant]:
    """People in the order of the program's draw: a hash of the draw and each participant id.

    Equal scores are settled by position (the solver and the top-k cut take the first of equals), so ordering
    by id would make the same people lose every tie; the draw spreads those losses, and stays the same for the
    same program, whatever order the people arrive in."""

    def key(person: Participant) -> tuple[bytes, UUID]:
        return _drawn(draw, person.participant_id), person.participant_id

    return sorted(people, key=key)


@lru_cache(maxsize=65_536)
def _drawn(draw: str, participant_id: UUID) -> bytes:
    """Where the draw puts someone: a rolling program's waiting people are drawn again at every arrival."""
    return hashlib.blake2b(f"{draw}/{participant_id}".encode(), digest_size=8).digest()


class CandidateSpace:
    """Mentees (rows) and mentors (columns) of one program, in the order of the program's draw."""

    def __init__(
        self,
        mentees: Sequence[Participant],
        mentors: Sequence[Participant],
        policy: ProgramPolicy,
        taxonomy: Taxonomy,
        first_week: date,
        org: Mapping[UUID, Sequence[UUID]] | None = None,
        draw: str = "",
    ) -> None:
        """`org` adds the managers of people outside the space (already paired, say): a reporting line
        through them still counts. `draw` seeds the order that settles ties (the program's id in a run)."""
        self.mentees = draw_order(mentees, draw)
        self.mentors = draw_order(mentors, draw)
        self.policy = policy
        self.taxonomy = taxonomy
        self.weights = np.array([getattr(policy.weights, name) for name in FACTORS], dtype=np.float32)
        people = self.mentees + self.mentors
        n, rows = len(people), len(self.mentees)

        languages, departments = _Vocabulary(), _Vocabulary()
        patterns: tuple[dict[Pattern, int], dict[Pattern, int]] = ({}, {})
        """The mentees' patterns and the mentors': each side is indexed in its own."""
        spoken: list[dict[int, float]] = []
        pattern_index = np.empty(n, dtype=np.int32)
        department = np.empty(n, dtype=np.int32)
        keep = len(people) <= KEPT_UP_TO
        self._features = [_features_of(person.profile, taxonomy, keep) for person in people]
        self._language_sets = [features.languages for features in self._features]
        for i, features in enumerate(self._features):
            spoken.append({languages[language]: 1.0 for language in features.languages})
            side = patterns[0] if i < rows else patterns[1]
            pattern_index[i] = side.setdefault(features.pattern, len(side))
            department[i] = departments[features.department]

        availability = Availability(list(patterns[0]), list(patterns[1]), first_week, policy.length_weeks)
        self._overlap = availability.overlap_minutes
        self._row_weekly, self._col_weekly = availability.row_weekly_minutes, availability.col_weekly_minutes
        self._row_count = rows
        dense_languages = n * len(languages) <= DENSE_UP_TO
        self._row_languages = _matrix(spoken[:rows], len(languages), dense_languages)
        self._col_languages = np.ascontiguousarray(_array(_matrix(spoken[rows:], len(languages), dense_languages)).T)
        grade = np.array([p.profile.grade for p in people], dtype=np.int32)
        self._row_grade, self._col_grade = grade[:rows], grade[rows:]
        self._row_pattern, self._col_pattern = pattern_index[:rows], pattern_index[rows:]
        self._row_department, self._col_department = department[:rows], department[rows:]
        self.slots = np.array([m.mentor_slots for m in self.mentors], dtype=np.int32)
        self._barred = self._barred_cells(people, rows, org or {})

    # What only scoring needs is built on the first score asked for: a rolling arrival asks most of its spaces
    # only who fits (`rule_masks`), and for small spaces building these cost more than all the rest.
    @cached_property
    def _topic_features(self) -> dict[str, tuple[list[dict[int, float]], int]]:
        """Each kind of topic feature: every person's (mentees first), numbered in this space, and how many."""
        topics, interests, styles = _Vocabulary(), _Vocabulary(), _Vocabulary()
        skills: list[dict[int, float]] = []
        goals: list[dict[int, float]] = []
        liked: list[dict[int, float]] = []
        style: list[dict[int, float]] = []
        for features in self._features:
            skills.append({topics[topic]: value for topic, value in features.offered.items()})
            goals.append({topics[topic]: share for topic, share in features.wanted.items()})
            hobbies = {interests[name] for name in features.interests}
            liked.append({h: 1 / math.sqrt(len(hobbies)) for h in hobbies})
            style.append({styles[key]: 0.5 for key in features.styles})
        return {
            "skills": (skills, len(topics)),
            "goals": (goals, len(topics)),
            "interests": (liked, len(interests)),
            "style": (style, len(styles)),
        }

    @cached_property
    def _dense(self) -> bool:
        """Whether this space holds its topic features as dense arrays: small spaces (a rolling arrival's, a
        suggestion's) do, as scipy's sparse matrices cost tens of microseconds of Python per operation, more than
        such a space's arithmetic."""
        widths = sum(width for _, width in self._topic_features.values())
        return len(self._features) * widths <= DENSE_UP_TO

    # Each side's matrices are built apart: slicing one matrix of both cost as much again as building it.
    @cached_property
    def _rows(self) -> dict[str, Matrix]:
        return {
            name: _matrix(of[: self._row_count], width, self._dense)
            for name, (of, width) in self._topic_features.items()
        }

    @cached_property
    def _cols(self) -> dict[str, Matrix]:
        return {
            name: _matrix(of[self._row_count :], width, self._dense)
            for name, (of, width) in self._topic_features.items()
        }

    @cached_property
    def _scoring(self) -> _Scoring:
        """Everything folded into two pieces a block needs: one matrix product for the topic factors
        (weights folded into the row side), and one table lookup for the rules and factors that
        depend only on a person's kind (availability pattern, grade, department, languages)."""
        w = dict(zip(FACTORS, self.weights.tolist(), strict=False))
        r, c = self._rows, self._cols
        row_blocks = [
            w["mentor_teaches"] * r["goals"],
            w["mentee_teaches"] * r["skills"],
            w["interests"] * r["interests"],
            w["communication"] * r["style"],
        ]
        col_blocks = [c["skills"], c["goals"], c["interests"], c["style"]]
        row_features = _side_by_side(row_blocks, self._dense).astype(np.float32)
        col_features = np.ascontiguousarray(_array(_side_by_side(col_blocks, self._dense)).T, dtype=np.float32)
        language_sets: dict[frozenset[str], int] = {}
        language_of = np.array(
            [language_sets.setdefault(spoken, len(language_sets)) for spoken in self._language_sets],
            dtype=np.int64,
        )
        sets = list(language_sets)
        shares_language = np.array([[bool(a & b) for b in sets] for a in sets], dtype=bool).reshape(
            len(sets), len(sets)
        )
        pattern = np.concatenate([self._row_pattern, self._col_pattern]).astype(np.int64)
        grade = np.concatenate([self._row_grade, self._col_grade]).astype(np.int64)
        department = np.concatenate([self._row_department, self._col_department]).astype(np.int64)
        gap = self.policy.min_grade_gap

        def when(
            rp: np.ndarray, rl: np.ndarray, cp: np.ndarray, cl: np.ndarray
        ) -> np.ndarray:  # availability pattern and languages: can they meet, and for how much of their time
            overlap = self._overlap[rp, cp]
            shorter = np.minimum(self._row_weekly[rp], self._col_weekly[cp])
            share = np.divide(overlap, shorter, out=np.zeros(overlap.shape, dtype=np.float64), where=shorter > 0)
            allowed = shares_language[rl, cl] & (overlap >= self.policy.min_overlap_minutes)
            return np.where(allowed, w["time_overlap"] * share, -np.inf)

        def where_in_company(
            rg: np.ndarray, rd: np.ndarray, cg: np.ndarray, cd: np.ndarray
        ) -> np.ndarray:  # grade and department: the reverse rule, and the cross-department bonus
            allowed = (rg - cg >= gap) if self.policy.direction == "reverse" else (cg - rg >= gap)
            return np.where(allowed, w["cross_department"] * (rd != cd), -np.inf)

        rows = self._row_count
        lookups = [
            _Lookup.build(np.stack([pattern, language_of], axis=1), rows, when),
            _Lookup.build(np.stack([grade, department], axis=1), rows, where_in_company),
        ]
        every_barred = _cells(
            {
                cell
                for rows_, cols_ in self._barred.values()
                for cell in zip(rows_.tolist(), cols_.tolist(), strict=False)
            }
        )
        return _Scoring(
            row_features, col_features, lookups, [np.isfinite(lookup.table) for lookup in lookups], every_barred
        )

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.mentees), len(self.mentors)

    def _barred_cells(
        self, people: list[Participant], rows: int, org: Mapping[UUID, Sequence[UUID]]
    ) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Per rule, the (row, col) cells it bars: a reporting line, or an exclusion or earlier pair of the two."""
        index = {p.participant_id: i for i, p in enumerate(people)}
        own = managers_of((p.participant_id, p.profile.manager_id, p.profile.reporting_chain) for p in people)
        # Only the lines above the space's people: a rolling match's spaces are small, its org the whole program.
        above = chains(lines_above(own, org))
        barred: dict[str, set[tuple[int, int]]] = {"reporting_line": set(), "excluded": set()}
        for i, person in enumerate(people):
            for rule, others in (
                ("reporting_line", above[person.participant_id]),
                ("excluded", (*person.profile.exclusions, *person.partners)),
            ):
                for j in (index[o] for o in others if o in index):
                    if (i < rows) != (j < rows):
                        barred[rule].add((i, j - rows) if i < rows else (j, i - rows))
        return {rule: _cells(cells) for rule, cells in barred.items()}

    def _allowed_by(self, barred: tuple[np.ndarray, np.ndarray], rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """Where (rows x cols) is not among the `barred` cells."""
        if len(barred[0]) == 0:  # most spaces: no one in them is in another's reporting line or excluded them
            return np.ones((len(rows), len(cols)), dtype=bool)
        row_position = np.full(len(self.mentees), -1, dtype=np.int64)
        row_position[rows] = np.arange(len(rows))
        col_position = np.full(len(self.mentors), -1, dtype=np.int64)
        col_position[cols] = np.arange(len(cols))
        r, c = row_position[barred[0]], col_position[barred[1]]
        inside = (r >= 0) & (c >= 0)
        allowed = np.ones((len(rows), len(cols)), dtype=bool)
        allowed[r[inside], c[inside]] = False
        return allowed

    def rule_masks(self, rows: np.ndarray, cols: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """For each hard rule, where a (row, col) cell passes it; `cols` None means every column."""
        every = np.arange(len(self.mentors))
        cols_ = every if cols is None else cols
        gap = self.policy.min_grade_gap
        row_grade, col_grade = self._row_grade[rows][:, None], self._col_grade[cols_][None, :]
        grade = (row_grade - col_grade >= gap) if self.policy.direction == "reverse" else (col_grade - row_grade >= gap)
        shared = (self._row_languages[rows] @ _columns(self._col_languages, cols)) > 0
        overlap = (
            self._overlap[np.ix_(self._row_pattern[rows], self._col_pattern[cols_])] >= self.policy.min_overlap_minutes
        )
        masks = {"grade": grade, "language": shared, "overlap": overlap}
        masks.update({rule: self._allowed_by(cells, rows, cols_) for rule, cells in self._barred.items()})
        return {rule: masks[rule] for rule in RULES}

    def blocks(self) -> Iterator[np.ndarray]:
        """Rows in blocks small enough to score against every column at once."""
        size = max(1, CELLS_PER_BLOCK // max(1, len(self.mentors)))
        for start in range(0, len(self.mentees), size):
            yield np.arange(start, min(start + size, len(self.mentees)))

    def scored(self, rows: np.ndarray, cols: np.ndarray | None = None) -> np.ndarray:
        """Scores of a block of rows against `cols` (every column when None), -inf where a hard rule is broken."""
        cols_ = np.arange(len(self.mentors)) if cols is None else cols
        scoring = self._scoring
        scores: np.ndarray = _array(scoring.row_features[rows]) @ _columns(scoring.col_features, cols)
        for lookup in scoring.lookups:
            scores += np.take(lookup.table[lookup.row_kind[rows]], lookup.col_kind[cols_], axis=1)
        scores[~self._allowed_by(scoring.every_barred, rows, cols_)] = -np.inf
        return scores

    def allowed(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """Where (rows x cols) passes every hard rule: the masks of `rule_masks` at once, without the scores."""
        scoring = self._scoring
        allowed = self._allowed_by(scoring.every_barred, rows, cols)
        for lookup, table in zip(scoring.lookups, scoring.allowed_tables, strict=True):
            allowed &= table[np.ix_(lookup.row_kind[rows], lookup.col_kind[cols])]
        return allowed

    def scores_of(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """The scores of given (row, col) cells, as a run maximises them (the rules unchecked)."""
        scores: np.ndarray = self.weights.astype(np.float64) @ self.pair_factors(rows, cols).astype(np.float64)
        return scores

    def candidates(self, per_mentee: int) -> Candidates:
        """The `per_mentee` best allowed mentors of each mentee. Of mentors with equal scores at the cut, each
        mentee keeps others (`_cut_key`), so mentees alike in everything do not all keep the same few."""
        found_rows, found_cols, found_scores = [], [], []
        for rows in self.blocks():
            scores = self.scored(rows)
            k = min(per_mentee, scores.shape[1])
            if k == 0:
                continue
            order = (
                np.argpartition(self._cut_key(scores, rows), k - 1, axis=1)[:, :k]
                if k < scores.shape[1]
                else np.tile(np.arange(k), (len(rows), 1))
            )
            best = np.take_along_axis(scores, order, axis=1)
            keep = np.isfinite(best)
            found_rows.append(np.broadcast_to(rows[:, None], order.shape)[keep])
            found_cols.append(order[keep])
            found_scores.append(best[keep])
        if not found_rows:
            empty = np.array([], dtype=np.int64)
            return Candidates(empty, empty, np.array([], dtype=np.float32))
        return Candidates(np.concatenate(found_rows), np.concatenate(found_cols), np.concatenate(found_scores))

    def _cut_key(self, scores: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Lowest first: the negated score, then a turn that starts each row at another column. The turn is far
        below a float32 score's resolution, so it only ever orders equal scores."""
        n = scores.shape[1]
        step = 1e-9 / n
        # The turn ((column - row) mod n) * step, wrapped by one comparison instead of an integer modulo per cell:
        # a fifth of the time on a block, and a block of a large program is millions of cells.
        key: np.ndarray = np.arange(n) * step - (rows * step)[:, None]
        np.add(key, 1e-9, out=key, where=key < 0)
        key -= scores
        return key

    def pair_factors(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """The factors of given (row, col) cells only, shape (factors, cells): for explaining chosen pairs."""
        r, c = self._rows, self._cols
        pattern_r, pattern_c = self._row_pattern[rows], self._col_pattern[cols]
        overlap = self._overlap[pattern_r, pattern_c].astype(np.float32)
        shorter = np.minimum(self._row_weekly[pattern_r], self._col_weekly[pattern_c])

        def dot(row_matrix: str, col_matrix: str) -> np.ndarray:
            left, right = r[row_matrix][rows], c[col_matrix][cols]
            products = left * right if self._dense else left.multiply(right)
            return np.asarray(products.sum(axis=1), dtype=np.float32).ravel()

        return np.stack(
            [
                dot("goals", "skills"),
                dot("skills", "goals"),
                dot("interests", "interests"),
                dot("style", "style"),
                np.divide(overlap, shorter, out=np.zeros_like(overlap), where=shorter > 0),
                (self._row_department[rows] != self._col_department[cols]).astype(np.float32),
            ]
        )

    def breakdowns(self, rows: np.ndarray, cols: np.ndarray) -> list[dict[str, float]]:
        """Each pair's weighted factors: what its score is made of, summing to it."""
        weighted = self.weights[:, None].astype(np.float64) * self.pair_factors(rows, cols).astype(np.float64)
        return [{name: round(float(v), 6) for name, v in zip(FACTORS, column, strict=False)} for column in weighted.T]

    def overlap_minutes(self, row: int, col: int) -> int:
        return int(self._overlap[self._row_pattern[row], self._col_pattern[col]])


@dataclass(frozen=True)
class _Features:
    """What a space reads of one profile, by name: each space numbers the names in the order it meets them."""

    offered: dict[str, float]
    """Topics the person can teach, each at its strongest (similarity x level / 5), in the order first met."""
    wanted: dict[str, float]
    """Topics the person wants to learn, each with its share of their goals' priority."""
    interests: tuple[str, ...]
    styles: tuple[str, ...]
    languages: frozenset[str]
    pattern: Pattern
    department: str

    @classmethod
    def of(cls, p: ParticipantProfile, taxonomy: Taxonomy) -> _Features:
        offered: dict[str, float] = {}
        for skill in p.skills:
            for topic, similarity in taxonomy.neighbourhood(skill.name).items():
                offered[topic] = max(offered.get(topic, 0.0), similarity * skill.level / 5)
        total_priority = sum(goal.priority for goal in p.goals) or 1
        wanted: dict[str, float] = {}
        for goal in p.goals:
            topic = taxonomy.topic(goal.name)
            wanted[topic] = wanted.get(topic, 0.0) + goal.priority / total_priority
        c = p.communication
        return cls(
            offered=offered,
            wanted=wanted,
            interests=tuple(sys.intern(name.strip().casefold()) for name in p.interests),
            styles=tuple(
                sys.intern(f"{field}={value}")
                for field, value in (
                    ("rhythm", c.rhythm),
                    ("mode", c.mode),
                    ("formality", c.formality),
                    ("channel", c.channel),
                )
            ),
            languages=spoken_languages(p),
            pattern=_one_of_equal(pattern_of(p.time_zone, p.working_hours)),
            department=sys.intern(p.department.strip().casefold()),
        )


@lru_cache(maxsize=4096)
def _one_of_equal(pattern: Pattern) -> Pattern:
    """Equal working-hour patterns as one tuple: they repeat (an office's usual hours), and each profile's features
    keep theirs; strings are shared the same way (`sys.intern`)."""
    return pattern


_features: dict[int, tuple[weakref.ref[ParticipantProfile], Taxonomy, _Features]] = {}
"""Each profile's features while the profile lives, by its identity: a rolling program's people (kept between
batches) are read into a new small space at every arrival, and reading a profile through the taxonomy was most
of what such a space cost. Profiles are frozen, so what was read of one stays true."""


KEPT_UP_TO = 2_000
"""The most people a space may hold for their features to be kept: a rolling arrival's spaces hold the newcomer and at
most the longest-waiting candidates it considers; a run's space holds the whole program and reads each profile once,
and keeping 50,000 profiles' features made a run about 4 s slower and 60 MiB larger."""


def _features_of(profile: ParticipantProfile, taxonomy: Taxonomy, keep: bool) -> _Features:
    key = id(profile)
    known = _features.get(key)
    if known is not None and known[0]() is profile and known[1] is taxonomy:
        return known[2]
    features = _Features.of(profile, taxonomy)
    if not keep:
        return features

    def forget(_: weakref.ref[ParticipantProfile]) -> None:
        # Runs as the profile goes, before its identity can be given to another object.
        _features.pop(key, None)

    _features[key] = (weakref.ref(profile, forget), taxonomy, features)
    return features


@dataclass(frozen=True)
class _Scoring:
    row_features: Matrix
    col_features: np.ndarray
    lookups: list[_Lookup]
    allowed_tables: list[np.ndarray]
    every_barred: tuple[np.ndarray, np.ndarray]


@dataclass(frozen=True)
class _Lookup:
    """A term that depends only on a few attributes of each side: computed once per pair of kinds."""

    table: np.ndarray
    row_kind: np.ndarray
    col_kind: np.ndarray

    @classmethod
    def build(cls, attributes: np.ndarray, rows: int, term: Callable[..., np.ndarray]) -> _Lookup:
        """`attributes`: one row per person (mentees first); `term(*row attributes, *col attributes)` -> values."""
        row_kinds, row_kind = _kinds(attributes[:rows])
        col_kinds, col_kind = _kinds(attributes[rows:])
        table = term(
            *(row_kinds[:, i][:, None] for i in range(attributes.shape[1])),
            *(col_kinds[:, i][None, :] for i in range(attributes.shape[1])),
        )
        return cls(np.asarray(table, dtype=np.float32), row_kind, col_kind)


def _kinds(attributes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of `attributes` (integers), in order, and which of them each row is."""
    if len(attributes) == 0:
        return np.zeros((0, attributes.shape[1]), dtype=np.int64), np.zeros(0, dtype=np.int64)
    if len(attributes) == 1:  # a rolling newcomer's side
        return attributes, np.zeros(1, dtype=np.int64)
    # Each row as one number, its columns as the digits of a mixed radix: those numbers sort as the rows do, and
    # a one-dimensional `unique` is several times faster than one along an axis, in a small space and a large one.
    low = attributes.min(axis=0)
    span = attributes.max(axis=0) - low + 1
    if math.prod(span.tolist()) >= 2**62:  # more rows than one int64 can number (a space's two columns never are)
        kinds, kind_of = np.unique(attributes, axis=0, return_inverse=True)
        return kinds, kind_of.ravel()
    place = np.concatenate([np.cumprod(span[:0:-1])[::-1], [1]])
    _, first, kind_of = np.unique((attributes - low) @ place, return_index=True, return_inverse=True)
    return attributes[first], kind_of.ravel()


def _cells(cells: set[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
    """(row, col) pairs as two index arrays."""
    ordered = sorted(cells)
    return np.array([r for r, _ in ordered], dtype=np.int64), np.array([c for _, c in ordered], dtype=np.int64)


def _side_by_side(blocks: list[Matrix], dense: bool) -> Matrix:
    if dense:
        return np.hstack(cast(list[np.ndarray], blocks))
    return sparse.hstack(cast(list[sparse.csr_matrix], blocks)).tocsr()


def _array(matrix: Matrix) -> np.ndarray:
    return matrix if isinstance(matrix, np.ndarray) else matrix.toarray()


def _columns(matrix: np.ndarray, cols: np.ndarray | None) -> np.ndarray:
    return matrix if cols is None else matrix[:, cols]


ROW_BY_ROW_UP_TO = 3
"""The most rows a dense matrix is filled row by row: a rolling arrival's sides of one or two people, where numpy's
calls to gather every row's columns at once cost more than setting each row's."""


def _matrix(rows: list[dict[int, float]], width: int, dense: bool) -> Matrix:
    """Each row's {column: value} as a matrix of `width` columns (at least one)."""
    if dense and len(rows) <= ROW_BY_ROW_UP_TO:
        matrix = np.zeros((len(rows), max(width, 1)), dtype=np.float32)
        for i, row in enumerate(rows):
            if row:
                matrix[i, list(row)] = list(row.values())
        return matrix
    counts = np.fromiter(map(len, rows), dtype=np.int64, count=len(rows))
    cells = int(counts.sum())
    indices = np.fromiter(itertools.chain.from_iterable(rows), dtype=np.int32, count=cells)
    data = np.fromiter(itertools.chain.from_iterable(map(dict.values, rows)), dtype=np.float32, count=cells)
    if dense:
        matrix = np.zeros((len(rows), max(width, 1)), dtype=np.float32)
        matrix[np.repeat(np.arange(len(rows)), counts), indices] = data
        return matrix
    indptr = np.concatenate([[0], np.cumsum(counts)])
    return sparse.csr_matrix((data, indices, indptr), shape=(len(rows), max(width, 1)))
