"""One catalogue per language for every string the portal shows (English is the source), and dates and times in
the viewer's time zone and locale.

The German catalogue is `locales/de/LC_MESSAGES/messages.po`, read when the portal starts (no build step);
`tests/unit/test_catalogue.py` fails when a string in a template or module has no German translation.
"""

from __future__ import annotations

import gettext
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_date, format_datetime, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from flipside_shared.time_zones import zone_named

LOCALES_DIR = Path(__file__).parent / "locales"
LANGUAGES = ("en", "de")
DEFAULT_LANGUAGE = "en"
LANGUAGE_NAMES = {"en": "English", "de": "Deutsch"}


def N_(message: str) -> str:
    """Marks a sentence written in Python for the catalogue; it is translated where it is shown."""
    return message


@cache
def translations(language: str) -> gettext.NullTranslations:
    if language == DEFAULT_LANGUAGE:
        return gettext.NullTranslations()
    with (LOCALES_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as source:
        catalog = read_po(source, locale=language)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled)


def negotiate(accept_language: str | None) -> str:
    """The first of the browser's languages (in its order of preference) that the portal speaks."""
    weighted = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, parameters = part.strip().partition(";")
        quality = 1.0
        if parameters.strip().startswith("q="):
            try:
                quality = float(parameters.strip()[2:])
            except ValueError:
                quality = 0.0
        weighted.append((-quality, position, tag.split("-")[0].strip().lower()))
    for _quality, _position, language in sorted(weighted):
        if language in LANGUAGES:
            return language
    return DEFAULT_LANGUAGE


def zone(name: str | None) -> ZoneInfo:
    try:
        return zone_named(name) if name else ZoneInfo("UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


@dataclass(frozen=True)
class Language:
    """What one page speaks: the language's strings and the viewer's formats and time zone."""

    code: str
    time_zone: ZoneInfo

    @property
    def gettext(self) -> Callable[[str], str]:
        return translations(self.code).gettext

    @property
    def ngettext(self) -> Callable[[str, str, int], str]:
        return translations(self.code).ngettext

    def when(self, moment: datetime | str | None, form: str = "medium") -> str:
        """A moment as the viewer reads it, in their zone, with the zone named (`Tue, 5 Dec 2026, 14:00 CET`)."""
        instant = _instant(moment)
        if instant is None:
            return ""
        local = instant.astimezone(self.time_zone)
        return f"{format_datetime(local, form, locale=self.code)} {format_datetime(local, 'zzz', locale=self.code)}"

    def day(self, moment: datetime | date | str | None, form: str = "full") -> str:
        if isinstance(moment, date) and not isinstance(moment, datetime):
            return format_date(moment, form, locale=self.code)
        instant = _instant(moment)
        return "" if instant is None else format_date(instant.astimezone(self.time_zone), form, locale=self.code)

    def time(self, moment: datetime | str | None) -> str:
        instant = _instant(moment)
        return "" if instant is None else format_time(instant.astimezone(self.time_zone), "short", locale=self.code)


def _instant(moment: datetime | date | str | None) -> datetime | None:
    if moment is None or moment == "":
        return None
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    if not isinstance(moment, datetime):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo("UTC"))
