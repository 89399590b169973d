from datetime import UTC, datetime

import pytest

from flipside_portal.i18n import Language, negotiate, zone


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("de-DE,de;q=0.9,en;q=0.8", "de"),
        ("en-GB,en;q=0.9", "en"),
        ("fr-FR, de;q=0.5", "de"),
        ("en;q=0.2, de;q=0.9", "de"),
        ("fr", "en"),
        ("", "en"),
        (None, "en"),
        ("de;q=nonsense, en", "en"),
    ],
)
def test_the_browser_s_first_language_we_speak_is_chosen(header, language):
    assert negotiate(header) == language


def test_a_moment_reads_in_the_viewer_s_zone_and_language():
    moment = datetime(2026, 12, 7, 14, 30, tzinfo=UTC)
    berlin = Language("de", zone("Europe/Berlin"))
    new_york = Language("en", zone("America/New_York"))
    assert "15:30" in berlin.when(moment)
    assert "Montag" in berlin.day(moment)
    assert "9:30" in new_york.when(moment) and "AM" in new_york.when(moment)
    assert new_york.when("2026-12-07T14:30:00+00:00") == new_york.when(moment)


def test_an_unknown_zone_falls_back_to_utc():
    assert zone("Mars/Olympus").key == "UTC"
    assert zone(None).key == "UTC"
