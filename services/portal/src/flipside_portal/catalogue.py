"""The portal's strings and their translations: `python -m flipside_portal.catalogue` brings every language's
`.po` file up to date with the strings in the templates and modules (new ones arrive untranslated; gone ones
leave), and `missing()` lists what a language still lacks (the unit tests fail on any)."""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po, write_po

from .i18n import DEFAULT_LANGUAGE, LANGUAGES, LOCALES_DIR

SOURCE_DIR = Path(__file__).parent
METHODS = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
KEYWORDS = {**DEFAULT_KEYWORDS, "translate": (2,)}


def source_strings() -> Catalog:
    catalog = Catalog(project="Flipside portal")
    for file_name, line, message, comments, _context in extract_from_dir(
        SOURCE_DIR, METHODS, keywords=KEYWORDS, options_map={"**/templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    ):
        catalog.add(message, None, [(file_name, line)], auto_comments=comments)
    return catalog


def po_path(language: str) -> Path:
    return LOCALES_DIR / language / "LC_MESSAGES" / "messages.po"


def read(language: str) -> Catalog:
    path = po_path(language)
    if not path.exists():
        return Catalog(locale=language)
    with path.open("rb") as source:
        return read_po(source, locale=language)


def update() -> None:
    template = source_strings()
    for language in LANGUAGES:
        if language == DEFAULT_LANGUAGE:
            continue
        catalog = read(language)
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        catalog.project, catalog.version, catalog.fuzzy = "Flipside portal", "1", False
        po_path(language).parent.mkdir(parents=True, exist_ok=True)
        with po_path(language).open("wb") as target:
            write_po(target, catalog, width=120, omit_header=False, sort_output=True, include_lineno=False)


def missing(language: str) -> list[str]:
    """The source strings `language` has no translation of."""
    catalog = read(language)
    lacking = []
    for message in source_strings():
        if not message.id:
            continue
        translated = catalog.get(message.id)
        if translated is None or not translated.string or translated.fuzzy:
            lacking.append(message.id if isinstance(message.id, str) else message.id[0])
    return lacking


if __name__ == "__main__":
    update()
    for language in LANGUAGES:
        if language != DEFAULT_LANGUAGE and (lacking := missing(language)):
            print(f"{language}: {len(lacking)} strings to translate in {po_path(language)}", file=sys.stderr)
