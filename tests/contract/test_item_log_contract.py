"""One contract for every ItemLog: the in-memory twin and DynamoDB (moto) behave alike."""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Iterator

import pytest

from chalicelib.core.items import (DELIVERED, DELIVERING, FAILED, QUEUED, REJECTED, RETRYING, Attempt, LogEntry,
                                   RawInput)
from chalicelib.errors import ConditionFailed
from chalicelib.ids import new_item_id
from chalicelib.twins import InMemoryItemLog

NOW = 1_800_000_000.0


@pytest.fixture(params=["twin", "dynamodb"])
def log(request: Any) -> Iterator[Any]:
    if request.param == "twin":
        yield InMemoryItemLog()
        return
    outputs = request.getfixturevalue("moto_aws")
    import boto3
    from chalicelib.adapters.dynamo_items import DynamoItemLog
    yield DynamoItemLog(boto3.client("dynamodb", region_name="us-east-1"), outputs["TableName"])


def entry(item_id: str | None = None, status: str = QUEUED, lane: str = "", expires: float = NOW + 3600,
          **changes: Any) -> LogEntry:
    return LogEntry(hook_id="hk_1", item_id=item_id or new_item_id(NOW), received_at="2027-01-15T08:00:00.000Z",
                    expires_at=int(expires), status=status, lane=lane,
                    raw=RawInput(content_type="application/json", size=2, sha256="x", body=b"{}", method="POST",
                                 headers=(("X-A", "1"), ("X-A", "2")), query=(("q", "1"),), source_ip="192.0.2.1"),
                    data={"": "empty key", "a.b": 1, "$ref": "x", "n": 12.5, "big": 2202229078},
                    meta={"format": "json"}, **changes)


def attempt(ok: bool, number: int = 1) -> Attempt:
    return Attempt(number=number, started_at="2027-01-15T08:00:01.000Z", duration_ms=3, ok=ok,
                   error="" if ok else "boom")


def test_an_entry_round_trips_exactly(log: Any) -> None:
    # Given
    stored = entry()
    # When
    log.put(stored)
    # Then
    assert log.get("hk_1", stored.item_id, NOW) == stored


def test_an_item_id_is_written_once(log: Any) -> None:
    stored = entry()
    log.put(stored)
    with pytest.raises(ConditionFailed):
        log.put(stored)


def test_expired_entries_are_never_shown_though_still_stored(log: Any) -> None:
    # Given: an entry past its expiry that TTL has not deleted yet (C54)
    expired = entry(expires=NOW - 1)
    live = entry()
    log.put(expired)
    log.put(live)
    # Then
    assert log.get("hk_1", expired.item_id, NOW) is None
    assert [e.item_id for e in log.list("hk_1", NOW)] == [live.item_id]
    assert log.claim("hk_1", expired.item_id, "c1", NOW, NOW + 60).entry is None


def test_list_is_newest_first_and_filters_by_status(log: Any) -> None:
    ids = [new_item_id(NOW + i) for i in range(3)]
    for item_id, status in zip(ids, (QUEUED, REJECTED, QUEUED)):
        log.put(entry(item_id, status=status))
    assert [e.item_id for e in log.list("hk_1", NOW)] == list(reversed(ids))
    assert [e.item_id for e in log.list("hk_1", NOW, status=REJECTED)] == [ids[1]]
    assert len(log.list("hk_1", NOW, limit=2)) == 2


def test_an_item_is_claimed_once(log: Any) -> None:
    # Given
    stored = entry()
    log.put(stored)
    # When
    first = log.claim("hk_1", stored.item_id, "c1", NOW, NOW + 60)
    second = log.claim("hk_1", stored.item_id, "c2", NOW, NOW + 60)
    # Then
    assert first.claimed and first.entry.status == DELIVERING and first.entry.claim_id == "c1"
    assert not second.claimed and second.current.status == DELIVERING


def test_a_lapsed_claim_can_be_taken_over(log: Any) -> None:
    stored = entry()
    log.put(stored)
    log.claim("hk_1", stored.item_id, "c1", NOW, NOW + 60)
    assert log.claim("hk_1", stored.item_id, "c2", NOW + 61, NOW + 121).claimed


