"""The portal's pages, one module per area; `router` holds them all."""

from fastapi import APIRouter

from . import (
    absences,
    admin,
    concerns,
    home,
    lead,
    my_data,
    orientation,
    pairs,
    preferences,
    profile,
    programs,
    proposals,
    self_assessments,
    sessions,
    sign_in,
    stories,
    surveys,
)

router = APIRouter(include_in_schema=False)
router.include_router(sign_in.router)
router.include_router(home.router)
router.include_router(pairs.router)
router.include_router(proposals.router)
router.include_router(sessions.router)
router.include_router(absences.router)
router.include_router(surveys.router)
router.include_router(programs.router)
router.include_router(profile.router)
router.include_router(preferences.router)
router.include_router(self_assessments.router)
router.include_router(concerns.router)
router.include_router(my_data.router)
router.include_router(lead.router)
router.include_router(admin.router)
router.include_router(orientation.router)
router.include_router(stories.router)
