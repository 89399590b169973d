"""The portal's pages, one module per area; `router` holds them all."""

from fastapi import APIRouter

from . import absences, home, pairs, proposals, sessions, sign_in, surveys

router = APIRouter(include_in_schema=False)
router.include_router(sign_in.router)
router.include_router(home.router)
router.include_router(pairs.router)
router.include_router(proposals.router)
router.include_router(sessions.router)
router.include_router(absences.router)
router.include_router(surveys.router)
