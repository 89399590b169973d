"""Pages: Jinja2 templates rendered in the viewer's language and time zone, with what every page needs in reach."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from .i18n import LANGUAGE_NAMES, LANGUAGES, Language, negotiate, zone
from .repository import BrowserSession

TEMPLATES_DIR = Path(__file__).parent / "templates"
LANGUAGE_COOKIE = "flipside_language"
TIME_ZONE_COOKIE = "flipside_time_zone"


def language_of(request: Request) -> Language:
    """The visitor's chosen language (their session's, else their cookie's), else their browser's; their browser's
    time zone (the page's script keeps it in a cookie), else UTC."""
    visitor: BrowserSession | None = getattr(request.state, "visitor", None)
    chosen = (visitor.locale if visitor else None) or request.cookies.get(LANGUAGE_COOKIE)
    code = chosen if chosen in LANGUAGES else negotiate(request.headers.get("accept-language"))
    # The page's script writes the zone URL-encoded (Europe%2FBerlin); cookies arrive as they were written.
    return Language(code, zone(unquote(request.cookies.get(TIME_ZONE_COOKIE, ""))))


def _formatting_gettext(translate: Callable[[str], str]) -> Callable[..., str]:
    """`_("Hello %(name)s", name=...)`: translated first, then filled in, escaping what is filled in."""

    def gettext(message: str, **variables: Any) -> str:
        text = Markup(translate(message))
        return text % variables if variables else text

    return gettext


def _formatting_ngettext(translate: Callable[[str, str, int], str]) -> Callable[..., str]:
    def ngettext(singular: str, plural: str, count: int, **variables: Any) -> str:
        return Markup(translate(singular, plural, count)) % {"num": count, **variables}

    return ngettext


class Pages:
    def __init__(self, templates_dir: Path = TEMPLATES_DIR) -> None:
        self.environment = Environment(
            loader=FileSystemLoader(templates_dir),
            autoescape=select_autoescape(["html"]),
            extensions=["jinja2.ext.i18n"],
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.environment.install_null_translations(newstyle=True)  # type: ignore[attr-defined]

    def render(self, request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        language = language_of(request)
        gettext = _formatting_gettext(language.gettext)
        page = self.environment.get_template(template).render(
            request=request,
            visitor=getattr(request.state, "visitor", None),
            csrf_token=getattr(request.state, "csrf_token", ""),
            language=language,
            languages=[(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
            gettext=gettext,
            _=gettext,
            ngettext=_formatting_ngettext(language.ngettext),
            when=language.when,
            day=language.day,
            time=language.time,
            **context,
        )
        return HTMLResponse(page, status_code=status_code)

    def translate(self, request: Request, message: str, **variables: Any) -> str:
        """A sentence from Python code (a flash message, a refusal), in the viewer's language."""
        text = language_of(request).gettext(message)
        return text % variables if variables else text
