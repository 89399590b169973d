"""Every route of every service declares who may call it, and the access table of docs/access.md says the same."""

import re
from pathlib import Path

import pytest
from fastapi.routing import APIRoute

from flipside_devstack.auth import dev_issuer
from flipside_shared.registration import registered_services

ACCESS_DOC = Path(__file__).resolve().parents[2] / "docs" / "access.md"
APPS = {name: service.app for name, service in registered_services().items()}
# Open on every service: probes, scrapers and tooling send no token.
OPERATIONS = {("GET", "/health/live"), ("GET", "/health/ready"), ("GET", "/metrics"), ("GET", "/asyncapi.json")}
# The rule each access dependency of `flipside_shared.auth.rules` enforces, as the access table names it.
RULES = {
    "authenticated": "token",
    "require_admin": "admin",
    "require_lead": "lead",
    "require_self": "self",
    "require_self_or_lead": "self or lead",
    "require_lead_or_sponsor": "lead or sponsor",
    "require_pair_member": "pair",
}
# Rules the access table names with a check of the body (or of the program's stored leads and sponsors) on top:
# the route's dependency is the part before it.
BODY_CHECKED = {
    "named": "token",
    "pair (and named)": "pair",
    "lead or sponsor (named)": "token",
    "token (program member or lead)": "token",
}
ROW = re.compile(r"^\| (\w+) \| `(GET|PUT|POST|PATCH|DELETE) ([^`]+)` \| ([^|]+) \|$")


@pytest.fixture(scope="module")
def operations(monkeypatch_module) -> dict[tuple[str, str, str], bool]:
    """(service, method, path) -> whether the route requires a bearer token, from each service's OpenAPI document."""
    for name, value in dev_issuer().env().items():
        monkeypatch_module.setenv(name, value)
    found = {}
    for service, make_app in APPS.items():
        for path, methods in make_app().openapi()["paths"].items():
            for method, operation in methods.items():
                found[(service, method.upper(), path)] = bool(operation.get("security"))
    return found


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def documented() -> dict[tuple[str, str, str], str]:
    rows = [ROW.match(line) for line in ACCESS_DOC.read_text().splitlines()]
    return {(m[1], m[2], m[3]): m[4].strip() for m in rows if m}


def test_only_operations_and_links_are_open(operations):
    open_routes = {key for key, secured in operations.items() if not secured}
    links = {key for key, rule in documented().items() if rule == "link"}
    assert {(method, path) for _, method, path in open_routes - links} == OPERATIONS
    assert links <= open_routes


def test_the_access_table_names_the_rule_of_every_route(operations):
    routes = {key for key in operations if key[1:] not in OPERATIONS}
    assert set(documented()) == routes


def declared_rules() -> dict[tuple[str, str, str], str]:
    """(service, method, path) -> the rule of the access dependency the route declares (the narrowest, if several)."""
    found = {}
    for service, make_app in APPS.items():
        for route in _api_routes(make_app().routes):
            rules = {
                RULES[name]
                for dependency in route.dependant.dependencies
                if (name := dependency.call.__qualname__.split(".")[0]) in RULES
            }
            narrowest = rules - {"token"} or rules
            for method in route.methods:
                found[(service, method, route.path)] = " / ".join(sorted(narrowest)) or "none"
    return found


def _api_routes(routes):
    """The app's routes, those of included routers too (FastAPI keeps them behind an include)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "effective_route_contexts"):
            yield from route.effective_route_contexts()


def test_each_route_enforces_the_rule_the_access_table_names_for_it(operations):
    declared = declared_rules()
    differing = {
        route: (rule, declared.get(route))
        for route, rule in documented().items()
        if rule != "link" and BODY_CHECKED.get(rule, rule) != declared.get(route)
    }
    assert not differing, f"documented rule, code rule: {differing}"
