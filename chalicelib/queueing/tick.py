"""The scheduled run (`tick`, every minute in AWS, every INLET_TICK_SECONDS locally).

One query reads every hook's queue record; a hook with nothing unfinished costs nothing more,
so a tick with nothing waiting does no work beyond that query. Then, for each hook with items:

- interval hook, not paused, items waiting, a run due (`schedule.due_run`): the run is claimed
  with a conditional write (two overlapping ticks never both release) and at most
  `max_per_run` items that arrived before the run time are released, oldest first (an item
  that arrives after a run time waits for the next one, however late the tick comes);
- instant hook, not paused, items still parked (held items of a hook resumed with more than a
  resume can release at once, or that arrived while a cached "paused" was still in effect):
  they are released, oldest first, a batch per tick;
- the sweeper (`sweep.Sweeper`) re-sends stuck items and expires ended ones.

New hooks need no redeploy: they are found through their queue records.
"""
from __future__ import annotations

from typing import Any

from chalicelib.clock import Clock
from chalicelib.core.ports import HookStore, ItemLog
from chalicelib.ids import first_item_id_at
from chalicelib.observability import logger
from chalicelib.queueing.release import Releaser
from chalicelib.queueing.schedule import due_run
from chalicelib.queueing.sweep import Sweeper

RELEASE_BATCH = 500
SWEEP_BUDGET = 500


class Tick:
    def __init__(self, log: ItemLog, hooks: HookStore, releaser: Releaser, sweeper: Sweeper, clock: Clock,
                 tick_seconds: float) -> None:
        self._log = log
        self._hooks = hooks
        self._releaser = releaser
        self._sweeper = sweeper
        self._clock = clock
        # How late a run may still start: a tick may come late or be skipped once.
        self._grace = max(2 * tick_seconds, 120.0)

    def run(self) -> dict[str, Any]:
        busy = [c for c in self._log.counters() if c.count > 0]
        summary = {"hooks": len(busy), "released": 0, "resent": 0, "expired": 0}
        if not busy:
            return summary
        hooks = {hook.id: hook for hook in self._hooks.list()}
        for counter in busy:
            hook = hooks.get(counter.hook_id)
            if hook is None:
                self._log.drop_counter(counter.hook_id)
                continue
            if counter.parked > 0 and not hook.paused:
                if hook.interval:
                    run_time = due_run(hook.every_seconds, hook.cron, self._clock(), counter.last_run, self._grace)
                    if run_time is not None and self._log.claim_run(hook.id, run_time):
                        summary["released"] += self._releaser.release(hook, hook.max_per_run,
                                                                      first_item_id_at(run_time))
                else:
                    summary["released"] += self._releaser.release(hook, RELEASE_BATCH)
            report = self._sweeper.sweep(hook, counter, SWEEP_BUDGET)
            summary["resent"] += report.resent
            summary["expired"] += report.expired
        if summary["released"] or summary["resent"] or summary["expired"]:
            logger.info("tick", extra=summary)
        return summary
