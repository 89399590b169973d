"""A program's insights written out: a JSON document, a CSV export and the dashboard page, all of the same cells."""

from __future__ import annotations

from datetime import datetime

from jinja2 import Environment, PackageLoader, StrictUndefined

from flipside_shared.spreadsheet import csv_text

from .domain.insights import Cell, Measure, Withheld
from .domain.program_figures import ProgramInsights

CSV_COLUMNS = (
    "figure",
    "label",
    "measure",
    "dimension",
    "group",
    "value",
    "people",
    "suppressed",
    "withheld_because",
    "up_to",
)

DIMENSION_TITLES = {
    "program": "Whole program",
    "department": "By department",
    "grade_band": "By grade band",
    "week": "By ISO week",
    "month": "By month",
}


def withheld_text(reason: Withheld, k: int) -> str:
    if reason is Withheld.FEWER_THAN_K:
        return f"withheld: fewer than {k} people"
    return f"withheld: showing it would let a group of fewer than {k} people be worked out from the total"


def document(program_id: str, insights: ProgramInsights) -> dict:
    return {
        "program_id": program_id,
        "period": insights.period,
        "as_of": insights.as_of.isoformat(),
        "answers_up_to": insights.answers_up_to.isoformat(),
        "min_group_size": insights.min_group_size,
        "figures": [
            {
                "key": figure.key,
                "label": figure.label,
                "measure": figure.measure.value,
                "of_answers": figure.of_answers,
                "up_to": _moment(figure.up_to),
                "cuts": [
                    {"dimension": cut.dimension, "cells": [_cell(cell) for cell in cut.cells]} for cut in figure.cuts
                ],
            }
            for figure in insights.figures
        ],
    }


def csv_export(insights: ProgramInsights) -> str:
    return csv_text(
        CSV_COLUMNS,
        (
            (
                figure.key,
                figure.label,
                figure.measure.value,
                cut.dimension,
                cell.group,
                cell.value,
                cell.people,
                "true" if cell.suppressed else "false",
                cell.withheld.value if cell.withheld else "",
                _moment(figure.up_to) or "",
            )
            for figure in insights.figures
            for cut in figure.cuts
            for cell in cut.cells
        ),
    )


def dashboard_page(program_id: str, insights: ProgramInsights) -> str:
    return _PAGE.render(
        program_id=program_id,
        insights=insights,
        data=document(program_id, insights),
        titles=DIMENSION_TITLES,
    )


def _moment(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _cell(cell: Cell) -> dict:
    return {
        "group": cell.group,
        "value": cell.value,
        "people": cell.people,
        "suppressed": cell.suppressed,
        "withheld_because": cell.withheld.value if cell.withheld else None,
    }


def _shown_value(cell: Cell, measure: Measure) -> str:
    if cell.value is None:
        return "no records yet"
    if measure is Measure.SHARE:
        return f"{cell.value:.0%}"
    if measure is Measure.CHANGE:
        return f"{cell.value:+.2f}"
    if measure is Measure.MEAN:
        return f"{cell.value:.2f}"
    return str(cell.value)


def _environment() -> Environment:
    environment = Environment(
        loader=PackageLoader("flipside_feedback", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    environment.filters["shown_value"] = _shown_value
    environment.filters["withheld_text"] = withheld_text
    return environment


_PAGE = _environment().get_template("insights_dashboard.html.j2")
