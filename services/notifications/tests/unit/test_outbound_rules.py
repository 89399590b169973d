"""Which addresses and URLs Flipside may post to: each class of non-public address, the chat vendors' hosts."""

from ipaddress import ip_address, ip_network

import pytest

from flipside_notifications.domain.endpoints import (
    OutboundRules,
    checked_chat_url,
    checked_webhook_url,
    forbidden_because,
)
from flipside_notifications.settings import NotificationSettings

VENDORS = NotificationSettings.model_fields
RULES = OutboundRules(
    chat_hosts={"slack": tuple(VENDORS["slack_hosts"].default), "teams": tuple(VENDORS["teams_hosts"].default)}
)


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("10.0.0.1", "private"),
        ("172.16.5.4", "private"),
        ("192.168.1.1", "private"),
        ("0.0.0.0", "unspecified"),
        ("127.0.0.1", "loopback"),
        ("127.255.0.9", "loopback"),
        ("::1", "loopback"),
        ("::", "unspecified"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("100.64.0.1", "carrier-grade NAT"),
        ("100.127.255.254", "carrier-grade NAT"),
        ("fd00::1", "unique-local"),
        ("fc00::1", "unique-local"),
        ("224.0.0.1", "multicast"),
        ("239.255.255.250", "multicast"),
        ("ff02::1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("255.255.255.255", "reserved"),
        ("192.0.2.1", "documentation"),
        ("198.51.100.7", "documentation"),
        ("203.0.113.9", "documentation"),
        ("2001:db8::1", "documentation"),
        ("192.0.0.8", "reserved"),
        ("192.88.99.1", "reserved"),
        ("100::1", "reserved"),
        ("198.18.0.1", "private"),
        ("2001::1", "private"),
        ("fec0::1", "site-local"),
        ("::ffff:10.0.0.1", "private (embedded"),
        ("::ffff:127.0.0.1", "loopback (embedded"),
        ("::ffff:169.254.169.254", "link-local (embedded"),
        ("::ffff:0:10.0.0.1", "private (embedded"),
        ("64:ff9b::a9fe:a9fe", "link-local (embedded"),
        ("::10.0.0.1", "private (embedded"),
        ("2002:a00:1::1", "private (embedded"),
        ("2002:a9fe:a9fe::", "link-local (embedded"),
        ("2002:6440:1::", "carrier-grade NAT (100.64.0.0/10) (embedded"),
    ],
)
def test_each_class_of_non_public_address_is_refused_with_its_name(address, reason):
    assert (forbidden_because(ip_address(address)) or "").startswith(reason)


@pytest.mark.parametrize(
    "address",
    [
        "8.8.8.8",
        "52.1.2.3",
        "100.63.255.255",
        "100.128.0.1",
        "2606:4700::1111",
        "::ffff:8.8.8.8",
        "64:ff9b::808:808",
        "2002:808:808::1",
    ],
)
def test_public_addresses_and_ipv6_forms_of_public_ipv4_addresses_may_be_reached(address):
    assert forbidden_because(ip_address(address)) is None


def test_allowed_networks_open_only_themselves_for_tests():
    loopback = [ip_network("127.0.0.1/32")]
    assert forbidden_because(ip_address("127.0.0.1"), loopback) is None
    assert forbidden_because(ip_address("127.0.0.2"), loopback) == "loopback"
    assert forbidden_because(ip_address("::ffff:127.0.0.1"), loopback) is not None
    assert forbidden_because(ip_address("10.0.0.1"), loopback) == "private"


@pytest.mark.parametrize(
    "url",
    [
        "https://hooks.slack.com/services/T000/B000/XXXX",
        "https://hooks.slack.com:443/services/T/B/x",
        "https://HOOKS.SLACK.COM/services/T/B/x",
    ],
)
def test_slack_urls_on_the_incoming_webhook_host_are_accepted(url):
    assert checked_chat_url(url, "slack", RULES) == url


@pytest.mark.parametrize(
    "url",
    [
        "https://contoso.webhook.office.com/webhookb2/abc@def/IncomingWebhook/123/456",
        "https://prod-12.westus.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke?sig=x",
        "https://default0a1b2c.3d.environment.api.powerplatform.com:443/powerautomate/automations/direct/workflows/x",
    ],
)
def test_teams_urls_on_connector_and_workflow_hosts_are_accepted(url):
    assert checked_chat_url(url, "teams", RULES) == url


