"""The portal's pages, one module per area; `router` holds them all."""

from fastapi import APIRouter

from . import home, pairs, proposals, sign_in

router = APIRouter(include_in_schema=False)
router.include_router(sign_in.router)
router.include_router(home.router)
router.include_router(pairs.router)
router.include_router(proposals.router)
