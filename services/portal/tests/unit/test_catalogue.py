"""Every string a person reads has its German translation (English is the source)."""

from flipside_portal import catalogue


def test_every_string_has_its_german_translation():
    assert catalogue.missing("de") == []


def test_the_catalogue_finds_strings_in_templates_and_in_python():
    strings = {message.id for message in catalogue.source_strings()}
    assert "Sign in to Flipside" in strings  # a template's
    assert "Only administrators open this page." in strings  # a module's, marked with N_
