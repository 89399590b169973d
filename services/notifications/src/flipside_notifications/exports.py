"""What notifications holds about one person, for their export: how to reach them, their choices, the messages
owed or sent to them."""

from __future__ import annotations

from flipside_shared.personal_data import PersonalDataQueries

PERSONAL_DATA: PersonalDataQueries = {
    "recipients": "SELECT * FROM recipients WHERE participant_id = $1",
    "preferences": "SELECT * FROM preferences WHERE participant_id = $1",
    "deliveries": (
        "SELECT delivery_id, event_id, recipient_id, channel, template, context, status, attempts, last_error,"
        " created_at, sent_at, digest_id FROM deliveries WHERE recipient_id = $1 ORDER BY created_at"
    ),
    "learning_areas": "SELECT * FROM learning_areas WHERE participant_id = $1",
    "pair_members": "SELECT * FROM pair_members WHERE $1 IN (mentor_id, mentee_id, proposed_by)",
    "unmatched_in_runs": "SELECT * FROM unmatched_in_runs WHERE participant_id = $1 ORDER BY seen_at",
}
