"""SCIM 2.0 (RFC 7644) at `/scim/v2`: identity providers (Entra ID, Okta) provision participants as Users.

Every answer, errors included, is `application/scim+json`; an error is SCIM's Error message with its `scimType`.
The provisioning client authenticates with an access token holding the admin role.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from typing import Annotated, Any
from uuid import UUID

import asyncpg
from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request, Response, status
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute

from flipside_shared.auth.rules import require_admin
from flipside_shared.dependencies import component

from ..domain.refusals import Conflict, Gone, Invalid, NotFound, NotTheirs, Refused, Stale
from ..domain.scim import EXTENSIONS, USER, ScimRefusal, parse_filter
from ..provisioning_queries import ScimUser
from ..scim_users import ScimUsers, etag
from .dependencies import Units
from .scim_discovery import MAX_RESULTS, SCHEMAS, SERVICE_PROVIDER_CONFIG, USER_RESOURCE_TYPE, list_response

MEDIA_TYPE = "application/scim+json"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"

# How a refusal of the enrolment path reads to a provider: what it sent is the reason (an unknown program, a grade
# off the ladder, an erased id), so mostly a 400.
_REFUSAL_STATUS: dict[type[Refused], tuple[int, str | None]] = {
    NotFound: (status.HTTP_400_BAD_REQUEST, "invalidValue"),
    Invalid: (status.HTTP_400_BAD_REQUEST, "invalidValue"),
    Gone: (status.HTTP_400_BAD_REQUEST, "invalidValue"),
    Conflict: (status.HTTP_409_CONFLICT, "mutability"),
    NotTheirs: (status.HTTP_403_FORBIDDEN, None),
    Stale: (status.HTTP_412_PRECONDITION_FAILED, None),
}


class ScimResponse(Response):
    media_type = MEDIA_TYPE

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode()


def scim_error(status_code: int, detail: object, scim_type: str | None = None) -> ScimResponse:
    body: dict[str, Any] = {"schemas": [ERROR], "status": str(status_code), "detail": str(detail)}
    if scim_type:
        body["scimType"] = scim_type
    return ScimResponse(body, status_code)


class AnsweringInScim(APIRoute):
    """Routes whose every failure is answered as a SCIM Error: refusals, bad bodies, authentication."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def answering(request: Request) -> Response:
            try:
                return await handle(request)
            except ScimRefusal as refusal:
                return scim_error(refusal.status, refusal.detail, refusal.scim_type)
            except asyncpg.UniqueViolationError:
                # Two requests provisioning the same userName at once: the one that commits second.
                return scim_error(status.HTTP_409_CONFLICT, "a user with this userName exists", "uniqueness")
            except Refused as refusal:
                code, scim_type = _REFUSAL_STATUS[type(refusal)]
                return scim_error(code, refusal.detail, scim_type)
            except RequestValidationError as error:
                return scim_error(status.HTTP_400_BAD_REQUEST, error.errors()[0]["msg"], "invalidValue")
            except HTTPException as error:
                response = scim_error(error.status_code, error.detail)
                response.headers.update(error.headers or {})
                return response

        return answering


router = APIRouter(prefix="/scim/v2", route_class=AnsweringInScim, dependencies=[Depends(require_admin)])
Users = Annotated[ScimUsers, Depends(component(ScimUsers))]
IfMatch = Annotated[str | None, Header()]


@router.get("/ServiceProviderConfig")
async def service_provider_config() -> ScimResponse:
    return ScimResponse(SERVICE_PROVIDER_CONFIG)


@router.get("/ResourceTypes")
async def resource_types() -> ScimResponse:
    return ScimResponse(list_response([USER_RESOURCE_TYPE]))


@router.get("/ResourceTypes/{name}")
async def resource_type(name: str) -> ScimResponse:
    if name != "User":
        return scim_error(status.HTTP_404_NOT_FOUND, f"no resource type {name!r}: only User")
    return ScimResponse(USER_RESOURCE_TYPE)


@router.get("/Schemas")
async def schemas() -> ScimResponse:
    return ScimResponse(list_response(list(SCHEMAS.values())))


@router.get("/Schemas/{urn}")
async def schema(urn: str) -> ScimResponse:
    if urn not in SCHEMAS:
        return scim_error(status.HTTP_404_NOT_FOUND, f"no schema {urn!r}")
    return ScimResponse(SCHEMAS[urn])


