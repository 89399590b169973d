"""The CSRF check and the headers, on a tiny app of their own: a form posts only with the cookie's token."""

import httpx
from fastapi import FastAPI, Form, Request
from fastapi.responses import PlainTextResponse

from flipside_portal.security import CSRF_COOKIE, CsrfProtection, SecurityHeaders, content_security_policy


async def refuse(request: Request, kind: str) -> PlainTextResponse:
    return PlainTextResponse(kind, status_code=413 if kind == "too_large" else 403)


def client() -> httpx.AsyncClient:
    app = FastAPI()

    @app.get("/form")
    async def form(request: Request) -> PlainTextResponse:
        return PlainTextResponse(request.state.csrf_token)

    @app.post("/form")
    async def post(name: str = Form()) -> PlainTextResponse:
        return PlainTextResponse(f"hello {name}")

    protected = CsrfProtection(app, refuse=refuse, secure_cookie=True, max_body_bytes=1024)
    headed = SecurityHeaders(protected, content_security_policy(["https://issuer.example"]))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=headed), base_url="https://portal.example")


async def test_a_page_hands_out_a_token_its_form_sends_back():
    async with client() as browser:
        page = await browser.get("/form")
        token = page.text
        assert browser.cookies[CSRF_COOKIE] == token
        cookie = page.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Secure" in cookie
        sent = await browser.post("/form", data={"name": "Ada", "csrf_token": token})
        assert (sent.status_code, sent.text) == (200, "hello Ada")
        assert "set-cookie" not in sent.headers  # the same token stays


async def test_a_post_without_or_with_another_token_is_refused():
    async with client() as browser:
        token = (await browser.get("/form")).text
        assert (await browser.post("/form", data={"name": "Ada"})).status_code == 403
        other = "x" * len(token)
        assert (await browser.post("/form", data={"name": "Ada", "csrf_token": other})).status_code == 403
        browser.cookies.clear()
        assert (await browser.post("/form", data={"name": "Ada", "csrf_token": token})).status_code == 403


async def test_a_script_may_send_the_token_as_a_header():
    async with client() as browser:
        token = (await browser.get("/form")).text
        sent = await browser.post("/form", data={"name": "Ada"}, headers={"X-CSRF-Token": token})
        assert sent.status_code == 200


async def test_a_form_with_a_file_carries_its_token_among_its_parts():
    async with client() as browser:
        token = (await browser.get("/form")).text
        file = {"file": ("people.csv", b"employee_id\nE1\n", "text/csv")}
        sent = await browser.post("/form", data={"name": "Ada", "csrf_token": token}, files=file)
        assert (sent.status_code, sent.text) == (200, "hello Ada"), "the page still reads the whole form"
        other = await browser.post("/form", data={"name": "Ada", "csrf_token": "x" * len(token)}, files=file)
        assert other.status_code == 403
        assert (await browser.post("/form", data={"name": "Ada"}, files=file)).status_code == 403
        broken = {"content-type": "multipart/form-data; boundary=nothing"}
        assert (await browser.post("/form", content=b"not a form", headers=broken)).status_code == 403


async def test_an_oversized_form_is_refused_before_it_is_read_through():
    async with client() as browser:
        token = (await browser.get("/form")).text
        sent = await browser.post("/form", data={"name": "A" * 5000, "csrf_token": token})
        assert sent.status_code == 413


async def test_every_answer_carries_a_strict_policy():
    async with client() as browser:
        headers = (await browser.get("/form")).headers
    policy = headers["content-security-policy"]
    assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy
    assert "frame-ancestors 'none'" in policy and "form-action 'self' https://issuer.example" in policy
    assert headers["x-frame-options"] == "DENY" and headers["referrer-policy"] == "no-referrer"
