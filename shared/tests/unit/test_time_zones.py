from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pytest

from flipside_shared.time_zones import zone_named


def test_a_zone_is_loaded_once_and_is_the_zone_of_its_name() -> None:
    assert zone_named("Asia/Kolkata") is zone_named("Asia/Kolkata")
    assert zone_named("Asia/Kolkata").key == ZoneInfo("Asia/Kolkata").key


def test_more_zones_than_zoneinfo_keeps_are_each_kept() -> None:
    names = [
        "Europe/Berlin",
        "America/New_York",
        "Asia/Tokyo",
        "Europe/London",
        "America/Sao_Paulo",
        "Africa/Lagos",
        "Asia/Singapore",
        "Australia/Sydney",
        "America/Chicago",
        "Europe/Madrid",
    ]
    first = [zone_named(name) for name in names]
    assert [zone_named(name) for name in names] == first
    assert all(again is kept for again, kept in zip((zone_named(n) for n in names), first, strict=True))


@pytest.mark.parametrize("name", ["Mars/Olympus_Mons", "../etc/passwd", ""])
def test_an_unknown_zone_raises_as_zoneinfo_does_and_is_not_kept(name: str) -> None:
    before = zone_named.cache_info().currsize
    with pytest.raises((ZoneInfoNotFoundError, ValueError)):
        zone_named(name)
    assert zone_named.cache_info().currsize == before