@router.post("/Users")
async def create_user(request: Request, units: Units, users: Users) -> ScimResponse:
    resource = await _body(request)
    async with units.begin() as uow:
        user = await users.create(uow, resource)
    return _user_response(request, user, status.HTTP_201_CREATED)


@router.get("/Users")
async def list_users(
    request: Request,
    units: Units,
    filter: Annotated[str | None, Query(max_length=500)] = None,  # SCIM names the parameter
    start_index: Annotated[int, Query(alias="startIndex")] = 1,
    count: Annotated[int, Query()] = MAX_RESULTS,
) -> ScimResponse:
    """Paged as RFC 7644 section 3.4.2.4 says: a startIndex below 1 is 1, a negative count is 0."""
    where = parse_filter(filter) if filter else None
    start_index, count = max(start_index, 1), min(max(count, 0), MAX_RESULTS)
    async with units.reading() as repository:
        page = await repository.scim_users(where, start_index, count)
    return ScimResponse(list_response([_view(request, user) for user in page.users], page.total, start_index))


@router.get("/Users/{user_id}")
async def user(request: Request, user_id: str, units: Units) -> ScimResponse:
    async with units.reading() as repository:
        found = await repository.scim_user(_id(user_id))
    if found is None:
        return scim_error(status.HTTP_404_NOT_FOUND, f"no SCIM user {user_id}")
    return _user_response(request, found, status.HTTP_200_OK)


@router.put("/Users/{user_id}")
async def replace_user(
    request: Request, user_id: str, units: Units, users: Users, if_match: IfMatch = None
) -> ScimResponse:
    resource = await _body(request)
    async with units.begin() as uow:
        user = await users.replace(uow, _id(user_id), resource, if_match)
    return _user_response(request, user, status.HTTP_200_OK)


@router.patch("/Users/{user_id}")
async def patch_user(
    request: Request, user_id: str, units: Units, users: Users, if_match: IfMatch = None
) -> ScimResponse:
    body = await _body(request)
    async with units.begin() as uow:
        user = await users.patch(uow, _id(user_id), body.get("Operations"), if_match)
    return _user_response(request, user, status.HTTP_200_OK)


@router.delete("/Users/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_user(user_id: str, units: Units, users: Users, if_match: IfMatch = None) -> Response:
    """Erases the participant (their right to erasure): every service removes what it holds of them."""
    async with units.begin() as uow:
        await users.delete(uow, _id(user_id), if_match)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{unknown}")
async def unknown_endpoint(unknown: str) -> ScimResponse:
    """Declared last: any other endpoint is a SCIM 404, as clients expect an Error body from every answer."""
    return scim_error(
        status.HTTP_404_NOT_FOUND, f"no SCIM endpoint /{unknown}: Users, ResourceTypes, Schemas, ServiceProviderConfig"
    )


async def _body(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.body())
    except (ValueError, UnicodeDecodeError):
        raise ScimRefusal("invalidSyntax", "the body is not JSON") from None
    if not isinstance(body, dict):
        raise ScimRefusal("invalidSyntax", "the body must be a JSON object")
    return body


def _id(user_id: str) -> UUID:
    try:
        return UUID(user_id)
    except ValueError:
        raise ScimRefusal(None, f"no SCIM user {user_id}", status.HTTP_404_NOT_FOUND) from None


def _view(request: Request, user: ScimUser) -> dict[str, Any]:
    """The resource as its provider set it, with the attributes the service provider sets (RFC 7643 section 3.1)."""
    schemas = list(user.resource.get("schemas") or [USER, *(urn for urn in EXTENSIONS if urn in user.resource)])
    return {
        **user.resource,
        "schemas": schemas,
        "id": str(user.participant_id),
        "meta": {
            "resourceType": "User",
            "created": user.created_at.isoformat(),
            "lastModified": user.modified_at.isoformat(),
            "location": str(request.url_for("user", user_id=str(user.participant_id))),
            "version": etag(user.version),
        },
    }


def _user_response(request: Request, user: ScimUser, status_code: int) -> ScimResponse:
    view = _view(request, user)
    return ScimResponse(
        view, status_code, headers={"ETag": view["meta"]["version"], "Location": view["meta"]["location"]}
    )
