"""Every string the portal shows has its German translation."""

from flipside_portal import catalogue


def test_every_string_has_its_german_translation():
    assert catalogue.missing("de") == []
