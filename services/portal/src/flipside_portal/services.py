"""The four services' HTTP APIs, called as the signed-in person (their own access token), answers turned into
sentences: the portal never shows a person JSON."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx

from .settings import PortalSettings


@dataclass
class ServiceRefused(Exception):
    """A service said no. `message` is a sentence for the page; `fields` maps a form field to what is wrong with it."""

    status: int
    message: str
    fields: dict[str, str] = field(default_factory=dict)
    details: list[str] = field(default_factory=list)
    """What else the service listed (the rules a pair by hand breaks), each a sentence."""
    answer: dict[str, Any] = field(default_factory=dict)
    """The service's whole answer, for a page that shows more of it (the row errors of an import refused)."""

    def __str__(self) -> str:
        return f"{self.status}: {self.message}"


class ServiceUnavailable(Exception):
    """A service did not answer, or answered with a failure of its own."""

    def __init__(self, service: str) -> None:
        super().__init__(service)
        self.service = service


class ServiceClient:
    def __init__(self, name: str, base_url: str, http: httpx.AsyncClient) -> None:
        self.name = name
        self._base_url = base_url.rstrip("/")
        self._http = http

    async def get(self, path: str, token: str | None, params: dict[str, Any] | None = None) -> Any:
        return await self.call("GET", path, token, params=params)

    async def post(self, path: str, token: str | None, body: Any = None) -> Any:
        return await self.call("POST", path, token, body=body)

    async def put(self, path: str, token: str | None, body: Any = None) -> Any:
        return await self.call("PUT", path, token, body=body)

    async def patch(self, path: str, token: str | None, body: Any = None) -> Any:
        return await self.call("PATCH", path, token, body=body)

    async def delete(self, path: str, token: str | None) -> Any:
        return await self.call("DELETE", path, token)

    async def post_file(self, path: str, token: str | None, data: bytes, content_type: str) -> Any:
        """A file as the body itself (a CSV import), not JSON."""
        return await self.call("POST", path, token, file=(data, content_type))

    async def call(
        self,
        method: str,
        path: str,
        token: str | None,
        body: Any = None,
        params: dict[str, Any] | None = None,
        file: tuple[bytes, str] | None = None,
    ) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        if file is not None:
            headers["Content-Type"] = file[1]
        try:
            response = await self._http.request(
                method,
                f"{self._base_url}{path}",
                headers=headers,
                json=body,
                content=file[0] if file is not None else None,
                params=params,
            )
        except httpx.HTTPError:
            raise ServiceUnavailable(self.name) from None
        if response.status_code >= 500:
            raise ServiceUnavailable(self.name)
        if response.status_code >= 400:
            raise refusal(response)
        if response.status_code == 204 or not response.content:
            return None
        if response.headers.get("content-type", "").startswith("application/json"):
            return response.json()
        return response.text


def refusal(response: httpx.Response) -> ServiceRefused:
    """The service's `detail`, as sentences: a plain message, or pydantic's field errors by field name."""
    try:
        answer = response.json()
        detail = answer.get("detail")
    except (ValueError, AttributeError):
        answer, detail = {}, None
    if isinstance(detail, list):
        fields: dict[str, str] = {}
        for problem in detail:
            name, sentence = _field_problem(problem)
            fields.setdefault(name, sentence)
        return ServiceRefused(response.status_code, _sentence("Some fields need another look"), fields)
    if isinstance(detail, dict):
        message = str(detail.get("message") or detail.get("reason") or detail)
        listed = detail.get("violations")
        details = [_sentence(str(item)) for item in listed] if isinstance(listed, list) else []
        return ServiceRefused(response.status_code, _sentence(message), details=details)
    if isinstance(detail, str) and detail:
        # A service's own "field: what is wrong" names its field too; the whole sentence stays the message.
        name, sentence = _field_problem(detail) if response.status_code == 422 else ("form", "")
        fields = {name: sentence} if name != "form" else {}
        return ServiceRefused(response.status_code, _sentence(detail), fields)
    reason = _sentence(response.reason_phrase or "The request was refused")
    return ServiceRefused(response.status_code, reason, answer=answer if isinstance(answer, dict) else {})


def _field_problem(problem: object) -> tuple[str, str]:
    """One field error: pydantic's `{"loc", "msg"}`, or a service's own `"questions.0.text: msg"`."""
    if isinstance(problem, dict):
        location = [str(part) for part in problem.get("loc", ()) if part not in ("body", "query", "path")]
        return ".".join(location) or "form", _sentence(str(problem.get("msg", "is not valid")))
    name, separator, message = str(problem).partition(": ")
    if not separator or " " in name:
        return "form", _sentence(str(problem))
    return name.removeprefix("body.") or "form", _sentence(message)


def _sentence(text: str) -> str:
    text = text.strip()
    if text.lower().startswith("value error, "):
        text = text[len("value error, ") :]
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else f"{text}."


class Services:
    """The four services, sharing one connection pool."""

    def __init__(self, settings: PortalSettings, http: httpx.AsyncClient) -> None:
        self.matching = ServiceClient("matching", settings.matching_url, http)
        self.scheduling = ServiceClient("scheduling", settings.scheduling_url, http)
        self.feedback = ServiceClient("feedback", settings.feedback_url, http)
        self.notifications = ServiceClient("notifications", settings.notifications_url, http)
