"""Every request body of every service bounds its strings, lists and maps, so no field outgrows an event."""

import pytest

from flipside_devstack.auth import dev_issuer
from flipside_devstack.bounds import unbounded
from flipside_shared.registration import registered_services

APPS = {name: service.app for name, service in registered_services().items()}


@pytest.mark.parametrize("service", APPS)
def test_every_request_body_is_bounded(service, monkeypatch):
    for name, value in dev_issuer().env().items():
        monkeypatch.setenv(name, value)
    document = APPS[service]().openapi()
    definitions = document.get("components", {}).get("schemas", {})
    found = []
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            if body is not None:
                found += unbounded(body, definitions, f"{method.upper()} {path} ")
    assert found == []
