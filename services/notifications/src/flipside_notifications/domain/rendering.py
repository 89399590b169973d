"""Messages in the recipient's language and time zone, from Jinja2 templates.

Each template is one file per locale with three blocks: `subject`, `text` and
`html`; `_footer.j2` adds the unsubscribe line. A locale without a template falls
back to the configured default. Every template is rendered with sample data at
start-up (`check_templates`), so a broken one stops the service at deployment,
not at 2 am.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib.resources import files
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined, TemplateNotFound

from .preferences import KIND_OF_TEMPLATE
from .samples import sample_context


def _environment(escape_html: bool) -> Environment:
    return Environment(
        loader=PackageLoader("flipside_notifications", "templates"),
        autoescape=escape_html,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,  # templates ship with the code; checking their files for every message costs a stat each
    )


# One template file, compiled twice: the html block escapes what it inserts, subject and text must not.
_HTML, _PLAIN = _environment(escape_html=True), _environment(escape_html=False)


@dataclass(frozen=True)
class RenderedMessage:
    subject: str
    text: str
    html: str


class TemplateProblem(Exception):
    """A template that cannot render: named with its locale and the error."""


# Spelt out here rather than through the C library's locales, which a server may not have installed.
WEEKDAYS = {
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "de": ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"),
}
DATE_PATTERNS = {"en": "%Y-%m-%d, %H:%M", "de": "%d.%m.%Y, %H:%M"}


@cache
def available_locales() -> frozenset[str]:
    return frozenset(
        entry.name for entry in files("flipside_notifications").joinpath("templates").iterdir() if entry.is_dir()
    )


def local_time(value: str, time_zone: str, language: str) -> str:
    """A UTC instant as the recipient reads it: their weekday, date and time, and their zone."""
    moment = datetime.fromisoformat(value).astimezone(ZoneInfo(time_zone))
    return f"{WEEKDAYS[language][moment.weekday()]} {moment.strftime(DATE_PATTERNS[language])} ({time_zone})"


def render(template: str, locale: str, context: dict[str, Any], fallback: str = "en") -> RenderedMessage:
    """The message; a digest renders each of its items first, in the same language."""
    language = locale.split("-")[0].split("_")[0]
    language = _language_or(fallback, language, template)
    if template == "digest":
        items = [
            _as_dict(render(item["template"], language, {**context, **item["context"]}, fallback))
            for item in context["items"]
        ]
        context = {**context, "items": items}
    return RenderedMessage(**_blocks(f"{language}/{template}.j2", context, language, ("subject", "text"), ("html",)))


def with_footer(
    message: RenderedMessage, locale: str, unsubscribe_url: str, kind: str, fallback: str = "en"
) -> RenderedMessage:
    language = locale.split("-")[0].split("_")[0]
    language = _language_or(fallback, language, "_footer")
    footer = _blocks(
        f"{language}/_footer.j2", {"unsubscribe_url": unsubscribe_url, "kind": kind}, language, ("text",), ("html",)
    )
    return RenderedMessage(message.subject, f"{message.text}\n\n{footer['text']}", f"{message.html}\n{footer['html']}")


def check_templates(fallback: str) -> None:
    """Render every template in every locale with sample data; raise one TemplateProblem naming all failures."""
    problems = []
    for locale in sorted(available_locales()):
        for template in KIND_OF_TEMPLATE:
            try:
                message = render(template, locale, sample_context(template), fallback)
                with_footer(
                    message,
                    locale,
                    "https://flipside.example.com/unsubscribe/sample",
                    KIND_OF_TEMPLATE[template],
                    fallback,
                )
            except Exception as error:
                problems.append(f"{locale}/{template}: {type(error).__name__}: {error}")
    if problems:
        raise TemplateProblem("templates that cannot render:\n  " + "\n  ".join(problems))


def _language_or(fallback: str, language: str, template: str) -> str:
    """The recipient's language when it has this template, else the fallback."""
    if language not in available_locales():
        return fallback
    try:
        _PLAIN.get_template(f"{language}/{template}.j2")
    except TemplateNotFound:
        return fallback
    return language


def _blocks(
    path: str, context: dict[str, Any], language: str, plain: tuple[str, ...], html: tuple[str, ...]
) -> dict[str, str]:
    variables = {**context, "locale": language}
    if "time_zone" in context:
        variables["local_time"] = lambda value: local_time(value, context["time_zone"], language)
    parts = {}
    for environment, names in ((_PLAIN, plain), (_HTML, html)):
        loaded = environment.get_template(path)
        for name in names:
            parts[name] = "".join(loaded.blocks[name](loaded.new_context(variables))).strip()
    return parts


def _as_dict(message: RenderedMessage) -> dict[str, str]:
    return {"subject": message.subject, "text": message.text, "html": message.html}
