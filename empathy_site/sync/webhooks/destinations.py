"""Where a webhook may go: the URL read once by one parser, and every address it resolves to checked.

Destinations are allowed, not denied: https only, and only globally routable
addresses (unless WEBHOOK_ALLOW_PRIVATE_URLS lets a test talk to a local receiver).
Registration and every send use the same reading, never the raw string.
"""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError

# Destinations are allowed, not denied: an address must be is_global and outside every range below.
# is_global (Python 3.11) still passes several of these: shared address space is covered, but
# multicast, 6to4, NAT64, site-local and the 6to4 relay are not. The IPv6 tunnel and translation
# forms (IPv4-mapped, IPv4-compatible, NAT64, 6to4, Teredo) are refused whole rather than decoded:
# a public IPv4 receiver can be registered by its IPv4 address, and a private one hides inside them.
_NOT_PUBLIC_V4 = tuple(ipaddress.IPv4Network(net) for net in (
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
    "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24",
    "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
))
# Only global unicast (2000::/3) may pass; within it, these are not reachable receivers.
_IPV6_GLOBAL_UNICAST = ipaddress.IPv6Network("2000::/3")
_NOT_PUBLIC_V6 = tuple(ipaddress.IPv6Network(net) for net in (
    "::/96", "::ffff:0:0/96", "64:ff9b::/96", "64:ff9b:1::/48", "100::/64", "2001::/23", "2001:db8::/32",
    "2002::/16", "3fff::/20", "fc00::/7", "fe80::/10", "fec0::/10", "ff00::/8",
))

# One resolved address: (socket family, sockaddr) as getaddrinfo gives them.
Address = tuple[int, tuple]


def is_public_address(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if ip.version == 6:
        if ip not in _IPV6_GLOBAL_UNICAST or any(ip in net for net in _NOT_PUBLIC_V6):
            return False
    elif any(ip in net for net in _NOT_PUBLIC_V4):
        return False
    return ip.is_global and not ip.is_multicast


@dataclass(frozen=True)
class Destination:
    """A webhook URL read once. Registration checks and sending use this same reading, never the raw string."""

    scheme: str
    host: str  # lower-case ASCII name, or an IP literal without brackets
    port: int
    target: str  # path and query: the request target

    @property
    def default_port(self) -> int:
        return 443 if self.scheme == "https" else 80


def _refuse(message: str) -> ValidationError:
    return ValidationError({"url": message})


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def parse_destination(url: str) -> Destination:
    """Read the URL strictly: anything two parsers could read differently is refused, not guessed at."""
    if not url.isprintable() or " " in url or "\\" in url:
        # urllib and urlsplit disagree about backslashes (https://127.0.0.1\@8.8.8.8/) and about
        # stripped whitespace; control characters would also split the request line.
        raise _refuse("The URL contains spaces, control characters or backslashes; percent-encode them.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # unbalanced brackets, a port that is not a number from 0 to 65535
        raise _refuse("The URL is not valid; the port, if any, must be a number from 1 to 65535.") from None
    scheme = parts.scheme.lower()
    if scheme != "https" and not (settings.WEBHOOK_ALLOW_PRIVATE_URLS and scheme == "http"):
        raise _refuse("Webhook URLs must use https.")
    if "@" in parts.netloc:
        raise _refuse("Put no user name or password in the URL; receivers verify deliveries with the signing secret.")
    host = parts.hostname or ""
    if not host:
        raise _refuse("The URL has no host.")
    if port is None:
        port = 443 if scheme == "https" else 80
    if not 1 <= port <= 65535:
        raise _refuse("The port must be a number from 1 to 65535.")
    if "[" in parts.netloc and not _is_ip_literal(host):
        raise _refuse("Only IPv6 addresses go in brackets.")
    if not _is_ip_literal(host):
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            raise _refuse("The host name is not valid.") from None
        if not all(ch.isalnum() or ch in "-._" for ch in host):
            raise _refuse("The host name is not valid.")
    if "%" in host:
        raise _refuse("Address literals with a zone are not accepted.")
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if not target.isascii():
        raise _refuse("Percent-encode non-ASCII characters in the path and query.")
    return Destination(scheme=scheme, host=host, port=port, target=target)


def resolve_destination(destination: Destination) -> list[Address]:
    """Resolve once and check every address; the send connects only to what is returned here."""
    try:
        infos = socket.getaddrinfo(destination.host, destination.port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        raise _refuse(f"The host {destination.host} does not resolve.") from None
    addresses = list(dict.fromkeys((family, sockaddr) for family, _, _, _, sockaddr in infos))
    if not addresses:
        raise _refuse(f"The host {destination.host} does not resolve.")
    if settings.WEBHOOK_ALLOW_PRIVATE_URLS:
        return addresses
    for _, sockaddr in addresses:
        ip = ipaddress.ip_address(sockaddr[0].split("%")[0])
        if not is_public_address(ip):
            raise _refuse(
                f"{destination.host} resolves to {ip}, which is not a public internet address (private, loopback, "
                "link-local, shared, reserved, multicast or an IPv6 tunnel form of one); webhooks go to public hosts only."
            )
    return addresses


def check_destination(url: str) -> tuple[Destination, list[Address]]:
    """https only, and only to globally routable addresses (unless a test allows local receivers)."""
    destination = parse_destination(url)
    return destination, resolve_destination(destination)
