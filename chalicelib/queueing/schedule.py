"""Interval triggers (pure): when a hook's next run is due.

A hook runs every N seconds (run times are the multiples of N since the Unix epoch, UTC: `every
15m` runs at :00, :15, :30, :45) or on a 5-field cron expression (UTC, via `croniter`). The tick
(every minute in AWS) asks `due_run`: the latest run time not after now is due when no run has
claimed it yet and it is at most `grace` seconds old (a late tick still runs it; a run missed
for longer is skipped, not caught up). A run releases only items that arrived before its run
time, so an item never leaves before the run after its arrival.
"""
from __future__ import annotations

import math

from croniter import croniter

from chalicelib.errors import Invalid


def check_cron(expression: str) -> None:
    if len(expression.split()) != 5:
        raise Invalid(f"cron must be 5 fields (minute hour day month weekday, UTC), got {expression!r}",
                      "invalid_cron")
    try:
        croniter(expression)
    except (ValueError, KeyError) as error:  # croniter names the field and value that are out of range
        raise Invalid(f"cron {expression!r} is not valid: {error}", "invalid_cron") from None


def latest_run_time(every_seconds: int, cron: str, now: float) -> float | None:
    """The latest scheduled run time at or before `now` (None for an instant hook)."""
    if every_seconds > 0:
        return math.floor(now / every_seconds) * every_seconds
    if cron:
        return float(croniter(cron, now + 0.001).get_prev(float))
    return None


def due_run(every_seconds: int, cron: str, now: float, last_run: float, grace: float) -> float | None:
    """The run time to claim now, or None when no run is due."""
    latest = latest_run_time(every_seconds, cron, now)
    if latest is None or latest <= last_run or latest < now - grace:
        return None
    return latest
