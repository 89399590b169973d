"""Templates: every one renders in every locale at start-up, or the service refuses to start, naming it."""

import pytest
from jinja2 import DictLoader

from flipside_notifications.domain import rendering
from flipside_notifications.domain.rendering import TemplateProblem, check_templates, render, with_footer
from flipside_notifications.domain.samples import sample_context
from flipside_notifications.settings import NotificationSettings


def test_every_template_renders_in_every_locale():
    check_templates("en")


def test_a_broken_template_stops_the_check_naming_locale_and_template(monkeypatch):
    working = rendering._environment

    def with_a_broken_german_reminder(language, escape_html):
        environment = working(language, escape_html)
        if language != "de":
            return environment
        sources = {name: environment.loader.get_source(environment, name)[0] for name in environment.list_templates()}
        sources["reminder.j2"] = "{% block subject %}{{ starts_at | no_such_filter }}{% endblock %}"
        return environment.overlay(loader=DictLoader(sources))

    monkeypatch.setattr(rendering, "_environment", with_a_broken_german_reminder)
    with pytest.raises(TemplateProblem, match="de/reminder"):
        check_templates("en")


def test_an_unknown_default_locale_is_refused_at_configuration_time():
    with pytest.raises(ValueError, match="unknown locale 'xx'"):
        NotificationSettings(FLIPSIDE_NOTIFICATIONS_DEFAULT_LOCALE="xx")


def test_a_digest_lists_each_item_in_the_recipients_language_with_the_unsubscribe_footer():
    message = render("digest", "de", sample_context("digest"))
    message = with_footer(message, "de", "https://flipside.example.com/unsubscribe/t", "digest")
    assert message.subject == "Ihr Reverse-Mentoring-Tag: 2 Neuigkeiten"
    assert (
        "* Ihr Reverse-Mentoring-Partner steht fest" in message.text
        and "* Wie war Ihr Mentoring-Termin?" in message.text
    )
    assert "Keine täglichen Zusammenfassungen mehr: https://flipside.example.com/unsubscribe/t" in message.text
    assert '<a href="https://flipside.example.com/unsubscribe/t">' in message.html


def test_plain_text_is_not_html_escaped_but_html_is():
    message = render("paired", "en", {**sample_context("paired"), "partner_name": "Ann <Ops> & Co"})
    assert "Ann <Ops> & Co" in message.text and "Ann &lt;Ops&gt; &amp; Co" in message.html
