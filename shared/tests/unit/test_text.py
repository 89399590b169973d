"""The bounded, clean text types, and that every event's strings, lists and maps have a bound."""

import sys
import unicodedata

import pytest
from pydantic import BaseModel, Field, ValidationError

from flipside_devstack.bounds import unbounded
from flipside_shared.events import EVENT_TYPES
from flipside_shared.text import FEW_ITEMS, NAME_CHARS, TEXT_CHARS, URL_CHARS, Few, Name, Text, Url, fitted


class Sample(BaseModel):
    name: Name = ""
    text: Text = ""
    url: Url = ""
    names: Few[Name] = Field(default_factory=list)


@pytest.mark.parametrize(
    "character",
    [
        "\r",
        "\n",
        "\x00",
        "\t",
        "\x1b",
        "\x7f",
        "\x85",
        "\u2028",
        "\u2029",
        "\u202a",
        "\u202b",
        "\u202c",
        "\u202d",
        "\u202e",
        "\u2066",
        "\u2067",
        "\u2068",
        "\u2069",
    ],
)
def test_a_name_with_a_control_character_is_refused_naming_it(character):
    with pytest.raises(ValidationError) as refused:
        Sample(name=f"Eve{character}X-Evil: 1")
    (issue,) = refused.value.errors()
    assert issue["loc"] == ("name",) and f"U+{ord(character):04X}" in issue["msg"]


def test_every_character_of_unicode_category_cc_is_refused_in_a_name():
    controls = [chr(code) for code in range(sys.maxunicode + 1) if unicodedata.category(chr(code)) == "Cc"]
    for character in controls:
        with pytest.raises(ValidationError):
            Sample(name=character)


@pytest.mark.parametrize(
    "name",
    ["Eve", "\u05d0\u05d1\u05d9\u05d4 \u200fCohen", "\U0001f469\u200d\U0001f4bb Ada", "Zo\u00eb", "\u674e\u5a1c"],
)
def test_real_names_with_marks_joiners_and_any_script_are_kept(name):
    assert Sample(name=name).name == name


def test_free_text_keeps_its_lines_and_tabs_but_no_other_control():
    text = "first line\r\nsecond\tcolumn\nthird"
    assert Sample(text=text).text == text
    for character in ("\x00", "\x0b", "\x1b", "\u2028", "\u202e"):
        with pytest.raises(ValidationError):
            Sample(text=f"line{character}")


def test_text_from_outside_is_fitted_to_free_text():
    fit = fitted("550 no\x00 such\u202e user\r\n\tsecond line" + "x" * TEXT_CHARS)
    assert fit.startswith("550 no\ufffd such\ufffd user\r\n\tsecond line") and len(fit) == TEXT_CHARS
    assert Sample(text=fit).text == fit


def test_a_url_is_one_line():
    with pytest.raises(ValidationError):
        Sample(url="https://example.com/\r\nX-Evil: 1")


@pytest.mark.parametrize(("field", "limit"), [("name", NAME_CHARS), ("text", TEXT_CHARS), ("url", URL_CHARS)])
def test_text_longer_than_its_bound_is_refused(field, limit):
    assert len(getattr(Sample(**{field: "x" * limit}), field)) == limit
    with pytest.raises(ValidationError, match="at most"):
        Sample(**{field: "x" * (limit + 1)})


def test_a_list_longer_than_its_bound_is_refused():
    assert len(Sample(names=["a"] * FEW_ITEMS).names) == FEW_ITEMS
    with pytest.raises(ValidationError, match="at most"):
        Sample(names=["a"] * (FEW_ITEMS + 1))


@pytest.mark.parametrize("ce_type", sorted(EVENT_TYPES))
def test_every_string_list_and_map_of_every_event_is_bounded(ce_type):
    schema = EVENT_TYPES[ce_type].model_json_schema()
    assert unbounded(schema, schema.get("$defs", {}), "") == []
