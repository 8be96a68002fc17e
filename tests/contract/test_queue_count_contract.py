"""The queue count, for every ItemLog (twin and DynamoDB on moto): exact, limited, moved in the
same step as each status change; the pending view, sweeps and interval run claims."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any, Iterator

import pytest

from chalicelib.core.items import (DELETED, DELIVERED, EXPIRED, FAILED, HALTED, HELD, QUEUED, REJECTED, WAITING,
                                   Attempt, LogEntry, RawInput)
from chalicelib.errors import QueueFull
from chalicelib.ids import new_item_id
from chalicelib.twins import InMemoryItemLog

NOW = 1_800_000_000.0


def entry(item_id: str | None = None, status: str = QUEUED, lane: str = "", expires: float = NOW + 3600) -> LogEntry:
    return LogEntry(hook_id="hk_1", item_id=item_id or new_item_id(NOW), received_at="2027-01-15T08:00:00.000Z",
                    expires_at=int(expires), status=status, lane=lane, queued_at=NOW,
                    raw=RawInput(content_type="application/json", size=2, sha256="x", body=b"{}"), data={"n": 1})


class OneCallAtATime:
    """moto in-process is not thread-safe for transactions; DynamoDB makes each call atomic, so
    serializing calls keeps every interleaving that can happen in AWS (between calls)."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._client, name)
        if not callable(attribute):
            return attribute

        def call(*args: Any, **kwargs: Any) -> Any:
            with self._lock:
                return attribute(*args, **kwargs)
        return call


@pytest.fixture(params=["twin", "dynamodb"])
def log(request: Any) -> Iterator[Any]:
    if request.param == "twin":
        yield InMemoryItemLog()
        return
    outputs = request.getfixturevalue("moto_aws")
    import boto3
    from chalicelib.adapters.dynamo_items import DynamoItemLog
    yield DynamoItemLog(OneCallAtATime(boto3.client("dynamodb", region_name="us-east-1")), outputs["TableName"])


def counts(log: Any) -> tuple[int, int]:
    counter = log.counter("hk_1")
    return counter.count, counter.parked


def test_pending_entries_are_counted_and_the_limit_refuses_the_next(log: Any) -> None:
    # Given a hook limited to 2 items
    log.put(entry(), limit=2)
    log.put(entry(status=WAITING), limit=2)
    # When a third arrives
    with pytest.raises(QueueFull) as full:
        log.put(entry(), limit=2)
    # Then it is refused with a 503 + Retry-After and nothing queued is lost
    assert full.value.status == 503 and "Retry-After" in full.value.headers
    assert counts(log) == (2, 1)
    assert len(log.pending("hk_1", NOW)) == 2
    log.put(entry(status=REJECTED))  # rejected entries are logged but never counted
    assert counts(log) == (2, 1)
    assert log.counter("hk_1").last_item_at == "2027-01-15T08:00:00.000Z"


def test_finishing_frees_a_place_and_halting_keeps_it(log: Any) -> None:
    first, second = entry(lane="-"), entry(lane="-")
    log.put(first)
    log.put(second)
    claimed = log.claim("hk_1", first.item_id, "c1", NOW, NOW + 60).entry
    log.finish(claimed, Attempt(1, "t", 1, True), DELIVERED)
    assert counts(log) == (1, 0)
    claimed = log.claim("hk_1", second.item_id, "c2", NOW, NOW + 60).entry
    log.finish(claimed, Attempt(1, "t", 1, False), HALTED)
    assert counts(log) == (1, 0)
    assert log.pending_in_lane("hk_1", "-", NOW) == [second.item_id]  # it still heads its lane


