"""Matching's HTTP edge. Thin: routes parse, authorise and answer; the `Matcher` does the work. What changes
state goes out as an event through the outbox and is handled like any other; reads and dry runs go straight to
the repository and the domain."""

from fastapi import APIRouter

from . import (
    at_risk,
    audit,
    content,
    enrolment,
    exports,
    own_pairs,
    pairing,
    participants,
    people_import,
    programs,
    scim,
    suggestions,
    taxonomy,
)

router = APIRouter()
for part in (
    programs,
    enrolment,
    people_import,
    participants,
    exports,
    own_pairs,
    pairing,
    at_risk,
    suggestions,
    audit,
    taxonomy,
    scim,
    content,
):
    router.include_router(part.router)

__all__ = ["router"]
