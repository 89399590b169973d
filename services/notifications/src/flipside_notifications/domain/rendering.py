"""Messages in the recipient's language and time zone, from Jinja2 templates.

Each template is one file per locale with three blocks: `subject`, `text` and
`html`. A locale without the template falls back to English.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined, TemplateNotFound, select_autoescape

FALLBACK_LOCALE = "en"

_environment = Environment(
    loader=PackageLoader("flipside_notifications", "templates"),
    autoescape=select_autoescape(default=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


@dataclass(frozen=True)
class RenderedMessage:
    subject: str
    text: str
    html: str


# Spelt out here rather than through the C library's locales, which a server may not have installed.
WEEKDAYS = {
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "de": ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"),
}
DATE_PATTERNS = {"en": "%Y-%m-%d, %H:%M", "de": "%d.%m.%Y, %H:%M"}


def local_time(value: str, time_zone: str, language: str) -> str:
    """A UTC instant as the recipient reads it: their weekday, date and time, and their zone."""
    moment = datetime.fromisoformat(value).astimezone(ZoneInfo(time_zone))
    return f"{WEEKDAYS[language][moment.weekday()]} {moment.strftime(DATE_PATTERNS[language])} ({time_zone})"


def render(template: str, locale: str, context: dict[str, Any]) -> RenderedMessage:
    language = locale.split("-")[0]
    try:
        loaded = _environment.get_template(f"{language}/{template}.j2")
    except TemplateNotFound:
        language = FALLBACK_LOCALE
        loaded = _environment.get_template(f"{FALLBACK_LOCALE}/{template}.j2")
    variables = {**context, "locale": language, "local_time": lambda value: local_time(value, context["time_zone"], language)}
    parts = {
        name: "".join(loaded.blocks[name](loaded.new_context(variables))).strip() for name in ("subject", "text", "html")
    }
    return RenderedMessage(**parts)
