"""One Babel catalogue per language holds every sentence of every message, and each message links to its portal page."""

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

import flipside_notifications
from flipside_notifications.domain.preferences import KIND_OF_TEMPLATE, Preferences
from flipside_notifications.domain.reasons import translated_reason
from flipside_notifications.domain.rendering import available_locales, render, translations, with_footer
from flipside_notifications.domain.samples import PAIR_ID, sample_context

SERVICE = Path(__file__).parents[2]
PORTAL = "https://portal.example.com"


def extracted() -> set[str | tuple[str, ...]]:
    with (SERVICE / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    return {
        message if isinstance(message, str) else tuple(message)
        for _, _, message, _, _ in extract_from_dir(str(SERVICE), method_map, options_map)
    }


def catalogue(language: str):
    package = Path(flipside_notifications.__file__).parent
    with (package / "locales" / language / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return read_po(po, locale=language)


@pytest.mark.parametrize("language", sorted(available_locales()))
def test_each_catalogue_holds_exactly_the_sentences_of_the_code_and_german_translates_them_all(language):
    entries = {m.id if isinstance(m.id, str) else tuple(m.id): m for m in catalogue(language) if m.id}
    assert set(entries) == extracted(), "run pybabel extract with babel.cfg and update the catalogues"
    if language != "en":
        untranslated = [
            key
            for key, m in entries.items()
            if m.fuzzy or not (all(m.string) if isinstance(m.string, tuple) else m.string)
        ]
        assert not untranslated


def test_without_a_portal_no_message_links_to_one():
    for template in KIND_OF_TEMPLATE:
        message = render(template, "en", sample_context(template))
        assert "/pairs/" not in message.text and "/proposals" not in message.text and "/sessions" not in message.text


@pytest.mark.parametrize("language", ["en", "de"])
def test_each_message_links_to_the_portal_page_of_its_action(language):
    pages = {
        "paired": f"/pairs/{PAIR_ID}",
        "proposal": "/proposals",
        "unmatched": "/profile",
        "session_scheduled": "/sessions",
        "session_rescheduled": "/sessions",
        "session_cancelled": "/sessions",
        "reminder": "/sessions",
        "recognition": f"/pairs/{PAIR_ID}",
        "at_risk": f"/pairs/{PAIR_ID}",
        "digest": "/",
    }
    for template, page in pages.items():
        message = render(template, language, sample_context(template), portal_url=PORTAL)
        assert f": {PORTAL}{page}" in message.text, template
        assert f'<a href="{PORTAL}{page}">' in message.html, template
    footer = with_footer(
        render("reminder", language, sample_context("reminder")), language, "https://u/t", "reminders", "en", PORTAL
    )
    assert f"{PORTAL}/preferences" in footer.text and "https://u/t" in footer.text, "the unsubscribe link stays"


def test_a_digest_links_home_and_each_item_to_its_own_page():
    message = render("digest", "de", sample_context("digest"), portal_url=PORTAL)
    assert f"Alles an einem Ort: {PORTAL}/" in message.text
    assert f"{PORTAL}/pairs/{PAIR_ID}" in message.text, "the pair item keeps its link"


def test_a_reason_not_known_is_kept_as_it_came_and_weights_stay():
    german = translations("de").gettext
    assert translated_reason("something new (+0.100)", german) == "something new (+0.100)"
    assert (
        translated_reason("shared interests: chess, go (+0.250)", german) == "gemeinsame Interessen: chess, go (+0.250)"
    )


def test_the_language_is_the_one_chosen_else_the_profiles_else_english():
    assert Preferences(language="de").language_for("en") == "de"
    assert Preferences().language_for("de-AT") == "de"
    assert Preferences().language_for("fr") == "en"
    with pytest.raises(ValueError, match="unknown language 'fr'"):
        Preferences(language="fr")
