"""Ordering lanes (pure): which lane of a sequential hook an item joins.

A sequential hook may name an ordering key (`order_by`): a JSON path into the item
(`$.customer.id`, `$.lines[0].sku`, `$['key with spaces']`), a request header (`header:X-Shop`),
or, for mailhooks, the sender address (`sender`). Items with the same key value are delivered
one at a time in arrival order; different values are different lanes, delivered side by side
(each lane is its own FIFO `MessageGroupId`, `<hook id>#<lane>`). Without a key, or when an item
lacks it, the item joins the default lane `-`.
"""
from __future__ import annotations

import hashlib
import json
import re
from typing import Any, Iterable

from chalicelib.errors import Invalid

DEFAULT_LANE = "-"
MAX_READABLE_LANE = 64
# SQS MessageGroupId: up to 128 characters, letters, digits and ASCII punctuation (no spaces).
_GROUP_SAFE = re.compile(r"^[A-Za-z0-9!\"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~]+$")
_STEP = re.compile(r"\.([A-Za-z0-9_$@-]+)|\[(\d+)\]|\['([^']*)'\]|\[\"([^\"]*)\"\]")


def parse_path(path: str) -> list[str | int]:
    """`$.a.b[0]['c d']` → ['a', 'b', 0, 'c d']; raises `Invalid` naming the problem."""
    if not path.startswith("$") or path == "$":
        raise Invalid("order_by must be a JSON path such as $.customer.id, header:NAME or sender",
                      "invalid_order_by")
    steps: list[str | int] = []
    position = 1
    while position < len(path):
        match = _STEP.match(path, position)
        if match is None:
            raise Invalid(f"order_by JSON path {path!r} cannot be read at character {position + 1}",
                          "invalid_order_by")
        name, index, single, double = match.groups()
        steps.append(int(index) if index is not None else (name or single or double or ""))
        position = match.end()
    return steps


def check_order_by(order_by: str, channel: str) -> None:
    if order_by.startswith("header:"):
        if channel != "webhook" or not order_by[len("header:"):].strip():
            raise Invalid("order_by header:NAME needs a header name and applies to webhooks", "invalid_order_by")
        return
    if order_by == "sender":
        if channel != "mail":
            raise Invalid("order_by sender applies to mailhooks", "invalid_order_by")
        return
    parse_path(order_by)


def _at_path(data: Any, steps: list[str | int]) -> Any:
    for step in steps:
        if isinstance(step, int) and isinstance(data, list) and step < len(data):
            data = data[step]
        elif isinstance(step, str) and isinstance(data, dict) and step in data:
            data = data[step]
        else:
            return None
    return data


def _sender(data: Any, meta: dict[str, Any]) -> Any:
    if meta.get("sender"):
        return meta["sender"]
    if not isinstance(data, dict):
        return None
    for key in ("from", "sender"):
        value = data.get(key)
        if isinstance(value, list) and value:
            value = value[0]
        if isinstance(value, dict):
            value = value.get("address")
        if isinstance(value, str) and value:
            return value.lower()
    return None


def group_safe(value: str) -> str:
    """A lane name usable in a MessageGroupId: the value itself when short and plain ASCII,
    else a stable digest of it (the same key always maps to the same lane)."""
    if value and len(value) <= MAX_READABLE_LANE and _GROUP_SAFE.match(value):
        return value
    return "h:" + hashlib.sha256(value.encode("utf-8")).hexdigest()[:40]


def lane_for(order_by: str, data: Any, headers: Iterable[tuple[str, str]] = (),
             meta: dict[str, Any] | None = None) -> str:
    """The lane of an item of a sequential hook."""
    value: Any = None
    if order_by.startswith("header:"):
        wanted = order_by[len("header:"):].strip().lower()
        value = next((v for name, v in headers if name.lower() == wanted), None)
    elif order_by == "sender":
        value = _sender(data, meta or {})
    elif order_by:
        value = _at_path(data, parse_path(order_by))
    if value is None or value == "":
        return DEFAULT_LANE
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, separators=(",", ":"))
    return group_safe(text)
