"""What scheduling holds about one person, for their export: the sessions they attend, their hours and absences."""

from __future__ import annotations

from flipside_shared.personal_data import PersonalDataQueries

PERSONAL_DATA: PersonalDataQueries = {
    "sessions": "SELECT * FROM sessions WHERE $1 IN (mentor_id, mentee_id) ORDER BY starts_at",
    "attendees": "SELECT * FROM attendees WHERE participant_id = $1",
    "absences": "SELECT * FROM absences WHERE participant_id = $1 ORDER BY first_day",
    "feed_generations": "SELECT * FROM feed_generations WHERE participant_id = $1",
}
