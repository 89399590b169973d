"""A pair's health from what the program can observe: ratings and their trend, sessions held or cancelled,
check-ins left unanswered, and how differently the two sides rate their sessions.

Reasons name signals, never a side or an answer: they reach matching, the program lead and subscribers,
and a junior mentor must be able to rate honestly without it being read back to their senior.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise
from statistics import mean

from flipside_shared.events.feedback import HealthStatus

AT_RISK_BELOW = 0.45
WATCH_BELOW = 0.65
RECENT = 4  # the last check-ins that count for level and trend
ASYMMETRY_POINTS = 1.5  # on the 1-5 scale
# Too few events say nothing about a pair: one cancelled kickoff or one missed check-in is life, not a trend.
MIN_SESSIONS_PLANNED = 3
MIN_REQUESTS_EXPIRED = 2


@dataclass(frozen=True)
class Rating:
    role: str  # mentor or mentee
    session_value: int
    safety: float | None  # mean of the psychological-safety items of that answer, 1-5


@dataclass(frozen=True)
class PairSignals:
    ratings: list[Rating] = field(default_factory=list)  # oldest first
    sessions_held: int = 0
    sessions_cancelled: int = 0
    requests_expired: int = 0  # check-in requests past their expiry
    requests_unanswered: int = 0  # of those, left without an answer


@dataclass(frozen=True)
class Judgement:
    score: float
    status: HealthStatus
    reasons: list[str]


def judge(signals: PairSignals) -> Judgement:
    parts: list[tuple[float, float]] = []  # (weight, value 0-1)
    reasons: list[str] = []
    recent = signals.ratings[-RECENT:]
    if recent:
        level = (mean(r.session_value for r in recent) - 1) / 4
        parts.append((0.35, level))
        if level < 0.5:
            reasons.append("recent check-ins rate the sessions low")
        values = [r.session_value for r in recent]
        if len(values) >= 3 and all(a > b for a, b in pairwise(values)) and values[0] - values[-1] >= 2:
            parts.append((0.1, 0.0))
            reasons.append("ratings fell at every recent check-in")
        by_side = {role: [r.session_value for r in recent if r.role == role] for role in ("mentor", "mentee")}
        if all(by_side.values()) and abs(mean(by_side["mentor"]) - mean(by_side["mentee"])) >= ASYMMETRY_POINTS:
            parts.append((0.15, 0.0))
            reasons.append("the two sides rate their sessions very differently")
        safety = [r.safety for r in recent if r.safety is not None]
        if safety:
            parts.append((0.15, (mean(safety) - 1) / 4))
            if mean(safety) < 3:
                reasons.append("speaking freely seems hard in this pair")
    planned = signals.sessions_held + signals.sessions_cancelled
    if planned >= MIN_SESSIONS_PLANNED:
        attendance = signals.sessions_held / planned
        parts.append((0.25, attendance))
        if attendance < 0.5:
            reasons.append(f"{signals.sessions_cancelled} of {planned} sessions were cancelled")
    if signals.requests_expired >= MIN_REQUESTS_EXPIRED:
        answered = 1 - signals.requests_unanswered / signals.requests_expired
        parts.append((0.25, answered))
        if answered < 0.5:
            reasons.append(f"{signals.requests_unanswered} of {signals.requests_expired} check-ins went unanswered")
    if not parts:
        return Judgement(1.0, "healthy", [])
    score = round(sum(w * v for w, v in parts) / sum(w for w, _ in parts), 3)
    status: HealthStatus = "at_risk" if score < AT_RISK_BELOW else "watch" if score < WATCH_BELOW else "healthy"
    return Judgement(score, status, reasons)
