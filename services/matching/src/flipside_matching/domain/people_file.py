"""A CSV file of people a lead imports into their program: one row per person, keyed by employee id.

Pure: bytes in, each row's profile or each row's errors out, every error naming the row (as a spreadsheet numbers
it: the header is row 1), the column and what is wrong in words.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from pydantic import ValidationError

from flipside_shared.events import ParticipantProfile

REQUIRED_COLUMNS = (
    "employee_id",
    "display_name",
    "email",
    "role",
    "grade",
    "department",
    "time_zone",
    "working_hours",
    "languages",
)
OPTIONAL_COLUMNS = (
    "locale",
    "tenure_months",
    "manager_employee_id",
    "country",
    "skills",
    "goals",
    "interests",
    "capacity",
    "hours_per_month",
)
MAX_ROWS = 20_000
EMPLOYEE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$")
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HOURS = re.compile(r"^(?P<days>[A-Za-z,\- ]+?)\s+(?P<start>\d{1,2}:\d{2})\s*-\s*(?P<end>\d{1,2}:\d{2})$")
# Where each profile field comes from, to name the column when the profile refuses a value.
_COLUMN_OF_FIELD = {"manager_id": "manager_employee_id"}


class UnreadableFile(Exception):
    """The file as a whole cannot be read: not UTF-8, not CSV, columns missing or unknown, too many rows."""


@dataclass(frozen=True)
class RowError:
    row: int
    column: str | None
    message: str


@dataclass(frozen=True)
class PersonRow:
    row: int
    employee_id: str
    manager_employee_id: str | None
    profile: ParticipantProfile


@dataclass(frozen=True)
class PeopleFile:
    people: list[PersonRow]
    errors: list[RowError]
    rows: int


def read_people(data: bytes, program_id: str, manager_id_of: Callable[[str], UUID]) -> PeopleFile:
    """The rows of `data` as profiles in `program_id`; `manager_id_of(employee_id)` is the manager's participant id."""
    text = _decoded(data)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [column.strip().lower() for column in next(reader, [])]
        _check_header(header)
        people: list[PersonRow] = []
        errors: list[RowError] = []
        seen: dict[str, int] = {}
        rows = 0
        for number, record in enumerate(reader, start=2):
            if not any(cell.strip() for cell in record):
                continue
            rows += 1
            if rows > MAX_ROWS:
                raise UnreadableFile(f"the file has more than {MAX_ROWS} people: split it")
            if len(record) != len(header):
                errors.append(RowError(number, None, f"has {len(record)} cells where the header has {len(header)}"))
                continue
            read = _row(
                number, dict(zip(header, (cell.strip() for cell in record), strict=True)), program_id, manager_id_of
            )
            if isinstance(read, PersonRow):
                if read.employee_id in seen:
                    errors.append(
                        RowError(
                            number,
                            "employee_id",
                            f"employee id {read.employee_id} is also on row {seen[read.employee_id]}",
                        )
                    )
                    continue
                seen[read.employee_id] = number
                people.append(read)
            else:
                errors.extend(read)
    except csv.Error as error:
        raise UnreadableFile(f"not a CSV file: {error} (line {reader.line_num})") from None
    return PeopleFile(people, errors, rows)


def _decoded(data: bytes) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UnreadableFile(
            f"the file is not UTF-8 text (byte {data[error.start]:#04x} at position {error.start}):"
            " save it as CSV UTF-8"
        ) from None
    if "\x00" in text:
        raise UnreadableFile("the file holds NUL characters: it is not a CSV text file")
    return text


