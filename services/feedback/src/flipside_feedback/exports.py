"""What feedback holds about one person, for their export: their own answers, goals and scores, never their
partner's.

A pair's health (its score, status and reasons) is left out: it is judged from both people's answers, and its
reasons could repeat what the partner said. Concerns hold no id, only the keyed hash of who raised them: feedback
makes the person's hash (as erasure does) to find theirs, and gives their words without the hash.
"""

from __future__ import annotations

from flipside_shared.personal_data import KeyedQuery, PersonalDataQueries

CONTRIBUTOR = "contributor"
"""The key of a person's concerns: `FeedbackLoop.contributor_hash`."""

PERSONAL_DATA: PersonalDataQueries = {
    "participants": "SELECT * FROM participants WHERE participant_id = $1",
    "pairs": (
        "SELECT pair_id, program_id, mentor_id, mentee_id, created_at, ended_at, end_reason"
        " FROM pairs WHERE $1 IN (mentor_id, mentee_id) ORDER BY created_at"
    ),
    "proposals": "SELECT * FROM proposals WHERE $1 IN (mentor_id, mentee_id) ORDER BY proposed_at",
    "feedback_requests": "SELECT * FROM feedback_requests WHERE participant_id = $1 ORDER BY created_at",
    "responses": (
        "SELECT r.* FROM responses r JOIN feedback_requests q USING (request_id)"
        " WHERE q.participant_id = $1 ORDER BY r.submitted_at"
    ),
    "goals": "SELECT * FROM goals WHERE owner_id = $1 ORDER BY set_at",
    "self_assessments": "SELECT * FROM self_assessments WHERE participant_id = $1 ORDER BY recorded_at",
    "concerns": KeyedQuery(
        "SELECT concern_id, program_id, theme, body, raised_on FROM concerns WHERE contributor_hash = $1 ORDER BY raised_on",
        CONTRIBUTOR,
    ),
    "recognitions": (
        "SELECT r.* FROM recognitions r JOIN pairs p USING (pair_id)"
        " WHERE $1 IN (p.mentor_id, p.mentee_id) ORDER BY r.awarded_at"
    ),
    "closing_requests": "SELECT * FROM closing_requests WHERE participant_id = $1 ORDER BY created_at",
    "withdrawals": "SELECT * FROM withdrawals WHERE participant_id = $1 ORDER BY withdrawn_at",
    # A story is the pair's own, which both read; it is shared further only while both consent.
    "success_stories": "SELECT * FROM success_stories WHERE $1 IN (mentor_id, mentee_id)",
}
