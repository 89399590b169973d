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
}