def test_moves_keep_the_count_and_the_lane_index_right(log: Any) -> None:
    # Given a parked item of a lane
    held = entry(status=HELD, lane="shop-1")
    log.put(held)
    assert counts(log) == (1, 1) and log.pending_in_lane("hk_1", "shop-1", NOW) == []
    # When it is released, then failed, replayed and deleted
    assert log.move("hk_1", held.item_id, (HELD,), QUEUED, NOW + 5, lane="shop-1")
    assert counts(log) == (1, 0) and log.pending_in_lane("hk_1", "shop-1", NOW) == [held.item_id]
    assert log.get("hk_1", held.item_id, NOW).queued_at == NOW + 5
    assert not log.move("hk_1", held.item_id, (HELD,), QUEUED, NOW)  # lost: it is queued now
    assert log.move("hk_1", held.item_id, (QUEUED,), FAILED, NOW)
    assert counts(log) == (0, 0) and log.pending_in_lane("hk_1", "shop-1", NOW) == []
    assert log.move("hk_1", held.item_id, (FAILED,), QUEUED, NOW, attempt_base=3, scenario_override="other",
                    lane="shop-1")
    replayed = log.get("hk_1", held.item_id, NOW)
    assert (replayed.attempt_base, replayed.scenario_override) == (3, "other") and counts(log) == (1, 0)
    assert log.move("hk_1", held.item_id, (QUEUED,), DELETED, NOW, reason="deleted")
    assert counts(log) == (0, 0) and log.pending("hk_1", NOW) == []
    assert log.get("hk_1", held.item_id, NOW).status == DELETED


def test_the_pending_view_is_oldest_first_filtered_and_hides_expired_entries(log: Any) -> None:
    ids = [new_item_id(NOW + i) for i in range(4)]
    log.put(entry(ids[0], status=WAITING))
    log.put(entry(ids[1]))
    log.put(entry(ids[2], expires=NOW - 1))  # C54: expired, still stored
    log.put(entry(ids[3], status=HELD))
    assert [r.item_id for r in log.pending("hk_1", NOW)] == [ids[0], ids[1], ids[3]]
    assert [r.item_id for r in log.pending("hk_1", NOW, statuses=(WAITING, HELD))] == [ids[0], ids[3]]
    assert [r.item_id for r in log.pending("hk_1", NOW, received_before=ids[2])] == ids[:2]
    assert ids[2] in [r.item_id for r in log.pending("hk_1", NOW, include_expired=True)]
    assert log.pending("hk_1", NOW, limit=1)[0].status == WAITING
    assert log.move("hk_1", ids[2], (QUEUED,), EXPIRED, NOW) and counts(log) == (3, 2)


def test_touch_records_a_resend_only_while_the_status_holds(log: Any) -> None:
    stored = entry()
    log.put(stored)
    assert log.touch("hk_1", stored.item_id, QUEUED, NOW + 9)
    assert not log.touch("hk_1", stored.item_id, HELD, NOW + 9)
    row = log.pending("hk_1", NOW)[0]
    assert (row.queued_at, row.sweeps) == (NOW + 9, 1)


def test_an_interval_run_is_claimed_once(log: Any) -> None:
    assert log.claim_run("hk_1", NOW)
    assert not log.claim_run("hk_1", NOW)
    assert not log.claim_run("hk_1", NOW - 60)
    assert log.claim_run("hk_1", NOW + 60) and log.counter("hk_1").last_run == NOW + 60
    log.drop_counter("hk_1")
    assert log.counter("hk_1").count == 0


def test_the_count_stays_exact_under_concurrent_requests_and_deliveries(log: Any) -> None:
    # Given 40 requests racing for 25 places while earlier items finish
    early = [entry() for _ in range(5)]
    for item in early:
        log.put(item, limit=25)

    def arrive(_: int) -> bool:
        try:
            log.put(entry(), limit=25)
            return True
        except QueueFull:
            return False

    def deliver(item: Any) -> None:
        claimed = log.claim("hk_1", item.item_id, "c-" + item.item_id, NOW, NOW + 60).entry
        log.finish(claimed, Attempt(1, "t", 1, True), DELIVERED)

    # When
    with ThreadPoolExecutor(max_workers=8) as pool:
        accepted = list(pool.map(arrive, range(40)))
        list(pool.map(deliver, early))
    # Then the count is exactly what is pending, and never went past the limit
    pending = log.pending("hk_1", NOW, limit=1000)
    assert counts(log)[0] == len(pending) == sum(accepted)
    assert sum(accepted) <= 25
