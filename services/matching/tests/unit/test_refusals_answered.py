"""The HTTP edge answers each kind of refusal with its status and the detail meant for the caller."""

import httpx
import pytest
from fastapi import APIRouter, FastAPI

from flipside_matching.api.refusals import AnsweringRefusals
from flipside_matching.domain.refusals import Conflict, Gone, Invalid, NotFound, NotTheirs, Refused


async def answered(refusal: Refused) -> tuple[int, object]:
    router = APIRouter(route_class=AnsweringRefusals)

    @router.get("/refused")
    async def refused() -> None:
        raise refusal

    app = FastAPI()
    app.include_router(router)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://flipside.test") as client:
        response = await client.get("/refused")
    return response.status_code, response.json()["detail"]


@pytest.mark.parametrize(
    ("refusal", "status"),
    [
        (NotFound("no such pair"), 404),
        (Conflict("already paired"), 409),
        (Invalid("grade out of range"), 422),
        (Gone("erased"), 410),
        (NotTheirs("not your pair"), 403),
    ],
)
async def test_each_kind_of_refusal_has_its_status(refusal, status):
    assert await answered(refusal) == (status, str(refusal))


async def test_the_caller_gets_the_detail_meant_for_them_and_a_dead_letter_the_full_reason():
    refusal = Conflict(
        "a hard rule is broken", {"message": "a hard rule is broken", "violations": ["same reporting line"]}
    )
    assert await answered(refusal) == (409, {"message": "a hard rule is broken", "violations": ["same reporting line"]})
    assert str(refusal) == "a hard rule is broken"
