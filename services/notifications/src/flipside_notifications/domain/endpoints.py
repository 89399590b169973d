"""Addresses Flipside posts to, checked when they are configured and again before each send, so that nobody
can make Flipside reach inside the network it runs in.

Chat URLs must be on the vendors' incoming-webhook hosts; webhook URLs may be anywhere public, and every
address their host resolves to is checked before connecting (`forbidden_because`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network
from urllib.parse import SplitResult, urlsplit

IPAddress = IPv4Address | IPv6Address
IPNetwork = IPv4Network | IPv6Network

DEFAULT_PORTS = {"https": 443, "http": 80}
CGNAT = ip_network("100.64.0.0/10")
UNIQUE_LOCAL = ip_network("fc00::/7")
DOCUMENTATION = tuple(
    ip_network(n) for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32", "3fff::/20")
)
# Special-purpose blocks that Python's `ipaddress` (3.11) counts as global: IETF protocol assignments, 6to4 relays.
SPECIAL_PURPOSE = tuple(ip_network(n) for n in ("192.0.0.0/24", "192.88.99.0/24"))
# IPv6 forms that carry an IPv4 address in their last 32 bits: the IPv4 address is where traffic ends up.
IPV4_TRANSLATED = ip_network("::ffff:0:0:0/96")
NAT64 = ip_network("64:ff9b::/96")
IPV4_COMPATIBLE = ip_network("::/96")
LOCAL_NAME_SUFFIXES = ("localhost", "local", "internal", "lan", "home.arpa")


@dataclass(frozen=True)
class OutboundRules:
    """Where Flipside may post: `chat_hosts` per chat channel (`*.` for any subdomain, `:port` for a port other than
    the scheme's own), and the networks tests may reach although they are not public."""

    chat_hosts: Mapping[str, Sequence[str]] = field(default_factory=dict)
    allow_plain_http: bool = False
    allowed_networks: Sequence[IPNetwork] = ()


def forbidden_because(address: IPAddress, allowed_networks: Sequence[IPNetwork] = ()) -> str | None:
    """Why Flipside must not connect to `address` (a class of non-public address), None when it may."""
    if any(address in network for network in allowed_networks):
        return None
    return _non_public_class(address)


def checked_webhook_url(url: str, rules: OutboundRules) -> str:
    """The URL when it is one Flipside may post a subscriber's events to; ValueError saying why otherwise.
    Host names are resolved and checked again at each send: here only what is wrong on its face is refused."""
    parts = _http_url(url, rules.allow_plain_http)
    host = parts.hostname or ""
    try:
        literal = ip_address(host)
    except ValueError:
        if _is_local_name(host.rstrip(".")):
            raise ValueError(f"{host!r} is not a public host name") from None
        return url
    if reason := forbidden_because(literal, rules.allowed_networks):
        raise ValueError(f"{host} is a {reason} address, not a public one")
    return url


def checked_chat_url(url: str, channel: str, rules: OutboundRules) -> str:
    """The URL when it is an incoming webhook of the chat vendor (its documented hosts, default port); ValueError otherwise."""
    parts = _http_url(url, rules.allow_plain_http)
    hosts = rules.chat_hosts.get(channel, ())
    if not any(_on_host(parts, entry) for entry in hosts):
        raise ValueError(f"must be a {channel} incoming-webhook URL: https on {', '.join(hosts)}, default port")
    return url


def _http_url(url: str, allow_plain_http: bool) -> SplitResult:
    parts = urlsplit(url)
    try:
        parts.port  # noqa: B018 (reading the port is what checks it)
    except ValueError:
        raise ValueError(f"not a valid port in {url!r}") from None
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        raise ValueError(f"not an absolute http(s) URL: {url!r}")
    if parts.scheme == "http" and not allow_plain_http:
        raise ValueError("must use https (plain http is for local tests only)")
    if parts.username is not None or parts.password is not None:
        raise ValueError("must not carry credentials (user:password@); webhooks have their secret")
    if not parts.hostname.isascii():
        raise ValueError("write the host name in its ASCII (punycode) form")
    return parts


def _is_local_name(name: str) -> bool:
    """A single label (completed by the resolver's search domains) or a name of a local-only domain."""
    return "." not in name or any(name == suffix or name.endswith(f".{suffix}") for suffix in LOCAL_NAME_SUFFIXES)


def _on_host(parts: SplitResult, entry: str) -> bool:
    """Whether the URL's host and port are what an allow-list entry (`host`, `*.domain`, `host:port`) names."""
    host, _, port = entry.lower().partition(":")
    wanted_port = int(port) if port else DEFAULT_PORTS[parts.scheme]
    if (parts.port or DEFAULT_PORTS[parts.scheme]) != wanted_port:
        return False
    name = (parts.hostname or "").rstrip(".")
    if host.startswith("*."):
        return name.endswith(host[1:]) and len(name) > len(host) - 1
    return name == host


def _non_public_class(address: IPAddress) -> str | None:
    if address.is_unspecified:
        return "unspecified"
    if address.is_loopback:
        return "loopback"
    if isinstance(address, IPv6Address) and (embedded := _embedded_ipv4(address)) is not None:
        if reason := _non_public_class(embedded):
            return f"{reason} (embedded in IPv6)"
        if address.sixtofour is None:
            return None  # the embedded IPv4 address is where the packets go, and it is public
    if address.is_link_local:
        return "link-local"
    if address.is_multicast:
        return "multicast"
    if address in CGNAT:
        return "carrier-grade NAT (100.64.0.0/10)"
    if address in UNIQUE_LOCAL:
        return "unique-local"
    if isinstance(address, IPv6Address) and address.is_site_local:
        return "site-local"  # deprecated, yet routed inside some networks; `is_global` says True
    if any(address in network for network in DOCUMENTATION):
        return "documentation"
    if address.is_reserved or any(address in network for network in SPECIAL_PURPOSE):
        return "reserved"
    if address.is_private:
        return "private"
    if not address.is_global:
        return "non-global"
    return None


def _embedded_ipv4(address: IPv6Address) -> IPv4Address | None:
    """The IPv4 address an IPv4-mapped, -translated, -compatible, NAT64 or 6to4 IPv6 address stands for."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if any(address in network for network in (IPV4_TRANSLATED, NAT64, IPV4_COMPATIBLE)):
        return IPv4Address(int(address) & 0xFFFFFFFF)
    return None
