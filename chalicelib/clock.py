"""Time, injectable: use cases take a `Clock` so tests can fix or move it."""
from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import Callable

Clock = Callable[[], float]


def system_clock() -> float:
    return time.time()


def iso(epoch: float) -> str:
    """ISO 8601 UTC with milliseconds, e.g. 2026-12-03T15:41:45.123Z."""
    return datetime.fromtimestamp(epoch, tz=timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
