"""Queue control on the in-memory twins: pause and resume, the limit, interval runs, lanes that
halt or move on, replay, the sweeper and expiry. Time is a hand-moved clock."""
from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib import scenarios
from chalicelib.composition import Services
from chalicelib.core.items import (DELETED, DELIVERED, FAILED, HALTED, HELD, QUEUED, WAITING, RawInput)
from chalicelib.core.ports import QueueMessage
from chalicelib.errors import Conflict, QueueFull
from chalicelib.ids import item_id_time, new_item_id
from chalicelib.intake.accept_item import Arrival
from chalicelib.settings import Settings
from chalicelib.twins import InMemoryBlobStore, InMemoryHookStore, InMemoryItemLog, InMemoryQueue

received: list[dict[str, Any]] = []
failing: set[str] = set()


@scenarios.scenario("unit-capture")
def capture(item: dict[str, Any]) -> None:
    """Fails for items whose data names a failing key; records the rest."""
    if item["data"].get("key") in failing or "*" in failing:
        raise RuntimeError("scenario asked to fail")
    received.append(item)


@scenarios.scenario("unit-other")
def other(item: dict[str, Any]) -> None:
    received.append({**item, "via": "other"})


class CallCounter:
    """Counts the calls made to a port (the 'one cheap query' rule)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.calls: list[str] = []

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self.inner, name)
        if callable(attribute):
            def call(*args: Any, **kwargs: Any) -> Any:
                self.calls.append(name)
                return attribute(*args, **kwargs)
            return call
        return attribute


class World:
    def __init__(self, clock: Any) -> None:
        received.clear()
        failing.clear()
        self.clock = clock
        self.log = CallCounter(InMemoryItemLog())
        self.hooks = CallCounter(InMemoryHookStore())
        self.queue = InMemoryQueue()
        settings = Settings(retry_base_seconds=1, retry_cap_seconds=2, hook_cache_seconds=0, sweep_after_seconds=300)
        self.services = Services(settings, clock, hook_store=self.hooks, item_log=self.log,  # type: ignore[arg-type]
                                 blobs=InMemoryBlobStore(), queue=self.queue)
        self.delivered_upto = 0

    def hook(self, name: str = "orders", **fields: Any) -> Any:
        return self.services.hook_manager.create({"name": name, "scenario": "unit-capture", **fields})

    def fresh(self, hook: Any) -> Any:
        return self.services.hook_store.get(hook.id)

    def arrive(self, hook: Any, data: Any, headers: tuple[tuple[str, str], ...] = ()) -> Any:
        hook = self.fresh(hook)
        item_id = new_item_id(self.clock())
        raw = RawInput("application/json", 0, "", headers=headers)
        return self.services.intake.accept(hook, Arrival(item_id, self.clock(), json.dumps(data).encode(), raw,
                                                         data=data))

    def deliver(self, rounds: int = 50) -> None:
        """Hand every sent message to the deliverer, as the queue would; later ones come back."""
        for _ in range(rounds):
            pending = self.queue.sent[self.delivered_upto:]
            if not pending:
                return
            self.delivered_upto = len(self.queue.sent)
            for message, sequential, group, _ in pending:
                outcome = self.services.deliverer.handle(message, sequential)
                if not outcome.ack:
                    self.clock.advance(outcome.retry_in)
                    self.queue.sent.append((message, sequential, group, "retry"))

    def status(self, hook: Any, item_id: str) -> str:
        return self.services.item_log.get(hook.id, item_id, self.clock()).status

    def count(self, hook: Any) -> int:
        return self.services.item_log.counter(hook.id).count

    def data_received(self) -> list[Any]:
        return [item["data"]["n"] for item in received]


@pytest.fixture
def world(clock: Any) -> World:
    # Item ids never go back in time within a process: start after the last one made.
    clock.now = max(clock.now, item_id_time(new_item_id(clock.now)) + 1)
    return World(clock)


def test_a_paused_hook_holds_items_and_releases_them_in_order_on_resume(world: World) -> None:
    # Given a paused sequential hook
    hook = world.hook(processing="sequential")
    world.services.queue_control.pause(hook)
    # When 5 items arrive
    entries = [world.arrive(hook, {"n": n}) for n in range(5)]
    world.deliver()
    # Then each is held, answered and kept, none delivered
    assert {e.status for e in entries} == {HELD} and received == [] and world.count(hook) == 5
    # When the hook resumes
    result = world.services.queue_control.resume(world.fresh(hook))
    world.deliver()
    # Then they are delivered once each, in arrival order
    assert result["released"] == 5 and world.data_received() == [0, 1, 2, 3, 4]
    assert world.count(hook) == 0


def test_pausing_also_holds_items_already_queued(world: World) -> None:
    hook = world.hook()
    entries = [world.arrive(hook, {"n": n}) for n in range(3)]
    world.services.queue_control.pause(hook)
    world.deliver()
    assert [world.status(hook, e.item_id) for e in entries] == [HELD] * 3 and received == []
    world.services.queue_control.resume(world.fresh(hook))
    world.deliver()
    assert sorted(world.data_received()) == [0, 1, 2]


def test_a_full_queue_refuses_with_503_logs_the_rejection_and_keeps_the_queue(world: World) -> None:
    hook = world.hook(queue_limit=2)
    world.services.queue_control.pause(hook)
    world.arrive(hook, {"n": 0})
    world.arrive(hook, {"n": 1})
    with pytest.raises(QueueFull) as full:
        world.arrive(hook, {"n": 2})
    assert full.value.status == 503 and full.value.headers["Retry-After"]
    log = world.services.item_log.list(hook.id, world.clock())
    assert [e.status for e in log] == ["rejected", HELD, HELD] and "queue full" in log[0].reason
    world.services.queue_control.resume(world.fresh(hook))
    world.deliver()
    assert sorted(world.data_received()) == [0, 1]
    world.arrive(hook, {"n": 3})  # room again once delivered


def test_an_interval_hook_waits_for_its_run_and_releases_at_most_m_oldest_first(world: World) -> None:
    # Given a 15-minute hook releasing 2 per run, just after a run time
    base = (world.clock.now // 900 + 1) * 900
    world.clock.now = base + 60
    hook = world.hook(every_seconds=900, max_per_run=2)
    for n in range(5):
        world.arrive(hook, {"n": n})
    # When ticks come before the next run time
    for _ in range(5):
        world.services.tick.run()
        world.clock.advance(60)
        world.deliver()
    # Then nothing was delivered
    assert received == [] and world.count(hook) == 5
    # When the run time comes, and ticks repeat within the same run
    world.clock.now = base + 900
    world.services.tick.run()
    world.clock.advance(30)
    world.services.tick.run()
    world.deliver()
    # Then two are delivered, the oldest
    assert world.data_received() == [0, 1]
    world.clock.now = base + 1800
    world.services.tick.run()
    world.deliver()
    assert world.data_received() == [0, 1, 2, 3]


def test_a_tick_with_nothing_waiting_makes_one_query(world: World) -> None:
    world.hook(every_seconds=900)
    world.hook("other")
    world.log.calls.clear()
    world.hooks.calls.clear()
    world.services.tick.run()
    assert world.log.calls == ["counters"] and world.hooks.calls == []


def test_lanes_deliver_in_order_per_key_and_a_failing_lane_moves_on_by_default(world: World) -> None:
    # Given a sequential hook with lanes by customer, whose customer B always fails
    hook = world.hook(processing="sequential", order_by="$.key", max_attempts=2)
    failing.add("B")
    ids = {}
    for n, key in enumerate("ABABA"):
        ids[n] = world.arrive(hook, {"n": n, "key": key}).item_id
    # When delivered
    world.deliver()
    # Then lane A arrives in order; lane B's items are each set aside as failed
    assert world.data_received() == [0, 2, 4]
    assert world.status(hook, ids[1]) == FAILED and world.status(hook, ids[3]) == FAILED
    groups = {group for _, _, group, _ in world.queue.sent}
    assert groups == {f"{hook.id}#A", f"{hook.id}#B"}


def test_a_halting_lane_stops_at_a_failed_item_until_it_is_replayed(world: World) -> None:
    hook = world.hook(processing="sequential", order_by="$.key", max_attempts=1, on_failure="halt")
    failing.add("B")
    ids = [world.arrive(hook, {"n": n, "key": key}).item_id for n, key in enumerate("BBAB")]
    world.deliver()
    # The first B failed and halts lane B; lane A flows; nothing is lost
    assert world.data_received() == [2]
    assert [world.status(hook, i) for i in ids] == [HALTED, QUEUED, DELIVERED, QUEUED]
    assert world.count(hook) == 3
    # When the failed item is replayed (its scenario fixed)
    failing.clear()
    result = world.services.queue_control.replay(world.fresh(hook), [ids[0]])
    world.deliver()
    # Then lane B resumes, in order
    assert [r["id"] for r in result["replayed"]] == [ids[0]]
    assert world.data_received() == [2, 0, 1, 3] and world.count(hook) == 0


def test_deleting_a_halted_item_lets_its_lane_go_on(world: World) -> None:
    hook = world.hook(processing="sequential", max_attempts=1, on_failure="halt")
    failing.add("*")
    first = world.arrive(hook, {"n": 0}).item_id
    world.arrive(hook, {"n": 1})
    world.deliver()
    failing.clear()
    assert world.services.queue_control.delete(world.fresh(hook), first) == {"deleted": first, "was": HALTED}
    world.deliver()
    assert world.data_received() == [1] and world.status(hook, first) == DELETED


def test_replay_runs_a_new_attempt_on_the_same_item_to_another_scenario(world: World) -> None:
    hook = world.hook(max_attempts=1)
    failing.add("*")
    item = world.arrive(hook, {"n": 7}).item_id
    world.deliver()
    failing.clear()
    result = world.services.queue_control.replay(world.fresh(hook), [item], scenario="unit-other")
    world.deliver()
    entry = world.services.item_log.get(hook.id, item, world.clock())
    assert result["replayed"][0]["was"] == FAILED and received[0]["via"] == "other"
    assert entry.status == DELIVERED and [a.scenario for a in entry.attempts] == ["unit-capture", "unit-other"]
    # a pending or unknown item is skipped, not an error
    again = world.services.queue_control.replay(world.fresh(hook), ["0" * 26, "junk"])
    assert len(again["skipped"]) == 2 and again["replayed"] == []
    assert world.services.queue_control.replay_matching(world.fresh(hook), "delivered", "1h", 10)["replayed"]


def test_queue_view_delete_purge_and_release(world: World) -> None:
    hook = world.hook(every_seconds=3600)
    ids = [world.arrive(hook, {"n": n}).item_id for n in range(4)]
    control = world.services.queue_control
    view = control.view(world.fresh(hook))
    assert (view["count"], view["limit"]) == (4, 10_000)
    assert [i["id"] for i in view["items"]] == ids and {i["status"] for i in view["items"]} == {WAITING}
    control.delete(world.fresh(hook), ids[0])
    with pytest.raises(Conflict):
        control.delete(world.fresh(hook), ids[0])
    assert control.release(world.fresh(hook))["released"] == 3
    world.deliver()
    assert world.data_received() == [1, 2, 3]
    more = [world.arrive(hook, {"n": n}).item_id for n in range(3)]
    assert control.purge(world.fresh(hook))["purged"] == 3 and world.count(hook) == 0
    assert world.status(hook, more[0]) == DELETED


def test_the_sweeper_sends_an_item_whose_send_failed_and_it_runs_once(world: World) -> None:
    # Given the queue refuses the send right after the item was stored
    hook = world.hook()
    world.queue.fail_sends = 1
    entry = world.arrive(hook, {"n": 1})
    assert world.queue.sent == [] and world.status(hook, entry.item_id) == QUEUED  # accepted (200)
    # When a tick runs after the sweeper's wait (INLET_SWEEP_AFTER_SECONDS)
    assert world.services.tick.run()["resent"] == 0
    world.clock.advance(301)
    summary = world.services.tick.run()
    world.deliver()
    world.services.tick.run()  # a later tick finds nothing to do
    world.deliver()
    # Then the item is delivered once
    assert summary["resent"] == 1 and world.data_received() == [1]


def test_the_sweeper_resends_a_lapsed_claim_with_backoff(world: World) -> None:
    hook = world.hook()
    item = world.arrive(hook, {"n": 1}).item_id
    # a delivery claims the item and dies
    world.services.item_log.claim(hook.id, item, "dead", world.clock(), world.clock() + 120)
    world.delivered_upto = len(world.queue.sent)
    world.clock.advance(301)
    assert world.services.tick.run()["resent"] == 1
    assert world.services.tick.run()["resent"] == 0  # not again at once
    world.deliver()
    assert world.data_received() == [1]
    assert world.queue.sent[-1][3].startswith("#s")  # a fresh FIFO dedup id (C52)


def test_c51_a_message_lost_to_the_dead_letter_queue_is_sent_again_by_the_sweeper(world: World) -> None:
    # Given a sequential lane whose second item's message went to the DLQ (never handled)
    hook = world.hook(processing="sequential")
    ids = [world.arrive(hook, {"n": n}).item_id for n in range(3)]
    lost = world.queue.sent.pop(1)
    assert lost[0].item_id == ids[1]
    world.deliver()
    # Then order held: the two messages delivered items 0 and 1 (wake-ups take the oldest)
    assert world.data_received() == [0, 1]
    # and the sweeper sends the missing wake-up, so item 2 is not stuck
    world.clock.advance(301)
    world.services.tick.run()
    world.deliver()
    assert world.data_received() == [0, 1, 2]


def test_expired_items_leave_the_queue_and_are_never_shown(world: World) -> None:
    hook = world.hook(retention_days=1, every_seconds=3600)
    item = world.arrive(hook, {"n": 1}).item_id
    world.services.queue_control.pause(world.fresh(hook))
    world.clock.advance(86400 + 1)
    world.services.tick.run()
    assert world.count(hook) == 0 and world.services.item_log.get(hook.id, item, world.clock()) is None
    assert world.services.queue_control.view(world.fresh(hook))["items"] == []


def test_a_retention_change_applies_to_new_items_only(world: World) -> None:
    hook = world.hook(retention_days=3)
    old = world.arrive(hook, {"n": 1})
    world.services.hook_manager.update("orders", {"retention_days": 7})
    new = world.arrive(hook, {"n": 2})
    assert new.expires_at - old.expires_at >= 4 * 86400
    assert "/03d/" not in (new.raw.body_key or "/07d/")


def test_a_message_for_a_deleted_hook_is_dropped_and_its_queue_record_forgotten(world: World) -> None:
    hook = world.hook(every_seconds=3600)
    world.arrive(hook, {"n": 1})
    world.services.hook_manager.delete("orders")
    world.services.tick.run()
    assert world.services.item_log.counters() == []
    assert world.services.deliverer.handle(QueueMessage(hook.id, "x"), False).ack
