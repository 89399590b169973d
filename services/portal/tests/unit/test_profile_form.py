"""The profile form both ways: a profile as the form shows it and back unchanged, topics by the taxonomy's names,
and every error under the field it is about."""

from starlette.datastructures import FormData

from flipside_portal.pages.profile_form import Topics, form_errors, form_values, read_form

TAXONOMY = {
    "skills": [
        {"id": "TikTok", "label": "TikTok", "synonyms": ["douyin"], "related": []},
        {"id": "strategy", "label": "strategy", "synonyms": [], "related": []},
    ],
    "communication": {"rhythm": ["weekly", "fortnightly", "monthly"]},
}
PROFILE = {
    "display_name": "Mia Example",
    "email": "mia@example.com",
    "role": "mentor",
    "grade": 1,
    "department": "Marketing",
    "time_zone": "Europe/Berlin",
    "working_hours": [
        {"weekday": 0, "start": "09:00:00", "end": "17:00:00"},
        {"weekday": 3, "start": "13:30:00", "end": "18:00:00"},
    ],
    "languages": ["en", "de"],
    "interests": ["climbing"],
    "skills": [{"name": "TikTok", "level": 5}],
    "goals": [{"name": "strategy", "priority": 2}],
    "communication": {"rhythm": "weekly", "mode": "written", "formality": "formal", "channel": "chat"},
    "capacity": 2,
    "hours_per_month": 6,
}


def untranslated(message: str, **values: str) -> str:
    return message % values if values else message


def as_form(values: dict) -> FormData:
    """What a browser sends for the form `values` fill in."""
    fields = [(name, value) for name, value in values.items() if isinstance(value, str)]
    for day, hours in enumerate(values["hours"]):
        fields += [(f"start_{day}", hours["start"]), (f"end_{day}", hours["end"])]
    for kind, weight in (("skill", "level"), ("goal", "priority")):
        for row in values[f"{kind}s"]:
            fields += [(kind, row["name"]), (f"{kind}_{weight}", row["weight"])]
    return FormData(fields)


def test_a_profile_comes_back_from_its_form_as_it_was():
    sent = read_form(as_form(form_values(PROFILE)), Topics(TAXONOMY), (), untranslated)
    assert sent.errors == {}
    expected = {
        **PROFILE,
        "working_hours": [{**h, "start": h["start"][:5], "end": h["end"][:5]} for h in PROFILE["working_hours"]],
    }
    assert sent.profile == expected


def test_a_topic_is_saved_under_the_taxonomys_name_and_an_unknown_one_is_refused_at_its_row():
    values = form_values(PROFILE)
    values["skills"] = [
        {"name": "DOUYIN", "weight": "4"},
        {"name": "", "weight": "3"},
        {"name": "knitting", "weight": "3"},
    ]
    sent = read_form(as_form(values), Topics(TAXONOMY), (), untranslated)
    assert sent.profile["skills"] == [{"name": "TikTok", "level": 4}]
    assert sent.errors == {"skill_1": "Flipside does not know the topic “knitting”: pick one of the suggestions."}
    assert [row["name"] for row in sent.values["skills"]][:2] == ["DOUYIN", "knitting"], "shown again as typed"

    kept = read_form(as_form(values), Topics(TAXONOMY), ["Knitting"], untranslated)
    assert kept.errors == {} and {"name": "Knitting", "level": 3} in kept.profile["skills"]


def test_hours_that_end_before_they_start_are_refused_on_their_day():
    values = form_values(PROFILE)
    values["hours"][3] = {"start": "18:00", "end": "09:00"}
    values["hours"][4] = {"start": "09:00", "end": ""}
    errors = read_form(as_form(values), Topics(TAXONOMY), (), untranslated).errors
    assert set(errors) == {"hours_3", "hours_4"}


def test_matchings_errors_land_under_the_forms_fields():
    errors, elsewhere = form_errors(
        {
            "working_hours.0.start": "Input should be a valid time.",
            "communication.rhythm": "Input should be 'weekly'.",
            "skills.2.name": "String should have at most 200 characters.",
            "hours_per_month": "Input should be less than or equal to 40.",
            "exclusions.0": "Not yours.",
        }
    )
    assert errors == {
        "working_hours": "Input should be a valid time.",
        "rhythm": "Input should be 'weekly'.",
        "skills": "String should have at most 200 characters.",
        "hours_per_month": "Input should be less than or equal to 40.",
    }
    assert elsewhere == ["Not yours."]
