"""The request body limit: declared lengths refused before reading, streamed bodies counted as they arrive."""

import httpx
from fastapi import FastAPI, Request

from flipside_shared.body_limit import BodyLimit

LIMIT = 1024


def app_with_limit() -> FastAPI:
    app = FastAPI()
    app.add_middleware(BodyLimit, max_bytes=LIMIT, larger_bodies={r"/uploads/[a-z]+": 4 * LIMIT})

    @app.post("/echo")
    async def echo(body: dict) -> dict:
        return {"fields": len(body)}

    @app.post("/raw")
    @app.post("/uploads/{name}")
    async def raw(request: Request) -> dict:
        return {"bytes": len(await request.body())}

    return app


async def post(path: str, **request) -> httpx.Response:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app_with_limit()), base_url="http://flipside.test"
    ) as client:
        return await client.post(path, **request)


async def test_a_body_within_the_limit_is_handled():
    answer = await post("/echo", json={"name": "x" * (LIMIT - 20)})
    assert answer.status_code == 200, answer.text


async def test_a_declared_length_over_the_limit_is_refused_with_a_detail():
    answer = await post("/echo", json={"name": "x" * LIMIT})
    assert answer.status_code == 413
    assert answer.json()["detail"] == f"the request body is larger than the {LIMIT} bytes this service accepts"


async def test_a_chunked_body_is_refused_at_the_chunk_that_crosses_the_limit_and_read_no_further():
    sent = []

    async def chunks():
        for n in range(100):
            sent.append(n)
            yield b"x" * 300

    for path in ("/echo", "/raw"):
        sent.clear()
        answer = await post(path, content=chunks(), headers={"content-type": "application/json"})
        assert answer.status_code == 413 and "detail" in answer.json(), path
        assert len(sent) == 4, f"{path}: {len(sent)} chunks of 300 bytes read for a limit of {LIMIT}"


async def test_paths_named_for_larger_bodies_take_up_to_their_own_limit_and_no_more():
    within = await post("/uploads/people", content=b"x" * (3 * LIMIT))
    assert (within.status_code, within.json()) == (200, {"bytes": 3 * LIMIT})
    over = await post("/uploads/people", content=b"x" * (4 * LIMIT + 1))
    assert over.status_code == 413 and str(4 * LIMIT) in over.json()["detail"]
    elsewhere = await post("/raw", content=b"x" * (3 * LIMIT))
    assert elsewhere.status_code == 413, "only the paths named take more"
    under_the_path = await post("/uploads/people/more", content=b"x" * (3 * LIMIT))
    assert under_the_path.status_code == 413, "the pattern matches the whole path"
