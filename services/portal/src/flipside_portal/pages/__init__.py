"""The portal's pages, one module per area; `router` holds them all."""

from fastapi import APIRouter

from . import concerns, home, preferences, profile, programs, self_assessments, sign_in

router = APIRouter(include_in_schema=False)
router.include_router(sign_in.router)
router.include_router(home.router)
router.include_router(programs.router)
router.include_router(profile.router)
router.include_router(preferences.router)
router.include_router(self_assessments.router)
router.include_router(concerns.router)
