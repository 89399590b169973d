"""Messages in the recipient's language and time zone, from Jinja2 templates and one Babel catalogue per locale.

Each template is one file with three blocks: `subject`, `text` and `html`; `_footer.j2`
adds the unsubscribe line. Every sentence goes through `locales/<language>/LC_MESSAGES/messages.po`
(compiled in memory when first used); a language without a catalogue falls back to the
configured default. Every template is rendered with sample data in every language at
start-up (`check_templates`), so a broken one stops the service at deployment, not at 2 am.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import cache, lru_cache, partial
from importlib.resources import files
from io import BytesIO
from typing import Any

from babel.dates import format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from flipside_shared.time_zones import zone_named

from .preferences import KIND_OF_TEMPLATE
from .reasons import translated_reason
from .samples import sample_context

CATALOGUES = files("flipside_notifications").joinpath("locales")
BLANK_LINES = re.compile(r"\n{3,}")


@dataclass(frozen=True)
class RenderedMessage:
    subject: str
    text: str
    html: str


class TemplateProblem(Exception):
    """A template that cannot render: named with its locale and the error."""


@cache
def available_locales() -> frozenset[str]:
    return frozenset(entry.name for entry in CATALOGUES.iterdir() if entry.is_dir())


@cache
def translations(language: str) -> Translations:
    """The language's catalogue, compiled from its `.po` file."""
    with CATALOGUES.joinpath(language, "LC_MESSAGES", "messages.po").open("rb") as po:
        catalogue = read_po(po, locale=language)
    compiled = BytesIO()
    write_mo(compiled, catalogue)
    compiled.seek(0)
    return Translations(compiled)


def _plain(value: Any) -> Any:
    return value


def _strong(value: Any) -> Markup:
    return Markup("<strong>{}</strong>").format(value)


def _anchor(url: str) -> Markup:
    return Markup('<a href="{}">{}</a>').format(url, url)


@cache
def _environment(language: str, escape_html: bool) -> Environment:
    """One per language, twice: the html block escapes what it inserts, subject and text must not."""
    environment = Environment(
        loader=PackageLoader("flipside_notifications", "templates"),
        autoescape=escape_html,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,  # templates ship with the code; checking their files for every message costs a stat each
        extensions=["jinja2.ext.i18n"],
    )
    catalogue = translations(language)
    environment.install_gettext_translations(catalogue, newstyle=True)  # type: ignore[attr-defined]
    # Emphasis is bold in html and nothing in plain text, so both share one sentence of the catalogue.
    environment.globals["emphasis"] = _strong if escape_html else _plain
    environment.globals["link"] = _anchor if escape_html else _plain
    environment.globals["reason"] = lambda text: translated_reason(text, catalogue.gettext)
    return environment


# A message states the same time in its subject, its text and its html: formatted once.
@lru_cache(maxsize=1024)
def local_time(value: str, time_zone: str, language: str) -> str:
    """A UTC instant as the recipient reads it: their weekday, date and time, and their zone."""
    zone = zone_named(time_zone)
    # Translators: a Unicode (CLDR) date pattern; EEEE is the weekday's name.
    pattern = translations(language).gettext("EEEE yyyy-MM-dd, HH:mm")
    moment = datetime.fromisoformat(value).astimezone(zone)
    return f"{format_datetime(moment, pattern, tzinfo=zone, locale=language)} ({time_zone})"


def render(
    template: str, locale: str, context: dict[str, Any], fallback: str = "en", portal_url: str | None = None
) -> RenderedMessage:
    """The message; a digest renders each of its items first, in the same language. With `portal_url`, the message
    links to the portal's page where its action is done."""
    language = _language_or(fallback, locale)
    # Someone not (or no longer) known by name is still spoken of in the recipient's language.
    partner_name = context.get("partner_name") or translations(language).gettext("your partner")
    context = {**context, "portal_url": portal_url, "partner_name": partner_name}
    if template == "digest":
        items = [
            _as_dict(render(item["template"], language, {**context, **item["context"]}, fallback, portal_url))
            for item in context["items"]
        ]
        context = {**context, "items": items}
    return RenderedMessage(**_blocks(f"{template}.j2", context, language, ("subject", "text"), ("html",)))


def with_footer(
    message: RenderedMessage,
    locale: str,
    unsubscribe_url: str,
    kind: str,
    fallback: str = "en",
    portal_url: str | None = None,
) -> RenderedMessage:
    language = _language_or(fallback, locale)
    footer = _blocks(
        "_footer.j2",
        {"unsubscribe_url": unsubscribe_url, "kind": kind, "portal_url": portal_url},
        language,
        ("text",),
        ("html",),
    )
    return RenderedMessage(message.subject, f"{message.text}\n\n{footer['text']}", f"{message.html}\n{footer['html']}")


def check_templates(fallback: str) -> None:
    """Render every template in every locale with sample data, with and without portal links; raise one
    TemplateProblem naming all failures."""
    problems = []
    for locale in sorted(available_locales()):
        for template in KIND_OF_TEMPLATE:
            for portal_url in (None, "https://flipside.example.com"):
                try:
                    message = render(template, locale, sample_context(template), fallback, portal_url)
                    with_footer(
                        message,
                        locale,
                        "https://flipside.example.com/unsubscribe/sample",
                        KIND_OF_TEMPLATE[template],
                        fallback,
                        portal_url,
                    )
                except Exception as error:
                    problems.append(f"{locale}/{template}: {type(error).__name__}: {error}")
    if problems:
        raise TemplateProblem("templates that cannot render:\n  " + "\n  ".join(sorted(set(problems))))


def language_of(locale: str) -> str:
    """`de` of `de-DE` or `de_DE`."""
    return locale.split("-")[0].split("_")[0]


def _language_or(fallback: str, locale: str) -> str:
    """The recipient's language when it has a catalogue, else the fallback."""
    language = language_of(locale)
    return language if language in available_locales() else fallback


def _blocks(
    path: str, context: dict[str, Any], language: str, plain: tuple[str, ...], html: tuple[str, ...]
) -> dict[str, str]:
    variables: dict[str, Any] = {**context, "locale": language}
    if "time_zone" in context:
        variables["local_time"] = partial(local_time, time_zone=context["time_zone"], language=language)
    parts = {}
    for escape_html, names in ((False, plain), (True, html)):
        loaded = _environment(language, escape_html).get_template(path)
        for name in names:
            text = "".join(loaded.blocks[name](loaded.new_context(variables))).strip()
            # A line left out (no calendar feed, no portal) leaves no second blank line behind.
            parts[name] = text if escape_html else BLANK_LINES.sub("\n\n", text)
    return parts


def _as_dict(message: RenderedMessage) -> dict[str, str]:
    return {"subject": message.subject, "text": message.text, "html": message.html}
