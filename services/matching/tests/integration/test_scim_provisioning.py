"""An identity provider provisions participants over SCIM 2.0: a real SCIM client (scim2-client) discovers the
service, creates, finds, replaces, patches and deletes users on the real stack; each step reaches `participants` as
the enrolment path's event, and notifications (another service) follows."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar
from uuid import UUID, uuid4

import httpx
import httpx2
import pytest
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_models import PatchOp, PatchOperation, SearchRequest
from scim2_tester import Status, check_server

from flipside_devstack.auth import admin_headers, lead_headers
from flipside_devstack.kafka_io import TopicReader
from flipside_devstack.programs import configure_program
from flipside_devstack.service_process import ServiceProcess
from flipside_shared.events import ParticipantEnrolled, ParticipantErased, ParticipantUpdated, ParticipantWithdrawn

PROGRAM = f"scim-{uuid4().hex[:8]}"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
FLIPSIDE = "urn:flipside:params:scim:schemas:extension:2.0:User"
E = TypeVar("E")
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"


@pytest.fixture(scope="module")
def matching(sandbox, tmp_path_factory):
    with ServiceProcess("matching", sandbox.env(), tmp_path_factory.mktemp("logs")) as service:
        configure_program(service.url, PROGRAM)
        yield service


@pytest.fixture(scope="module")
def notifications(sandbox, smtp, tmp_path_factory):
    env = sandbox.env(FLIPSIDE_SMTP_HOST="127.0.0.1", FLIPSIDE_SMTP_PORT=str(smtp.port))
    with ServiceProcess("notifications", env, tmp_path_factory.mktemp("logs")) as service:
        yield service


def person(user_name: str, employee_number: str | None = None, **flipside: Any) -> dict[str, Any]:
    enterprise: dict[str, Any] = {"department": "Finance"}
    if employee_number:
        enterprise["employeeNumber"] = employee_number
    return {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE, FLIPSIDE],
        "userName": user_name,
        "externalId": f"ext-{user_name}",
        "name": {"givenName": "Ada", "familyName": "Lovelace"},
        "emails": [{"value": user_name, "type": "work", "primary": True}],
        "preferredLanguage": "de-DE",
        "timezone": "Europe/Berlin",
        "active": True,
        ENTERPRISE: enterprise,
        FLIPSIDE: {
            "programId": PROGRAM,
            "role": "mentor",
            "grade": 1,
            "workingHours": [{"weekday": day, "start": "09:00", "end": "17:00"} for day in range(5)],
            "skills": [{"name": "python", "level": 4}],
            **flipside,
        },
    }


def test_a_scim_client_discovers_creates_finds_replaces_patches_and_deletes_users(matching):
    with httpx2.Client(base_url=f"{matching.url}/scim/v2", headers=admin_headers(), timeout=10) as http:
        scim = SyncSCIMClient(http)
        scim.discover()
        user_model = scim.get_resource_model("User")
        assert user_model is not None
        created = scim.create(user_model.model_validate(person("ada@example.com", "E-100")))
        assert created.id and created.meta.version == 'W/"1"'
        assert created.user_name == "ada@example.com"
        [found] = scim.query(
            user_model, query_parameters=SearchRequest(filter='userName eq "ADA@example.com"')
        ).resources
        assert found.id == created.id
        assert (
            scim.query(user_model, query_parameters=SearchRequest(filter='externalId eq "nobody"')).total_results == 0
        )

        replaced_body = person("ada@example.com", "E-100")
        replaced_body["displayName"] = "Ada King"
        replaced = scim.replace(user_model.model_validate({**replaced_body, "id": created.id}))
        assert replaced.display_name == "Ada King" and replaced.meta.version == 'W/"2"'

        patch = PatchOp[user_model](operations=[PatchOperation(op="replace", path="displayName", value="Ada L.")])
        patched = scim.modify(user_model, created.id, patch)
        assert patched.display_name == "Ada L."
        assert scim.query(user_model, created.id).meta.version == 'W/"3"'
        # Matching may not have stored the enrolment when the replace and the patch came: they follow it in order.
        assert stored_display_name(matching.url, created.id, awaited="Ada L.") == "Ada L."

        scim.delete(user_model, created.id)
        assert http.get(f"/Users/{created.id}").status_code == 404


def stored_display_name(matching_url: str, user_id: str, awaited: str, timeout: float = 30.0) -> str | None:
    """The display name matching holds for the user: `awaited` once it has taken the change that sets it."""
    name = None
    for _ in range(int(timeout / 0.1)):
        answer = httpx.get(f"{matching_url}/participants/{user_id}", headers=admin_headers(), timeout=10)
        name = answer.json()["profile"]["display_name"] if answer.status_code == 200 else None
        if name == awaited:
            break
        time.sleep(0.1)
    return name


async def test_create_patch_deactivate_delete_reach_participants_and_notifications_follows(
    sandbox, matching, notifications, db
):
    prefix = sandbox.topic_prefix
    users = f"{matching.url}/scim/v2/Users"
    scim_json = {**admin_headers(), "Content-Type": "application/scim+json"}
    async with (
        TopicReader(sandbox.bootstrap_servers, [f"{prefix}participants"]) as reader,
        httpx.AsyncClient(headers=scim_json, timeout=10) as http,
    ):
        created = await http.post(users, json=person("grace@example.com"))
        assert created.status_code == 201, created.text
        assert created.headers["content-type"].startswith("application/scim+json")
        user_id, etag = created.json()["id"], created.headers["ETag"]
        assert created.headers["Location"] == f"{users}/{user_id}"
        await reader.read_until(lambda _: of(reader, ParticipantEnrolled, user_id))
        await until(lambda: has_recipient(db, user_id))
        # Matching stores the participant as it consumes its own event: the PATCH below updates them after that.
        await until(lambda: enrolled_in_matching(http, matching.url, user_id))

        rename = {"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "displayName", "value": "Grace H."}]}
        stale = await http.patch(f"{users}/{user_id}", json=rename, headers={"If-Match": 'W/"0"'})
        assert stale.status_code == 412, stale.text
        assert stale.json()["schemas"] == [ERROR]
        renamed = await http.patch(f"{users}/{user_id}", json=rename, headers={"If-Match": etag})
        assert renamed.status_code == 200, renamed.text
        assert renamed.json()["displayName"] == "Grace H." and renamed.headers["ETag"] == 'W/"2"'
        await reader.read_until(lambda _: of(reader, ParticipantUpdated, user_id))

        # Entra ID deactivates with a string value and no path-less object.
        deactivate = {"schemas": [PATCH_OP], "Operations": [{"op": "Replace", "path": "active", "value": "False"}]}
        deactivated = await http.patch(f"{users}/{user_id}", json=deactivate)
        assert deactivated.status_code == 200 and deactivated.json()["active"] == "False"
        await reader.read_until(lambda _: of(reader, ParticipantWithdrawn, user_id))
        reactivate = {"schemas": [PATCH_OP], "Operations": [{"op": "replace", "value": {"active": True}}]}
        refused = await http.patch(f"{users}/{user_id}", json=reactivate)
        assert (refused.status_code, refused.json()["scimType"]) == (409, "mutability")

        deleted = await http.delete(f"{users}/{user_id}")
        assert deleted.status_code == 204
        await reader.read_until(lambda _: of(reader, ParticipantErased, user_id))
        assert (await http.get(f"{users}/{user_id}")).status_code == 404
    await until(lambda: no_recipients(db, user_id))

    # The topic also holds the first test's user: only this one's events count here.
    [enrolled] = of(reader, ParticipantEnrolled, user_id)
    assert (enrolled.profile.display_name, enrolled.profile.locale) == ("Ada Lovelace", "de-DE")
    assert [e.profile.display_name for e in of(reader, ParticipantUpdated, user_id)] == ["Grace H."]
    assert len(of(reader, ParticipantWithdrawn, user_id)) == 1
    assert len(of(reader, ParticipantErased, user_id)) == 1


async def test_bad_requests_get_scim_errors_naming_what_is_wrong(matching):
    users = f"{matching.url}/scim/v2/Users"
    async with httpx.AsyncClient(headers=admin_headers(), timeout=10) as http:
        no_program = person("linus@example.com")
        del no_program[FLIPSIDE]["programId"]
        unknown_program = person("linus@example.com", programId="no-such-program")
        bad_zone = {**person("linus@example.com"), "timezone": "Mars/Olympus"}
        answers = [
            await http.post(users, json=no_program),
            await http.post(users, json=unknown_program),
            await http.post(users, json=bad_zone),
            await http.post(users, content=b"{not json"),
            await http.get(users, params={"filter": 'displayName co "a"'}),
        ]
        unauthenticated = await http.get(users, headers={"Authorization": ""})
        not_admin = await http.get(users, headers=lead_headers(PROGRAM))
    assert [(a.status_code, a.json().get("scimType")) for a in answers] == [
        (400, "invalidValue"),
        (400, "invalidValue"),
        (400, "invalidValue"),
        (400, "invalidSyntax"),
        (400, "invalidFilter"),
    ]
    assert answers[0].json()["detail"] == f"{FLIPSIDE}:programId: is required"
    assert "no-such-program" in answers[1].json()["detail"]
    assert answers[2].json()["detail"].startswith("timezone:")
    assert all(a.json()["schemas"] == [ERROR] for a in answers)
    assert (unauthenticated.status_code, not_admin.status_code) == (401, 403)
    assert unauthenticated.json()["schemas"] == [ERROR]


async def recipients(db, user_id: str) -> int:
    return await db.fetchval("SELECT count(*) FROM notifications.recipients WHERE participant_id = $1", UUID(user_id))


async def until(check: Callable[[], Awaitable[bool]], timeout: float = 30.0) -> None:
    for _ in range(int(timeout / 0.1)):
        if await check():
            return
        await asyncio.sleep(0.1)
    raise TimeoutError("condition not met")


async def no_recipients(db, user_id: str) -> bool:
    return await recipients(db, user_id) == 0


async def enrolled_in_matching(http: httpx.AsyncClient, matching_url: str, user_id: str) -> bool:
    return (await http.get(f"{matching_url}/participants/{user_id}")).status_code == 200


async def has_recipient(db, user_id: str) -> bool:
    return await recipients(db, user_id) == 1


def of(reader: TopicReader, event_type: type[E], user_id: str) -> list[E]:
    return [e.event for e in reader.events(event_type) if str(e.event.participant_id) == user_id]  # type: ignore[attr-defined]


def test_the_scim_compliance_checker_finds_nothing_wrong_with_discovery_and_errors(matching):
    """scim2-tester's discovery and error checks; its CRUD checks fill attributes at random, and no random programId
    names a program, so the CRUD flow is driven above with scim2-client instead."""
    with httpx2.Client(base_url=f"{matching.url}/scim/v2", headers=admin_headers(), timeout=10) as http:
        results = check_server(SyncSCIMClient(http), include_tags={"discovery", "misc"})
    failed = [(r.title, r.reason) for r in results if r.status not in (Status.SUCCESS, Status.SKIPPED)]
    assert results and failed == []


async def test_users_are_unique_by_user_name_and_listed_in_pages(matching):
    users = f"{matching.url}/scim/v2/Users"
    async with httpx.AsyncClient(headers=admin_headers(), timeout=10) as http:
        for n in range(3):
            created = await http.post(users, json=person(f"page{n}@example.com", f"P-{n}"))
            assert created.status_code == 201, created.text
        again = await http.post(users, json=person("PAGE0@example.com", "P-9"))
        same_employee = await http.post(users, json=person("other@example.com", "P-1"))
        page = (await http.get(users, params={"startIndex": 2, "count": 1})).json()
        everyone = (await http.get(users, params={"count": 200})).json()
    assert (again.status_code, again.json()["scimType"]) == (409, "uniqueness")
    assert (same_employee.status_code, same_employee.json()["scimType"]) == (409, "uniqueness")
    names = [user["userName"] for user in everyone["Resources"]]
    assert (page["totalResults"], page["startIndex"], page["itemsPerPage"]) == (everyone["totalResults"], 2, 1)
    assert [user["userName"] for user in page["Resources"]] == names[1:2]
    assert {"page0@example.com", "page1@example.com", "page2@example.com"} <= set(names)