def test_finish_records_attempts_and_only_the_holder_may_finish(log: Any) -> None:
    # Given
    stored = entry()
    log.put(stored)
    claimed = log.claim("hk_1", stored.item_id, "c1", NOW, NOW + 60).entry
    # When
    with pytest.raises(ConditionFailed):
        log.finish(replace(claimed, claim_id="someone-else"), attempt(True), DELIVERED)
    log.finish(claimed, attempt(False), RETRYING, next_attempt_at=NOW + 30)
    # Then
    after = log.get("hk_1", stored.item_id, NOW)
    assert after.status == RETRYING and after.attempts == [attempt(False)] and after.next_attempt_at == NOW + 30
    assert not log.claim("hk_1", stored.item_id, "c2", NOW + 10, NOW + 70).claimed
    again = log.claim("hk_1", stored.item_id, "c2", NOW + 30, NOW + 90).entry
    log.finish(again, attempt(True, 2), DELIVERED)
    final = log.get("hk_1", stored.item_id, NOW)
    assert final.status == DELIVERED and [a.ok for a in final.attempts] == [False, True]
    assert log.claim("hk_1", stored.item_id, "c3", NOW + 999, NOW + 1000).current.status == DELIVERED


def test_pending_in_lane_lists_unfinished_items_oldest_first(log: Any) -> None:
    # Given
    ids = [new_item_id(NOW + i) for i in range(4)]
    for item_id in ids:
        log.put(entry(item_id, lane="-"))
    log.put(entry(new_item_id(NOW + 9), lane="other"))
    done = log.claim("hk_1", ids[0], "c", NOW, NOW + 60).entry
    log.finish(done, attempt(False), FAILED)
    # Then
    assert log.pending_in_lane("hk_1", "-", NOW) == ids[1:]
    assert log.pending_in_lane("hk_1", "-", NOW, limit=1) == ids[1:2]


def test_transition_moves_only_from_expected_statuses(log: Any) -> None:
    stored = entry(lane="-")
    log.put(stored)
    assert not log.transition("hk_1", stored.item_id, (DELIVERED,), REJECTED)
    assert log.transition("hk_1", stored.item_id, (QUEUED,), REJECTED, reason="queue unavailable",
                          response_status=503)
    after = log.get("hk_1", stored.item_id, NOW)
    assert after.status == REJECTED and after.reason == "queue unavailable" and after.response_status == 503
    assert log.pending_in_lane("hk_1", "-", NOW) == []


# --- idempotency keys ---------------------------------------------------------------------


def test_a_first_key_stores_the_entry_and_a_resent_one_names_the_first_item(log: Any) -> None:
    # Given
    first, resent = entry(new_item_id(NOW)), entry(new_item_id(NOW + 1))
    # When
    taken_first = log.put_unique(first, "delivery-1", NOW)
    taken_resent = log.put_unique(resent, "delivery-1", NOW + 1)
    # Then
    assert (taken_first, taken_resent) == (None, first.item_id)
    assert log.get("hk_1", first.item_id, NOW) == first
    assert log.get("hk_1", resent.item_id, NOW) is None  # nothing of the resent request was stored


def test_keys_are_per_hook_and_per_value(log: Any) -> None:
    a, b = entry(new_item_id(NOW)), entry(new_item_id(NOW + 1))
    other_hook = replace(entry(new_item_id(NOW + 2)), hook_id="hk_2")
    assert log.put_unique(a, "k1", NOW) is None
    assert log.put_unique(b, "k2", NOW) is None
    assert log.put_unique(other_hook, "k1", NOW) is None
    assert [e.item_id for e in log.list("hk_2", NOW)] == [other_hook.item_id]


def test_an_expired_key_no_longer_counts_though_still_stored(log: Any) -> None:
    # Given a key whose first entry has expired but that TTL has not deleted yet (C54)
    old = entry(new_item_id(NOW), expires=NOW + 10)
    assert log.put_unique(old, "evt_1", NOW) is None
    later = NOW + 11
    fresh = entry(new_item_id(later), expires=later + 3600)
    # When the same key comes back after the window
    taken = log.put_unique(fresh, "evt_1", later)
    # Then it is a new item, and the key now names it
    assert taken is None and log.get("hk_1", fresh.item_id, later) == fresh
    assert log.put_unique(entry(new_item_id(later + 1)), "evt_1", later + 1) == fresh.item_id


def test_a_unique_entry_whose_item_id_exists_is_refused(log: Any) -> None:
    stored = entry()
    log.put(stored)
    with pytest.raises(ConditionFailed):
        log.put_unique(stored, "fresh-key", NOW)


def test_keys_of_any_length_and_characters_work(log: Any) -> None:
    key = "é/#" * 500
    first = entry(new_item_id(NOW))
    assert log.put_unique(first, key, NOW) is None
    assert log.put_unique(entry(new_item_id(NOW + 1)), key, NOW) == first.item_id
