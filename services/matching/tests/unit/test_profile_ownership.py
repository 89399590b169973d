from uuid import uuid4

from flipside_matching.domain.profile_ownership import hr_owned_changes
from flipside_shared.synthetic import enrolments


def test_hr_owned_fields_changed_are_named_and_the_persons_own_are_not():
    profile = enrolments(1, "pilot", seed=3)[0].profile
    changed = profile.model_copy(
        update={
            "grade": profile.grade + 1,
            "department": "Elsewhere",
            "reporting_chain": [uuid4()],
            "exclusions": [uuid4()],
            "skills": [],
            "hours_per_month": 8,
            "display_name": "New Name",
        }
    )
    assert hr_owned_changes(profile, changed) == ["grade", "department", "reporting_chain", "exclusions"]
    assert hr_owned_changes(profile, profile.model_copy(update={"interests": ["chess"]})) == []
