"""Envelope recipient → hook token and tag: `token@domain` and `token+tag@domain` reach the
same hook. Only the configured mail domain routes; case is ignored (tokens are lowercase)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Route:
    recipient: str
    token: str
    tag: str | None


def route(recipient: str, mail_domain: str) -> Route | None:
    """The token and tag for a recipient at our domain, or None."""
    address = recipient.strip().strip("<>").lower()
    local, at, domain = address.rpartition("@")
    if not at or not local or domain != mail_domain.lower():
        return None
    token, plus, tag = local.partition("+")
    if not token:
        return None
    return Route(recipient=address, token=token, tag=tag if plus else None)
