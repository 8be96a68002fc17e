"""The hook: what a token or address leads to, and how its items are processed."""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

from chalicelib.errors import Invalid

CHANNELS = ("webhook", "mail")
PROCESSING = ("parallel", "sequential")
STATES = ("active", "paused")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")

MAX_RETENTION_DAYS = 30
MAX_ATTEMPTS_LIMIT = 20


@dataclass(frozen=True)
class Hook:
    """One webhook or mailhook; it feeds exactly one scenario."""

    id: str
    name: str
    token: str
    scenario: str
    channel: str = "webhook"
    processing: str = "parallel"
    state: str = "active"
    max_attempts: int = 5
    retention_days: int = 3
    max_body_bytes: int = 6 * 1024 * 1024
    delivery_timeout_seconds: int = 10
    signing_secret: str = ""
    created_at: str = ""
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def sequential(self) -> bool:
        return self.processing == "sequential"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Hook":
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    def with_changes(self, **changes: Any) -> "Hook":
        return validated(replace(self, **changes))


# Fields a user may set on create or update, with the type each must have.
EDITABLE: dict[str, type] = {
    "name": str,
    "scenario": str,
    "processing": str,
    "max_attempts": int,
    "retention_days": int,
    "max_body_bytes": int,
    "delivery_timeout_seconds": int,
    "options": dict,
}


def validated(hook: Hook) -> Hook:
    """Check a hook's settings; raise `Invalid` naming the first bad field."""
    if not _NAME.match(hook.name):
        raise Invalid("name must be 1-64 letters, digits, '_', '.' or '-', starting with a letter or digit",
                      "invalid_name")
    if hook.channel not in CHANNELS:
        raise Invalid(f"channel must be one of {', '.join(CHANNELS)}", "invalid_channel")
    if hook.processing not in PROCESSING:
        raise Invalid(f"processing must be one of {', '.join(PROCESSING)}", "invalid_processing")
    if hook.state not in STATES:
        raise Invalid(f"state must be one of {', '.join(STATES)}", "invalid_state")
    if not hook.scenario.strip():
        raise Invalid("scenario must name a registered function or an http(s):// URL", "invalid_scenario")
    if not 1 <= hook.max_attempts <= MAX_ATTEMPTS_LIMIT:
        raise Invalid(f"max_attempts must be between 1 and {MAX_ATTEMPTS_LIMIT}", "invalid_max_attempts")
    if not 1 <= hook.retention_days <= MAX_RETENTION_DAYS:
        raise Invalid(f"retention_days must be between 1 and {MAX_RETENTION_DAYS}", "invalid_retention_days")
    if not 1 <= hook.max_body_bytes <= 10 * 1024 * 1024:
        raise Invalid("max_body_bytes must be between 1 and 10485760", "invalid_max_body_bytes")
    if not 1 <= hook.delivery_timeout_seconds <= 60:
        raise Invalid("delivery_timeout_seconds must be between 1 and 60", "invalid_delivery_timeout")
    return hook


def check_types(changes: dict[str, Any]) -> dict[str, Any]:
    """Reject unknown or mistyped fields in a create/update request, naming the field."""
    for key, value in changes.items():
        expected = EDITABLE.get(key)
        if expected is None:
            raise Invalid(f"unknown field {key!r}; editable fields: {', '.join(sorted(EDITABLE))}",
                          "unknown_field")
        if expected is int and (isinstance(value, bool) or not isinstance(value, int)):
            raise Invalid(f"field {key!r} must be an integer", "invalid_field")
        if not isinstance(value, expected):
            raise Invalid(f"field {key!r} must be a {expected.__name__}", "invalid_field")
    return changes
