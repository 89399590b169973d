"""What matching holds about one person, for their export: their profile, pairs, proposals, why they wait, the
agreement they accepted, and the record an identity provider or a lead's import brought them with.

Why a pair is at risk is left out, as it is from the pair's own pages: it is judged from both people's answers.
"""

from __future__ import annotations

from flipside_shared.personal_data import PersonalDataQueries

PERSONAL_DATA: PersonalDataQueries = {
    "participants": "SELECT * FROM participants WHERE participant_id = $1",
    "pairs": "SELECT * FROM pairs WHERE $1 IN (mentor_id, mentee_id) ORDER BY created_at",
    "proposals": "SELECT * FROM proposals WHERE $1 IN (mentor_id, mentee_id, proposed_by) ORDER BY created_at",
    "unmatched": "SELECT * FROM unmatched WHERE participant_id = $1",
    "audit_demographics": "SELECT * FROM audit_demographics WHERE participant_id = $1 ORDER BY attribute",
    "agreement_acceptances": "SELECT * FROM agreement_acceptances WHERE participant_id = $1",
    "scim_users": "SELECT * FROM scim_users WHERE participant_id = $1",
    "imported_people": "SELECT * FROM imported_people WHERE participant_id = $1",
}
