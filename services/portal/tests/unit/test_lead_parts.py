"""The parts of the lead's pages that need no service: the policy form both ways, the questionnaire's rows, and
refusals that name their field in the services' other shapes."""

import httpx

from flipside_portal.pages.lead.questionnaire import row_errors, typed_rows
from flipside_portal.policy_form import field_errors, form_values, policy_body
from flipside_portal.services import refusal

POLICY = {
    "direction": "reverse",
    "min_grade_gap": 1,
    "grades": ["Intern", "Analyst", "Director"],
    "min_overlap_minutes": 60,
    "length_weeks": 26,
    "weights": {"mentor_teaches": 0.35, "interests": 0.1},
    "start": "rolling",
}


def test_a_policy_goes_into_the_form_and_comes_back_out_the_same():
    values = form_values(POLICY)
    assert values["grades"] == "Intern\nAnalyst\nDirector" and values["weights.mentor_teaches"] == "0.35"
    assert policy_body(values) == {**POLICY, "weights": {"mentor_teaches": 0.35, "interests": 0.1}}


def test_what_is_not_a_number_is_sent_as_typed_and_empty_fields_are_left_out():
    body = policy_body({"min_grade_gap": "two", "length_weeks": "", "grades": "\n A \n\nB\n", "weights.interests": "x"})
    assert body == {"min_grade_gap": "two", "grades": ["A", "B"], "weights": {"interests": "x"}}


def test_a_rung_of_the_ladder_is_the_ladder_field():
    assert field_errors({"grades.2": "Too long.", "weights": "At least one."}) == {
        "grades": "Too long.",
        "weights": "At least one.",
    }


def test_the_questionnaire_rows_keep_what_was_typed_and_errors_find_their_row():
    rows = typed_rows(
        {
            "questions.0.id": "session_value",
            "questions.0.text": "How was it?",
            "questions.0.kind": "scale",
            "questions.1.id": "",
            "questions.1.text": "",
            "questions.2.id": "new",
            "questions.2.text": "",
            "questions.2.optional": "true",
        }
    )
    assert [row["id"] for row in rows] == ["session_value", "", "new"] and rows[2]["optional"]
    # Sent were rows 0 and 2: feedback's question 1 is the form's row 2.
    assert row_errors({"questions.1.text": "Too short.", "questions": "Too many."}, [0, 2]) == {
        "questions.2.text": "Too short.",
        "form": "Too many.",
    }


def test_refusals_name_their_field_in_the_shapes_the_services_use():
    questionnaire = refusal(
        httpx.Response(422, json={"detail": ["questions.0.text: String should have at least 1 character"]})
    )
    assert questionnaire.fields == {"questions.0.text": "String should have at least 1 character."}
    webhook = refusal(httpx.Response(422, json={"detail": "url: 'localhost' is not a public host name"}))
    assert webhook.fields == {"url": "'localhost' is not a public host name."}
    assert webhook.message == "Url: 'localhost' is not a public host name."
    pair = refusal(
        httpx.Response(409, json={"detail": {"message": "a hard rule is broken", "violations": ["grade gap"]}})
    )
    assert (pair.message, pair.details, pair.fields) == ("A hard rule is broken.", ["Grade gap."], {})
    conflict = refusal(httpx.Response(409, json={"detail": "phase: saved in a period that has ended"}))
    assert conflict.fields == {} and conflict.message == "Phase: saved in a period that has ended."
