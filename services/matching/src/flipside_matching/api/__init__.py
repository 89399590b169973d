"""Matching's HTTP edge. Thin: what changes state goes out as an event through the outbox and is
handled like any other; reads and dry runs go straight to the repository and the domain."""

from fastapi import APIRouter

from . import at_risk, audit, pairing, participants, programs, suggestions
from .common import Engine

router = APIRouter()
for part in (programs, participants, pairing, at_risk, suggestions, audit):
    router.include_router(part.router)

__all__ = ["Engine", "router"]
