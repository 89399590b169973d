"""Who may call a route, as FastAPI dependencies each route declares (so the OpenAPI document shows the
bearer scheme on it).

401 with `WWW-Authenticate: Bearer` when the token is missing or not accepted; 403 with the reason when a
valid token lacks the right. An admin may do everything; a participant acts for themself (the participant
id `identity.participant_id_for` finds in their token); a program lead sees and runs their own programs, in aggregate;
an executive sponsor sees their programs' aggregate results and nothing else.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from uuid import UUID

from fastapi import Depends, HTTPException, Request, Security, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from .keys import KeySetUnavailable
from .tokens import InvalidToken, Principal, TokenVerifier

bearer = HTTPBearer(
    auto_error=False,
    bearerFormat="JWT",
    description="An access token (JWT) of the configured issuer, with the Flipside roles in its roles claim.",
)


def authenticated(request: Request, credentials: HTTPAuthorizationCredentials | None = Security(bearer)) -> Principal:
    """Any caller with a valid token; the route checks the rest against what it loads.

    A plain function: FastAPI runs it in a worker thread, so fetching the issuer's keys never blocks the loop."""
    if credentials is None:
        raise _unauthorized(None)
    verifier: TokenVerifier = request.app.state.token_verifier
    try:
        return verifier.verify(credentials.credentials)
    except InvalidToken as error:
        raise _unauthorized(str(error)) from None
    except KeySetUnavailable as error:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, str(error)) from None


def forbidden(reason: str) -> HTTPException:
    return HTTPException(status.HTTP_403_FORBIDDEN, reason)


def require_admin(principal: Principal = Depends(authenticated)) -> Principal:
    if not principal.is_admin:
        raise forbidden("only an admin may do this")
    return principal


def require_self(parameter: str = "participant_id") -> Callable[..., Principal]:
    """The participant the path names, themself, or an admin."""

    def dependency(request: Request, principal: Principal = Depends(authenticated)) -> Principal:
        if not principal.may_act_as(path_uuid(request, parameter)):
            raise forbidden("a participant may only do this for themself")
        return principal

    return dependency


def require_lead(parameter: str = "program_id") -> Callable[..., Principal]:
    """A lead of the program the path names, or an admin."""

    def dependency(request: Request, principal: Principal = Depends(authenticated)) -> Principal:
        if not principal.leads(request.path_params[parameter]):
            raise forbidden("only a lead of this program or an admin may do this")
        return principal

    return dependency


SponsorLookup = Callable[[Request, str], Awaitable[frozenset[str]]]
"""The subjects of a program's executive sponsors (`ProgramDetails.sponsors`), as the service that checks knows them."""


def require_lead_or_sponsor(
    sponsors_of: SponsorLookup, parameter: str = "program_id"
) -> Callable[..., Awaitable[Principal]]:
    """A lead of the program the path names, an admin, or one of its executive sponsors (the sponsor role, and their
    subject among the program's sponsors): for aggregate results only, never a route that shows one person's data."""

    async def dependency(request: Request, principal: Principal = Depends(authenticated)) -> Principal:
        program_id = request.path_params[parameter]
        if principal.leads(program_id):
            return principal
        if principal.is_sponsor and principal.subject in await sponsors_of(request, program_id):
            return principal
        raise forbidden("only a lead or a sponsor of this program or an admin may do this")

    return dependency


def require_self_or_lead(participant: str = "participant_id", program: str = "program_id") -> Callable[..., Principal]:
    """The participant the path names, a lead of the program it names, or an admin."""

    def dependency(request: Request, principal: Principal = Depends(authenticated)) -> Principal:
        if not (principal.may_act_as(path_uuid(request, participant)) or principal.leads(request.path_params[program])):
            raise forbidden("only this participant, a lead of this program or an admin may do this")
        return principal

    return dependency


@dataclass(frozen=True)
class PairPeople:
    """Who belongs to a pair, as the service that checks it knows them."""

    members: tuple[UUID, ...]


PairLookup = Callable[[Request], Awaitable[PairPeople | None]]


def require_pair_member(lookup: PairLookup) -> Callable[..., Awaitable[Principal]]:
    """One of the pair's people (as `lookup` finds them from the request), or an admin. 404 when there is no such pair."""

    async def dependency(request: Request, principal: Principal = Depends(authenticated)) -> Principal:
        if principal.is_admin:
            return principal
        people = await lookup(request)
        if people is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "no such pair")
        if principal.participant_id not in people.members:
            raise forbidden("only the pair's two people or an admin may do this")
        return principal

    return dependency


def acting_as(principal: Principal, participant_id: UUID) -> None:
    """For bodies that name who acts (an owner, a proposer, who confirms): the caller must be them, or an admin."""
    if not principal.may_act_as(participant_id):
        raise forbidden(f"the token is not participant {participant_id}")


def path_uuid(request: Request, parameter: str) -> UUID:
    """A path parameter as a UUID, for rules that run before FastAPI has validated the path."""
    try:
        return UUID(request.path_params[parameter])
    except ValueError:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, f"{parameter} is not a UUID") from None


def _unauthorized(reason: str | None) -> HTTPException:
    # RFC 6750: no error code when no token came; invalid_token with a description otherwise.
    challenge = (
        'Bearer realm="flipside"'
        if reason is None
        else f'Bearer realm="flipside", error="invalid_token", error_description="{_quoted(reason)}"'
    )
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED,
        reason or "a bearer token is required",
        headers={"WWW-Authenticate": challenge},
    )


def _quoted(text: str) -> str:
    return text.replace("\\", "").replace('"', "'")