def _check_header(header: list[str]) -> None:
    if not header:
        raise UnreadableFile("the file is empty: its first row names the columns")
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    unknown = [column for column in header if column not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    repeated = sorted({column for column in header if header.count(column) > 1})
    problems = [
        f"missing columns: {', '.join(missing)}" if missing else "",
        f"unknown columns: {', '.join(unknown)}" if unknown else "",
        f"columns named twice: {', '.join(repeated)}" if repeated else "",
    ]
    if any(problems):
        raise UnreadableFile("; ".join(p for p in problems if p))


def _row(
    number: int, cells: dict[str, str], program_id: str, manager_id_of: Callable[[str], UUID]
) -> PersonRow | list[RowError]:
    errors: list[RowError] = []
    employee_id = cells["employee_id"]
    if not EMPLOYEE_ID.fullmatch(employee_id):
        errors.append(
            RowError(number, "employee_id", "is required: letters, digits and . _ @ - (at most 100 characters)")
        )
    fields: dict[str, Any] = {"program_id": program_id}
    for column, value in cells.items():
        if column in ("employee_id", "manager_employee_id") or not value:
            continue
        try:
            fields[column] = _value(column, value)
        except ValueError as error:
            errors.append(RowError(number, column, str(error)))
    manager = cells.get("manager_employee_id") or None
    if manager:
        if not EMPLOYEE_ID.fullmatch(manager):
            errors.append(RowError(number, "manager_employee_id", "is not an employee id"))
        else:
            fields["manager_id"] = manager_id_of(manager)
    try:
        profile = ParticipantProfile.model_validate(fields)
    except ValidationError as error:
        # A cell refused above is missing here: its error is said once, the others' are added.
        refused = {e.column for e in errors}
        errors += [e for e in (_row_error(number, each) for each in error.errors()) if e.column not in refused]
    if errors:
        return errors
    return PersonRow(number, employee_id, manager, profile)


def _row_error(number: int, error: Any) -> RowError:
    field = str(error["loc"][0]) if error["loc"] else None
    column = _COLUMN_OF_FIELD.get(field or "", field)
    message = "is required" if error["type"] == "missing" else str(error["msg"]).removeprefix("Value error, ")
    return RowError(number, column, message)


def _value(column: str, value: str) -> Any:
    if column in ("languages", "interests"):
        return _items(value)
    if column == "skills":
        return [{"name": name, "level": level} for name, level in _rated(value, "level")]
    if column == "goals":
        return [{"name": name, "priority": level} for name, level in _rated(value, "priority")]
    if column == "working_hours":
        return working_hours(value)
    return value


def _items(value: str) -> list[str]:
    return [item.strip() for item in value.split(";") if item.strip()]


def _rated(value: str, what: str) -> list[tuple[str, int]]:
    """`python:4; public speaking` -> the name and its level (3 unless given)."""
    rated = []
    for item in _items(value):
        name, _, level = item.rpartition(":") if ":" in item else (item, "", "3")
        if not level.strip().isdigit():
            raise ValueError(f"{item!r}: a {what} after the colon is a number from 1 to 5")
        rated.append((name.strip(), int(level)))
    return rated


def working_hours(value: str) -> list[dict[str, object]]:
    """`Mon-Fri 09:00-17:00` or `Mon,Wed 09:00-12:00; Fri 13:00-16:00`: weekdays and hours in the person's zone."""
    hours: list[dict[str, object]] = []
    for item in _items(value):
        found = _HOURS.fullmatch(item)
        if not found:
            raise ValueError(f"{item!r} is not like 'Mon-Fri 09:00-17:00'")
        for day in _days(found["days"]):
            hours.append({"weekday": day, "start": found["start"].zfill(5), "end": found["end"].zfill(5)})
    return hours


def _days(text: str) -> list[int]:
    days: list[int] = []
    for part in text.replace(" ", "").lower().split(","):
        first, _, last = part.partition("-")
        if first[:3] not in _WEEKDAYS or (last and last[:3] not in _WEEKDAYS):
            raise ValueError(f"{part!r} is not a weekday or a range of weekdays like Mon-Fri")
        start = _WEEKDAYS.index(first[:3])
        end = _WEEKDAYS.index(last[:3]) if last else start
        days.extend(range(start, end + 1))
    return days
