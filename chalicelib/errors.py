"""The error hierarchy that decides behaviour: rejected (4xx, never retried), transient
(retry later), permanent (dead-letter). Each entry point maps these in exactly one place."""
from __future__ import annotations


class InletError(Exception):
    """Base of every error Inlet raises on purpose."""

    code = "error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class Rejected(InletError):
    """The sender's input is wrong: answer with `status`, log it, never retry."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message, code=code)
        self.status = status
        self.headers = headers or {}


class NotFound(Rejected):
    def __init__(self, message: str, code: str = "not_found") -> None:
        super().__init__(404, code, message)


class Conflict(Rejected):
    def __init__(self, message: str, code: str = "conflict") -> None:
        super().__init__(409, code, message)


class Invalid(Rejected):
    def __init__(self, message: str, code: str = "invalid_request") -> None:
        super().__init__(400, code, message)


class QueueFull(Rejected):
    """The hook's queue holds its limit of unfinished items: answer 503 + Retry-After (senders
    retry a 503; they would drop a 400) and keep everything already queued."""

    def __init__(self, message: str, retry_after: int = 30) -> None:
        super().__init__(503, "queue_full", message, {"Retry-After": str(retry_after)})


class Transient(InletError):
    """A dependency failed in a way that may pass: retry (ingest answers 503 + Retry-After)."""

    code = "unavailable"


class Permanent(InletError):
    """Retrying cannot help: mark the item failed (dead-letter)."""

    code = "permanent"


class ConditionFailed(InletError):
    """A conditional write lost: the stored state is not what the caller expected."""

    code = "condition_failed"
