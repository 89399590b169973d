"""The CSV export and the dashboard page show the same cells, withheld ones as withheld, never as zero."""

import csv
import io
import re
from datetime import UTC, datetime
from uuid import uuid4

from flipside_feedback.domain.program_figures import Enrolment, Person, ProgramRecords, program_insights
from flipside_feedback.insights_formats import csv_export, dashboard_page, document

NOW = datetime(2026, 5, 1, tzinfo=UTC)


def insights_with(departments: dict[str, int]):
    people = {uuid4(): Person(department, "mid") for department, size in departments.items() for _ in range(size)}
    records = ProgramRecords(
        people=people,
        enrolments=[Enrolment(p, "mentee", NOW) for p in people],
        proposals=[],
        sessions=[],
        ratings=[],
        goals=[],
        pairs=[],
        self_assessments=[],
    )
    return program_insights(records, "month", NOW)


def test_the_csv_leaves_withheld_cells_empty_and_says_why():
    rows = list(csv.DictReader(io.StringIO(csv_export(insights_with({"Legal": 2, "IT": 6, "Sales": 9})))))
    by_group = {
        row["group"]: row for row in rows if row["figure"] == "enrolled_mentee" and row["dimension"] == "department"
    }
    assert {g: (r["value"], r["people"], r["suppressed"], r["withheld_because"]) for g, r in by_group.items()} == {
        "IT": ("", "", "true", "complement"),
        "Legal": ("", "", "true", "fewer_than_k"),
        "Sales": ("9", "9", "false", ""),
    }


def test_a_department_named_like_a_formula_stays_text_in_a_spreadsheet():
    rows = list(csv.DictReader(io.StringIO(csv_export(insights_with({"=HYPERLINK(1)": 6, "\t=1+1": 6, "IT": 6})))))
    assert {row["group"] for row in rows if row["dimension"] == "department"} == {"'=HYPERLINK(1)", "'\t=1+1", "IT"}


def test_the_page_says_a_cell_is_withheld_for_fewer_than_5_people_and_never_shows_it_as_zero():
    page = dashboard_page("spring-cohort", insights_with({"Legal": 2, "IT": 6, "Sales": 9}))
    legal_row = re.search(r'<tr class="withheld"><th scope="row">Legal</th><td colspan="2">([^<]*)</td></tr>', page)
    assert legal_row and legal_row.group(1) == "withheld: fewer than 5 people"
    assert '<tr class="withheld"><th scope="row">IT</th>' in page
    assert "would let a group of fewer than 5 people be worked out" in page
    assert '<th scope="row">Sales</th><td>9</td><td>9</td>' in page


def test_the_page_loads_its_scripts_from_the_service_and_embeds_data_that_cannot_close_its_script():
    page = dashboard_page("p", insights_with({"</script><script>alert(1)</script>": 6}))
    assert re.findall(r'<script src="([^"]+)"', page) == ["/static/chart.umd.js", "/static/insights_dashboard.js"]
    assert "<script>alert(1)" not in page
    embedded = re.search(r'<script type="application/json" id="insights-data">(.*?)</script>', page, re.DOTALL).group(1)
    assert "\\u003c/script\\u003e" in embedded


def test_the_json_document_carries_each_cut_with_its_cells():
    doc = document("p", insights_with({"Legal": 2, "IT": 6, "Sales": 9}))
    enrolled = next(f for f in doc["figures"] if f["key"] == "enrolled_mentee")
    assert [cut["dimension"] for cut in enrolled["cuts"]] == ["program", "department", "grade_band", "month"]
    assert enrolled["cuts"][0]["cells"] == [
        {"group": "all", "value": 17, "people": 17, "suppressed": False, "withheld_because": None},
    ]
    assert doc["min_group_size"] == 5 and doc["period"] == "month"


def test_figures_of_answers_say_up_to_when_in_the_json_the_csv_and_the_page_and_live_ones_say_nothing():
    insights = insights_with({"IT": 6})
    doc = document("p", insights)
    assert doc["answers_up_to"] == "2026-04-27T00:00:00+00:00", "the Monday before 1 May 2026"
    flags = {f["key"]: (f["of_answers"], f["up_to"]) for f in doc["figures"]}
    assert flags["enrolled_mentee"] == (False, None) and flags["session_value"] == (True, None)
    rows = list(csv.DictReader(io.StringIO(csv_export(insights))))
    assert {row["up_to"] for row in rows} == {""}
    page = dashboard_page("p", insights)
    assert "figures up to 2026-04-27 00:00 UTC, the end of the last closed period" in page
    assert page.count("no closed period with answers from at least 5 people yet") == 3, "ratings, safety, goals"
