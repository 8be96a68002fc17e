"""The item and its log entry: one received request or mail, parsed, with its delivery history.

The log entry is the unit that is stored, queued (by id), delivered and listed. `data` is the
parsed item; bodies too large for the table live in the blob store and are referenced by key.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

# Statuses. Pending ones still have work to do and count against the hook's queue limit;
# terminal ones change again only by a replay (see chalicelib.queueing).
QUEUED = "queued"
DELIVERING = "delivering"
RETRYING = "retrying"
DELIVERED = "delivered"
FAILED = "failed"
REJECTED = "rejected"
HANDSHAKE = "handshake"  # a platform's verification request, answered by Inlet, never queued
DUPLICATE = "duplicate"  # a resent request (same idempotency key), answered with the first item
# Parked: stored and counted, but no delivery message exists until a release sends one.
HELD = "held"          # the hook is paused; released on resume
WAITING = "waiting"    # the hook has an interval trigger; released by its runs, oldest first
# A failed item of a sequential lane with `on_failure: halt`: it stays first in its lane, so the
# lane delivers nothing more until the item is replayed or deleted.
HALTED = "halted"
DELETED = "deleted"    # taken out of the queue by a user (delete, purge); still in the log
EXPIRED = "expired"    # its retention ended before it was delivered (never shown, C54)
# A mail whose virus scan did not come back PASS or FAIL (C47: PROCESSING_FAILED): stored with
# its attachments, not delivered; a user may replay it after a look.
QUARANTINED = "quarantined"
PARKED_STATUSES = (HELD, WAITING)
IN_FLIGHT_STATUSES = (QUEUED, DELIVERING, RETRYING, HALTED)
PENDING_STATUSES = IN_FLIGHT_STATUSES + PARKED_STATUSES
TERMINAL_STATUSES = (DELIVERED, FAILED, REJECTED, DELETED, EXPIRED, HANDSHAKE, DUPLICATE, QUARANTINED)


@dataclass(frozen=True)
class Attempt:
    """One try at running the scenario for an item."""

    number: int
    started_at: str
    duration_ms: int
    ok: bool
    error: str = ""
    scenario: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Attempt":
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass(frozen=True)
class RawInput:
    """What arrived, byte-exact: inline when small, else a blob key."""

    content_type: str | None
    size: int
    sha256: str
    body: bytes | None = None
    body_key: str | None = None
    method: str = ""
    headers: tuple[tuple[str, str], ...] = ()
    query: tuple[tuple[str, str], ...] = ()
    source_ip: str = ""


@dataclass(frozen=True)
class LogEntry:
    """A request or mail that reached a hook, accepted or rejected."""

    hook_id: str
    item_id: str
    received_at: str
    expires_at: int
    status: str
    channel: str = "webhook"
    lane: str = ""
    raw: RawInput | None = None
    data: Any = None
    data_key: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    attachments: list[dict[str, Any]] = field(default_factory=list)
    attempts: list[Attempt] = field(default_factory=list)
    reason: str = ""
    response_status: int = 200
    next_attempt_at: float = 0.0
    claim_id: str = ""
    claim_until: float = 0.0
    # Queue control: when the last delivery message was sent (0: never / unknown), how often the
    # sweeper re-sent one, the attempts made before the latest replay, and a replay's target.
    queued_at: float = 0.0
    sweeps: int = 0
    attempt_base: int = 0
    scenario_override: str = ""

    @property
    def pending(self) -> bool:
        return self.status in PENDING_STATUSES

    def envelope(self, hook_name: str, data: Any) -> dict[str, Any]:
        """The item as a scenario receives it."""
        return {
            "id": self.item_id,
            "hook": {"id": self.hook_id, "name": hook_name},
            "channel": self.channel,
            "received_at": self.received_at,
            "data": data,
            "attachments": self.attachments,
            "meta": self.meta,
            "attempt": len(self.attempts) + 1,
        }


def status_class(status: str) -> str:
    """'parked', 'in_flight' or 'terminal': what a status means for the queue count."""
    if status in PARKED_STATUSES:
        return "parked"
    if status in IN_FLIGHT_STATUSES:
        return "in_flight"
    return "terminal"


def counter_deltas(old_status: str, new_status: str) -> tuple[int, int]:
    """How moving an item from one status to another changes its hook's (count, parked)."""
    old, new = status_class(old_status), status_class(new_status)
    count = (new != "terminal") - (old != "terminal")
    parked = (new == "parked") - (old == "parked")
    return count, parked