@pytest.mark.parametrize(
    ("url", "channel", "rule"),
    [
        ("https://10.0.0.1/services/x", "slack", "hooks.slack.com"),
        ("https://127.0.0.1/services/x", "slack", "hooks.slack.com"),
        ("https://169.254.169.254/latest/meta-data", "teams", "webhook.office.com"),
        ("https://example.com/services/x", "slack", "hooks.slack.com"),
        ("https://hooks.slack.com.evil.example/x", "slack", "hooks.slack.com"),
        ("https://evilhooks.slack.com/x", "slack", "hooks.slack.com"),
        ("https://webhook.office.com/x", "teams", "webhook.office.com"),
        ("https://evil-webhook.office.com/x", "teams", "webhook.office.com"),
        ("https://contoso.webhook.office.com/x", "slack", "hooks.slack.com"),
        ("https://hooks.slack.com:8443/services/x", "slack", "default port"),
        ("http://hooks.slack.com/services/x", "slack", "https"),
        ("https://user:pw@hooks.slack.com/services/x", "slack", "credentials"),
        ("https://attacker@hooks.slack.com/services/x", "slack", "credentials"),
        ("ftp://hooks.slack.com/x", "slack", "http(s)"),
        ("https://hooks.slack.com:99999/x", "slack", "port"),
        ("https://evil.example#@hooks.slack.com/", "slack", "hooks.slack.com"),
        ("https://evil.example?@hooks.slack.com/", "slack", "hooks.slack.com"),
        ("https://evil.example\\@hooks.slack.com/", "slack", "credentials"),
        ("https://hooks.slack.com\\.evil.example/", "slack", "hooks.slack.com"),
        ("https://hooks.slack.com%2F@evil.example/", "slack", "credentials"),
        ("https://hooks.slаck.com/services/x", "slack", "ASCII"),  # noqa: RUF001, RUF003 (a Cyrillic "а": looks like Slack, is not)
    ],
)
def test_chat_urls_elsewhere_are_refused_saying_the_rule(url, channel, rule):
    with pytest.raises(ValueError, match=rf"(?i){rule.replace('(', '.').replace(')', '.')}"):
        checked_chat_url(url, channel, RULES)


def test_a_chat_host_entry_with_a_port_lets_tests_use_a_local_server():
    local = OutboundRules(chat_hosts={"slack": ("127.0.0.1:8123",)}, allow_plain_http=True)
    assert checked_chat_url("http://127.0.0.1:8123/slack", "slack", local)
    with pytest.raises(ValueError):
        checked_chat_url("http://127.0.0.1:8124/slack", "slack", local)
    with pytest.raises(ValueError):
        checked_chat_url("http://127.0.0.1/slack", "slack", local)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://10.1.2.3/hook", "private"),
        ("https://127.0.0.1:8443/hook", "loopback"),
        ("https://169.254.169.254/latest/meta-data/", "link-local"),
        ("https://[fd00::1]/hook", "unique-local"),
        ("https://[::ffff:10.0.0.1]/hook", "private"),
        ("https://100.64.1.1/hook", "carrier-grade NAT"),
        ("https://localhost/hook", "not a public host name"),
        ("https://api.localhost/hook", "not a public host name"),
        ("https://metadata/computeMetadata", "not a public host name"),
        ("https://metadata.google.internal/computeMetadata", "not a public host name"),
        ("https://printer.local/hook", "not a public host name"),
        ("https://router.home.arpa/", "not a public host name"),
        ("http://example.com/hook", "https"),
        ("https://user:pw@example.com/x", "credentials"),
        ("ftp://example.com/x", "http(s)"),
        ("not a url", "http(s)"),
    ],
)
def test_webhook_urls_at_literal_non_public_addresses_or_local_names_are_refused_at_registration(url, reason):
    with pytest.raises(ValueError, match=reason.replace("(", r"\(").replace(")", r"\)")):
        checked_webhook_url(url, RULES)


def test_webhook_urls_on_public_names_and_addresses_are_accepted_and_loopback_only_where_tests_allow_it():
    for url in (
        "https://example.com/hook",
        "https://hooks.example.org:8443/in",
        "https://8.8.8.8/hook",
        "https://hooks.milan/in",
        "https://hooks.glocal/in",
        "https://api.cointernal/in",
    ):  # ending in, not under, a local-only domain
        assert checked_webhook_url(url, RULES) == url
    tests = OutboundRules(allow_plain_http=True, allowed_networks=(ip_network("127.0.0.1/32"),))
    assert checked_webhook_url("http://127.0.0.1:9999/hook", tests)


def test_a_chat_host_list_that_is_not_host_names_stops_the_service_at_start_up():
    with pytest.raises(ValueError, match="not host names"):
        NotificationSettings(slack_hosts=["https://hooks.slack.com/services"])
    assert NotificationSettings(teams_hosts=["*.Webhook.Office.com"]).teams_hosts == ["*.webhook.office.com"]
