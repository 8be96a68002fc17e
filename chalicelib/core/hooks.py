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
DEFAULT_QUEUE_LIMIT = 10_000
MAX_QUEUE_LIMIT = 1_000_000
MAX_PER_RUN_LIMIT = 1000
ON_FAILURE = ("continue", "halt")


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
    # Queue control (chalicelib.queueing): the most unfinished items the hook keeps; an interval
    # trigger (every N seconds, or a cron expression) releasing at most `max_per_run` per run;
    # a sequential hook's ordering key and what a failed item does to its lane.
    queue_limit: int = DEFAULT_QUEUE_LIMIT
    every_seconds: int = 0
    cron: str = ""
    max_per_run: int = 10
    order_by: str = ""
    on_failure: str = "continue"

    @property
    def sequential(self) -> bool:
        return self.processing == "sequential"

    @property
    def paused(self) -> bool:
        return self.state == "paused"

    @property
    def interval(self) -> bool:
        """True when items wait for the hook's runs instead of being delivered at once."""
        return self.every_seconds > 0 or bool(self.cron)

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
    "queue_limit": int,
    "every_seconds": int,
    "cron": str,
    "max_per_run": int,
    "order_by": str,
    "on_failure": str,
}


def validated(hook: Hook) -> Hook:
    """Check a hook's settings; raise `Invalid` naming the first bad field."""
    if not _NAME.match(hook.name):
        raise Invalid("name must be 1-64 letters, digits, '_', '.' or '-', starting with a letter or digit",
                      "invalid_name")
    if hook.name.lower().startswith("hk_"):
        raise Invalid("names starting with 'hk_' are reserved for hook ids", "invalid_name")
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
    _check_queue_settings(hook)
    return hook


def _check_queue_settings(hook: Hook) -> None:
    from chalicelib.queueing.lanes import check_order_by
    from chalicelib.queueing.schedule import check_cron

    if not 1 <= hook.queue_limit <= MAX_QUEUE_LIMIT:
        raise Invalid(f"queue_limit must be between 1 and {MAX_QUEUE_LIMIT}", "invalid_queue_limit")
    if hook.every_seconds < 0:
        raise Invalid("every_seconds must be 0 (instant) or a positive number of seconds", "invalid_every")
    if hook.every_seconds and hook.cron:
        raise Invalid("give either every_seconds or cron, not both", "invalid_trigger")
    if hook.cron:
        check_cron(hook.cron)
    if not 1 <= hook.max_per_run <= MAX_PER_RUN_LIMIT:
        raise Invalid(f"max_per_run must be between 1 and {MAX_PER_RUN_LIMIT}", "invalid_max_per_run")
    if hook.on_failure not in ON_FAILURE:
        raise Invalid(f"on_failure must be one of {', '.join(ON_FAILURE)}", "invalid_on_failure")
    if hook.order_by:
        check_order_by(hook.order_by, hook.channel)
    if (hook.order_by or hook.on_failure == "halt") and not hook.sequential:
        raise Invalid("order_by and on_failure=halt apply to sequential hooks; set processing to sequential",
                      "not_sequential")


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
