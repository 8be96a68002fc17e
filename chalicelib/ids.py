"""Identifiers: item ids sortable by arrival time, hook ids, and unguessable hook tokens.

Item ids are ULIDs (48-bit millisecond time + 80 random bits, Crockford base32): their string
order is arrival order, which is what listings and sequential lanes sort by. Within one process
ids are strictly increasing even inside one millisecond.
"""
from __future__ import annotations

import hashlib
import secrets
import threading
import time

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_lock = threading.Lock()
_last = [0, 0]  # [milliseconds, random part] of the last id made in this process


def _encode(value: int, length: int) -> str:
    chars = []
    for _ in range(length):
        chars.append(_CROCKFORD[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def new_item_id(now: float | None = None) -> str:
    """A 26-character ULID; monotonic within this process."""
    millis = int((time.time() if now is None else now) * 1000)
    with _lock:
        if millis <= _last[0]:
            millis = _last[0]
            rand = _last[1] + 1
        else:
            rand = secrets.randbits(80)
        _last[0], _last[1] = millis, rand
    return _encode(millis, 10) + _encode(rand & ((1 << 80) - 1), 16)


def item_id_time(item_id: str) -> float:
    """The arrival time (epoch seconds) encoded in an item id."""
    value = 0
    for char in item_id[:10]:
        value = value * 32 + _CROCKFORD.index(char)
    return value / 1000.0


def new_hook_id() -> str:
    """A short, readable id for management (not a secret)."""
    return "hk_" + secrets.token_hex(6)


def new_url_token() -> str:
    """A URL-safe webhook token with 192 bits of entropy."""
    return secrets.token_urlsafe(24)


def new_mail_token() -> str:
    """A lowercase mail-address token with 130 bits of entropy (26 base32 characters)."""
    return _encode(secrets.randbits(130), 26).lower()


def derived_item_id(received: float, seed: str) -> str:
    """A ULID whose time is `received` and whose random part is derived from `seed`, so a
    retried invocation for the same arrival (an SES mail to one hook) makes the same id and
    the log's write-once rule turns the retry into a no-op."""
    digest = int.from_bytes(hashlib.sha256(seed.encode("utf-8")).digest()[:10], "big")
    return _encode(int(received * 1000), 10) + _encode(digest, 16)


def first_item_id_at(epoch: float) -> str:
    """The smallest item id of the given time: ids below it arrived earlier (range queries)."""
    return _encode(int(epoch * 1000), 10) + "0" * 16
