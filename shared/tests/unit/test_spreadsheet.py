import csv
import io

import pytest

from flipside_shared.spreadsheet import csv_text


@pytest.mark.parametrize("text", ["=HYPERLINK(1)", "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"])
def test_a_cell_starting_like_a_formula_stays_text(text):
    rows = list(csv.reader(io.StringIO(csv_text(["group"], [[text]]), newline="")))
    assert rows[1] == [f"'{text}"]


def test_numbers_and_ordinary_text_are_written_as_they_are():
    rows = list(
        csv.reader(
            io.StringIO(csv_text(["group", "change", "people", "note"], [["Sales", -0.25, 7, None]]), newline="")
        )
    )
    assert rows == [["group", "change", "people", "note"], ["Sales", "-0.25", "7", ""]]
