"""Delivery with the in-memory twins: exactly-once claims, retries, failure, lane order."""
from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.core.hooks import Hook
from chalicelib.core.items import DELIVERED, FAILED, RETRYING
from chalicelib.core.ports import QueueMessage
from chalicelib.delivery.deliver_item import Deliverer
from chalicelib.delivery.run_scenario import ScenarioFailed
from chalicelib.hook_cache import HookCache
from chalicelib.intake.accept_item import Arrival, ItemIntake
from chalicelib.core.items import RawInput
from chalicelib.ids import new_item_id
from chalicelib.twins import InMemoryBlobStore, InMemoryHookStore, InMemoryItemLog, InMemoryQueue


class Scenario:
    """A scenario that fails the first `failures` calls, recording what it got."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.received: list[dict[str, Any]] = []

    def __call__(self, target: str, item: dict[str, Any], secret: str, now: float, timeout: float) -> None:
        self.received.append(item)
        if len(self.received) <= self.failures:
            raise ScenarioFailed(f"failure {len(self.received)}")


class World:
    def __init__(self, clock: Any, scenario: Scenario, **hook_fields: Any) -> None:
        self.clock = clock
        self.hooks = InMemoryHookStore()
        self.log = InMemoryItemLog()
        self.blobs = InMemoryBlobStore()
        self.queue = InMemoryQueue()
        self.hook = Hook(id="hk_1", name="orders", token="t" * 32, scenario="fake", **hook_fields)
        self.hooks.create(self.hook)
        self.intake = ItemIntake(self.log, self.blobs, self.queue, clock, inline_body_limit=1024)
        self.deliverer = Deliverer(HookCache(self.hooks, 0, clock), self.log, self.blobs, clock,
                                   claim_seconds=60, retry_base=10, retry_cap=900, runner=scenario)

    def arrive(self, data: Any) -> str:
        item_id = new_item_id(self.clock())
        body = json.dumps(data).encode()
        self.intake.accept(self.hook, Arrival(item_id, self.clock(), body, RawInput("application/json", 2, ""),
                                              data=data, meta={"format": "json"}))
        return item_id

    def message(self, item_id: str) -> QueueMessage:
        return next(m for m, *_ in self.queue.sent if m.item_id == item_id)


def test_an_item_is_delivered_with_its_data(clock: Any) -> None:
    # Given
    scenario = Scenario()
    world = World(clock, scenario)
    item_id = world.arrive({"hello": "world"})
    # When
    outcome = world.deliverer.handle(world.message(item_id), sequential=False)
    # Then
    assert outcome.ack
    assert scenario.received[0]["data"] == {"hello": "world"} and scenario.received[0]["id"] == item_id
    assert world.log.get("hk_1", item_id, clock()).status == DELIVERED


def test_a_duplicated_message_never_runs_the_scenario_twice(clock: Any) -> None:
    scenario = Scenario()
    world = World(clock, scenario)
    item_id = world.arrive({"n": 1})
    message = world.message(item_id)
    assert world.deliverer.handle(message, sequential=False).ack
    assert world.deliverer.handle(message, sequential=False).ack
    assert len(scenario.received) == 1


def test_failures_retry_with_backoff_then_succeed(clock: Any) -> None:
    # Given a scenario that fails twice
    scenario = Scenario(failures=2)
    world = World(clock, scenario)
    item_id = world.arrive({"n": 1})
    message = world.message(item_id)
    # When
    first = world.deliverer.handle(message, sequential=False)
    early = world.deliverer.handle(message, sequential=False)
    calls_after_early = len(scenario.received)
    clock.advance(first.retry_in)
    second = world.deliverer.handle(message, sequential=False)
    clock.advance(second.retry_in)
    third = world.deliverer.handle(message, sequential=False)
    # Then
    assert not first.ack and 5 <= first.retry_in <= 10
    assert not early.ack and calls_after_early == 1  # not due yet: no extra attempt
    assert not second.ack and 10 <= second.retry_in <= 20
    assert third.ack and len(scenario.received) == 3
    entry = world.log.get("hk_1", item_id, clock())
    assert entry.status == DELIVERED and [a.ok for a in entry.attempts] == [False, False, True]
    assert entry.attempts[0].error == "failure 1"


def test_an_item_that_always_fails_is_marked_failed_after_max_attempts(clock: Any) -> None:
    scenario = Scenario(failures=99)
    world = World(clock, scenario, max_attempts=3)
    item_id = world.arrive({"n": 1})
    message = world.message(item_id)
    outcomes = []
    for _ in range(3):
        outcome = world.deliverer.handle(message, sequential=False)
        outcomes.append(outcome)
        clock.advance(outcome.retry_in)
    assert [o.ack for o in outcomes] == [False, False, True]
    entry = world.log.get("hk_1", item_id, clock())
    assert entry.status == FAILED and len(entry.attempts) == 3


def test_a_sequential_lane_delivers_in_item_id_order_whatever_order_messages_come(clock: Any) -> None:
    # Given three items whose messages arrive in reverse order
    scenario = Scenario()
    world = World(clock, scenario, processing="sequential")
    ids = [world.arrive({"n": n}) for n in range(3)]
    # When
    for item_id in reversed(ids):
        assert world.deliverer.handle(world.message(item_id), sequential=True).ack
    # Then
    assert [item["id"] for item in scenario.received] == ids


def test_a_failing_item_blocks_its_lane_until_it_finishes(clock: Any) -> None:
    scenario = Scenario(failures=1)
    world = World(clock, scenario, processing="sequential")
    first, second = world.arrive({"n": 1}), world.arrive({"n": 2})
    outcome = world.deliverer.handle(world.message(second), sequential=True)
    assert not outcome.ack and world.log.get("hk_1", first, clock()).status == RETRYING
    assert world.deliverer.handle(world.message(second), sequential=True).retry_in > 0
    clock.advance(outcome.retry_in)
    assert world.deliverer.handle(world.message(second), sequential=True).ack
    assert world.deliverer.handle(world.message(first), sequential=True).ack
    assert [item["id"] for item in scenario.received] == [first, first, second]


def test_a_message_for_a_deleted_hook_is_dropped(clock: Any) -> None:
    world = World(clock, Scenario())
    item_id = world.arrive({})
    world.hooks.delete(world.hook)
    assert world.deliverer.handle(world.message(item_id), sequential=False).ack


@pytest.mark.parametrize("size", [10, 200_000])
def test_large_data_is_kept_in_the_blob_store_and_delivered_whole(clock: Any, size: int) -> None:
    scenario = Scenario()
    world = World(clock, scenario)
    data = {"blob": "x" * size}
    item_id = world.arrive(data)
    entry = world.log.get("hk_1", item_id, clock())
    assert (entry.data_key is not None) == (size > 128 * 1024)
    world.deliverer.handle(world.message(item_id), sequential=False)
    assert scenario.received[0]["data"] == data


def test_a_lane_wake_up_is_kept_when_another_delivery_holds_the_oldest_item(clock: Any) -> None:
    # Given: two receives of one FIFO group at once (a lapsed claim, or a stand-in's race)
    world = World(clock, Scenario(), processing="sequential")
    first, second = world.arrive({"n": 1}), world.arrive({"n": 2})
    world.log.claim("hk_1", first, "someone-else", clock(), clock() + 60)
    # When
    outcome = world.deliverer.handle(world.message(second), sequential=True)
    # Then: the wake-up comes back rather than being acknowledged with nothing delivered
    assert not outcome.ack and 1 <= outcome.retry_in <= 30
