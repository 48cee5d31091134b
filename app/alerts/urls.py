"""Webhook URLs may not point at this machine or at private networks (a rule's owner could otherwise make the
service call its own internals): checked when a rule is created and again before each delivery, on the addresses
the name resolves to then. WEBHOOK_ALLOW_LOOPBACK=true lifts the check (the tests' receivers run on 127.0.0.1)."""

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

from app.errors import InvalidWebhookUrl


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    return ip.is_global and not ip.is_multicast


async def check_webhook_url(url: str, allow_loopback: bool) -> None:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number in range
    except ValueError:
        raise InvalidWebhookUrl("webhook_url is not a valid URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidWebhookUrl("webhook_url must be an http or https URL with a host")
    if parts.username or parts.password:
        raise InvalidWebhookUrl("webhook_url must not carry credentials; sign with the rule's secret instead")
    if allow_loopback:
        return
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(parts.hostname, parts.port or 443,
                                                             type=socket.SOCK_STREAM)
    except OSError as exc:
        raise InvalidWebhookUrl(f"webhook_url's host {parts.hostname!r} does not resolve ({exc.strerror})") from None
    except (UnicodeError, ValueError):  # not a name IDNA can encode, or a port out of range
        raise InvalidWebhookUrl(f"webhook_url's host {parts.hostname!r} is not a valid host name") from None
    refused = sorted({str(info[4][0]) for info in infos if not _public(str(info[4][0]))})
    if refused:
        raise InvalidWebhookUrl(f"webhook_url's host {parts.hostname!r} is this machine or a private network "
                                f"({', '.join(refused)}); set WEBHOOK_ALLOW_LOOPBACK=true to allow it")
