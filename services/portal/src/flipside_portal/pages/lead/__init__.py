"""The pages of program leads (and of admins, who lead every program), one module per page."""

from fastapi import APIRouter

from . import (
    at_risk,
    closing,
    fairness,
    insights,
    life,
    pairs,
    people_import,
    policy,
    program_content,
    programs,
    questionnaire,
    runs,
    schedule,
)

router = APIRouter()
for page in (
    programs,
    runs,
    pairs,
    at_risk,
    insights,
    policy,
    fairness,
    questionnaire,
    schedule,
    life,
    people_import,
    closing,
    program_content,
):
    router.include_router(page.router)
