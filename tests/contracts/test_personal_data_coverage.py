"""Every table that names a person is in its service's export, or in a short list of tables left out for a reason.

The tables come from the migrations themselves, so a table (or a column naming a person) added later fails this
test until the service's `exports.PERSONAL_DATA` gathers it or the reason it does not is written down here.
"""

import importlib
import re
from importlib.resources.abc import Traversable

from flipside_matching.domain.exports import ANSWERING_SERVICES
from flipside_shared.migrations import SHARED_MIGRATIONS
from flipside_shared.personal_data import SHARED_PERSONAL_DATA, KeyedQuery
from flipside_shared.registration import registered_services

# Columns holding the id (or a keyed hash) of a person, as the schemas name them.
PERSON_COLUMN = re.compile(
    r"^(participant_id|person_id|mentor_id|mentee_id|owner_id|recipient_id|proposed_by|contributor_\w+|subject)$"
)

LEFT_OUT = {
    ("shared", "erasures"): "the ids of people erased, who can no longer ask for an export",
    ("matching", "personal_data_exports"): "the exports themselves: an export does not copy the earlier ones",
    ("portal", "browser_sessions"): "sign-in sessions with live tokens, gone when the session ends; no program data",
}

CREATE = re.compile(r"CREATE TABLE (\w+) \((.*?)\n\);", re.S)
ADD_COLUMN = re.compile(r"ALTER TABLE (\w+)((?:\s+ADD COLUMN \w+[^,;]*,?)+);", re.S)
COLUMN_NAME = re.compile(r"ADD COLUMN (\w+)")


def people_tables(migrations: Traversable) -> set[str]:
    """The tables whose columns name a person, from CREATE TABLE and ALTER TABLE ... ADD COLUMN."""
    columns: dict[str, set[str]] = {}
    for sql_file in sorted(migrations.iterdir(), key=lambda f: f.name):
        if not sql_file.name.endswith(".sql"):
            continue
        sql = "\n".join(line.split("--")[0] for line in sql_file.read_text().splitlines())
        for table, body in CREATE.findall(sql):
            columns.setdefault(table, set()).update(line.split()[0] for line in body.splitlines() if line.strip())
        for table, additions in ADD_COLUMN.findall(sql):
            columns.setdefault(table, set()).update(COLUMN_NAME.findall(additions))
    return {table for table, names in columns.items() if any(PERSON_COLUMN.match(name) for name in names)}


def export_queries(service: str) -> dict[str, str]:
    """Table -> the SQL of the service's export query of it."""
    try:
        queries = importlib.import_module(f"flipside_{service}.exports").PERSONAL_DATA
    except ModuleNotFoundError:
        return {}
    return {table: query.sql if isinstance(query, KeyedQuery) else query for table, query in queries.items()}


def test_the_migrations_are_read():
    assert {"participants", "pairs", "proposals"} <= people_tables(registered_services()["matching"].migrations)
    assert "deliveries" in people_tables(registered_services()["notifications"].migrations)
    assert "person_request_counts" in people_tables(SHARED_MIGRATIONS)


def test_every_table_naming_a_person_is_exported_or_left_out_for_a_reason():
    missing = [
        f"{service}.{table}"
        for service, registration in registered_services().items()
        for table in sorted(people_tables(registration.migrations))
        if table not in export_queries(service) and (service, table) not in LEFT_OUT
    ] + [
        f"shared.{table}"
        for table in sorted(people_tables(SHARED_MIGRATIONS))
        if table not in SHARED_PERSONAL_DATA and ("shared", table) not in LEFT_OUT
    ]
    assert missing == [], "add these tables to the service's exports.PERSONAL_DATA, or say here why they are left out"


def test_each_query_reads_the_table_it_is_named_after():
    for service in ANSWERING_SERVICES:
        for table, query in {**export_queries(service), **SHARED_PERSONAL_DATA}.items():
            assert re.search(rf"\bFROM {table}\b", query), f"{service}: the query for {table} does not read it"
            assert "$1" in query, f"{service}: the query for {table} does not take the person"


def test_the_services_that_answer_exports_are_those_with_export_queries():
    assert {service for service in registered_services() if export_queries(service)} == set(ANSWERING_SERVICES)


def test_nothing_is_left_out_that_is_no_longer_there():
    tables = {(s, t) for s, r in registered_services().items() for t in people_tables(r.migrations)}
    tables |= {("shared", t) for t in people_tables(SHARED_MIGRATIONS)}
    assert set(LEFT_OUT) <= tables
