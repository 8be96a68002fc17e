"""Item log on DynamoDB: one record per received request or mail, expiring by TTL.

Key: `ITEM#<hook id>` / `<item id>`, so a hook's entries list newest first. An idempotency
key is a record `IDEM#<hook id>#<sha256 of the key>` / `-` naming the first item; it is
written in one transaction with that item's entry and expires with it. Parsed data, meta
and attachments are stored as JSON strings (keys such as "", "a.b" or "$ref" survive, numbers
keep their exact form). Two sparse indexes hold only unfinished items: `pending` (by hook: every
unfinished item, with the few attributes the queue view, releases and the sweeper need) and
`lanes` (by sequential lane: only items in flight, so held or waiting items never block a lane).
DynamoDB deletes expired records late, so every read filters on `expires_at` itself.

Each hook's queue count lives on its queue record (`dynamo_queue`): writes that change an item's
status class update it in the same transaction.
"""
from __future__ import annotations

import builtins

import hashlib
import json
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.adapters.aws import error_code, translated
from chalicelib.adapters.dynamo_queue import (QUEUE_PK, Cancelled, counter_from_record, counter_key,
                                              counter_update, transact)
from chalicelib.core.items import (DELIVERING, IN_FLIGHT_STATUSES, PENDING_STATUSES, QUEUED, RETRYING, Attempt,
                                   LogEntry, RawInput, counter_deltas, status_class)
from chalicelib.core.ports import ClaimResult, QueueCounter, QueueRow
from chalicelib.errors import ConditionFailed, QueueFull, Transient

PENDING_INDEX = "pending"
LANES_INDEX = "lanes"


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _n(value: float) -> dict[str, str]:
    return {"N": repr(int(value)) if float(value).is_integer() else repr(float(value))}


def _lane_key(hook_id: str, lane: str) -> str:
    return f"{hook_id}#{lane}"


def to_record(entry: LogEntry) -> dict[str, Any]:
    record: dict[str, Any] = {
        "pk": {"S": f"ITEM#{entry.hook_id}"}, "sk": {"S": entry.item_id},
        "hook_id": {"S": entry.hook_id}, "item_id": {"S": entry.item_id},
        "received_at": {"S": entry.received_at}, "expires_at": _n(entry.expires_at),
        "status": {"S": entry.status}, "channel": {"S": entry.channel}, "lane": {"S": entry.lane},
        "meta": {"S": _dumps(entry.meta)}, "attachments": {"S": _dumps(entry.attachments)},
        "attempts": {"L": [{"S": _dumps(a.to_dict())} for a in entry.attempts]},
        "response_status": _n(entry.response_status), "next_attempt_at": _n(entry.next_attempt_at),
        "queued_at": _n(entry.queued_at), "sweeps": _n(entry.sweeps), "attempt_base": _n(entry.attempt_base),
        "attempt_count": _n(len(entry.attempts)),
    }
    if entry.scenario_override:
        record["scenario_override"] = {"S": entry.scenario_override}
    if entry.reason:
        record["reason"] = {"S": entry.reason}
    if entry.data_key:
        record["data_key"] = {"S": entry.data_key}
    else:
        record["data"] = {"S": _dumps(entry.data)}
    if entry.raw is not None:
        record["raw"] = {"M": _raw_record(entry.raw)}
    if entry.pending:
        record["pending_hook"] = {"S": entry.hook_id}
        if entry.lane and entry.status in IN_FLIGHT_STATUSES:
            record["pending_lane"] = {"S": _lane_key(entry.hook_id, entry.lane)}
    return record


def _raw_record(raw: RawInput) -> dict[str, Any]:
    out: dict[str, Any] = {
        "size": _n(raw.size), "sha256": {"S": raw.sha256}, "method": {"S": raw.method},
        "headers": {"S": _dumps(raw.headers)}, "query": {"S": _dumps(raw.query)},
        "source_ip": {"S": raw.source_ip},
    }
    if raw.content_type is not None:
        out["content_type"] = {"S": raw.content_type}
    if raw.body is not None:
        out["body"] = {"B": raw.body}
    if raw.body_key:
        out["body_key"] = {"S": raw.body_key}
    return out


def from_record(record: dict[str, Any]) -> LogEntry:
    raw = None
    if "raw" in record:
        r = record["raw"]["M"]
        raw = RawInput(
            content_type=r["content_type"]["S"] if "content_type" in r else None,
            size=int(r["size"]["N"]), sha256=r["sha256"]["S"],
            body=bytes(r["body"]["B"]) if "body" in r else None,
            body_key=r["body_key"]["S"] if "body_key" in r else None,
            method=r["method"]["S"],
            headers=tuple(tuple(p) for p in json.loads(r["headers"]["S"])),  # type: ignore[misc]
            query=tuple(tuple(p) for p in json.loads(r["query"]["S"])),  # type: ignore[misc]
            source_ip=r["source_ip"]["S"])
    return LogEntry(
        hook_id=record["hook_id"]["S"], item_id=record["item_id"]["S"],
        received_at=record["received_at"]["S"], expires_at=int(float(record["expires_at"]["N"])),
        status=record["status"]["S"], channel=record["channel"]["S"], lane=record["lane"]["S"],
        raw=raw, data=json.loads(record["data"]["S"]) if "data" in record else None,
        data_key=record["data_key"]["S"] if "data_key" in record else None,
        meta=json.loads(record["meta"]["S"]), attachments=json.loads(record["attachments"]["S"]),
        attempts=[Attempt.from_dict(json.loads(a["S"])) for a in record.get("attempts", {}).get("L", [])],
        reason=record.get("reason", {}).get("S", ""),
        response_status=int(float(record["response_status"]["N"])),
        next_attempt_at=float(record["next_attempt_at"]["N"]),
        claim_id=record.get("claim_id", {}).get("S", ""),
        claim_until=float(record.get("claim_until", {}).get("N", "0")),
        queued_at=float(record.get("queued_at", {}).get("N", "0")),
        sweeps=int(float(record.get("sweeps", {}).get("N", "0"))),
        attempt_base=int(float(record.get("attempt_base", {}).get("N", "0"))),
        scenario_override=record.get("scenario_override", {}).get("S", ""),
    )


def _row(record: dict[str, Any]) -> QueueRow:
    def number(name: str) -> float:
        return float(record.get(name, {}).get("N", "0"))
    return QueueRow(item_id=record["item_id"]["S"], status=record["status"]["S"],
                    lane=record.get("lane", {}).get("S", ""), queued_at=number("queued_at"),
                    claim_until=number("claim_until"), next_attempt_at=number("next_attempt_at"),
                    expires_at=int(number("expires_at")), attempts=int(number("attempt_count")),
                    sweeps=int(number("sweeps")))


class DynamoItemLog:
    def __init__(self, dynamodb: Any, table: str) -> None:
        self._db = dynamodb
        self._table = table

    def _key(self, hook_id: str, item_id: str) -> dict[str, Any]:
        return {"pk": {"S": f"ITEM#{hook_id}"}, "sk": {"S": item_id}}

    def put(self, entry: LogEntry, limit: int | None = None) -> None:
        if not entry.pending:
            self._put(entry)
            return
        try:
            transact(self._db, [
                {"Put": {"TableName": self._table, "Item": to_record(entry),
                         "ConditionExpression": "attribute_not_exists(pk)"}},
                counter_update(self._table, entry.hook_id, 1, int(status_class(entry.status) == "parked"),
                               limit=limit, last_item_at=entry.received_at)])
        except Cancelled as cancelled:
            if cancelled.failed(1) and not cancelled.failed(0):
                raise QueueFull(f"the queue holds its limit of {limit} items; retry later") from None
            raise ConditionFailed(f"item {entry.item_id} exists") from None

    @translated
    def _put(self, entry: LogEntry) -> None:
        self._db.put_item(TableName=self._table, Item=to_record(entry),
                          ConditionExpression="attribute_not_exists(pk)")

    def _key_record(self, hook_id: str, key: str) -> dict[str, Any]:
        digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
        return {"pk": {"S": f"IDEM#{hook_id}#{digest}"}, "sk": {"S": "-"}}

    def put_unique(self, entry: LogEntry, key: str, now: float, limit: int | None = None) -> str | None:
        # Two tries: a transaction can lose to a concurrent one with the same key
        # (TransactionConflict) before that one's record is readable.
        for _ in range(2):
            reasons = self._put_with_key(entry, key, now, limit)
            if reasons is None:
                return None
            if reasons and reasons[0] == "ConditionalCheckFailed":
                raise ConditionFailed(f"item {entry.item_id} exists")
            if len(reasons) > 2 and reasons[2] == "ConditionalCheckFailed" and reasons[1] != "ConditionalCheckFailed":
                raise QueueFull(f"the queue holds its limit of {limit} items; retry later")
            existing = self._key_owner(entry.hook_id, key, now)
            if existing is not None:
                return existing
        raise Transient("idempotency key is being written by another request; retry")

    @translated
    def _put_with_key(self, entry: LogEntry, key: str, now: float, limit: int | None) -> list[str] | None:
        """None when the entry, its key record (and its queue count) were written, else the
        per-record cancellation reasons."""
        record = {**self._key_record(entry.hook_id, key), "item_id": {"S": entry.item_id},
                  "expires_at": _n(entry.expires_at), "idempotency_key": {"S": key[:256]}}
        items: list[dict[str, Any]] = [
            {"Put": {"TableName": self._table, "Item": to_record(entry),
                     "ConditionExpression": "attribute_not_exists(pk)"}},
            {"Put": {"TableName": self._table, "Item": record,
                     # an expired record (TTL deletes late) no longer counts (C54)
                     "ConditionExpression": "attribute_not_exists(pk) OR expires_at <= :now",
                     "ExpressionAttributeValues": {":now": _n(now)}}}]
        if entry.pending:
            items.append(counter_update(self._table, entry.hook_id, 1,
                                        int(status_class(entry.status) == "parked"),
                                        limit=limit, last_item_at=entry.received_at))
        try:
            self._db.transact_write_items(TransactItems=items)
        except ClientError as error:
            if error_code(error) != "TransactionCanceledException":
                raise
            return [str(r.get("Code") or "None") for r in error.response.get("CancellationReasons", [])]
        return None

    @translated
    def _key_owner(self, hook_id: str, key: str, now: float) -> str | None:
        item = self._db.get_item(TableName=self._table, Key=self._key_record(hook_id, key),
                                 ConsistentRead=True).get("Item")
        if item is None or float(item["expires_at"]["N"]) <= now:
            return None
        return str(item["item_id"]["S"])

    @translated
    def _get(self, hook_id: str, item_id: str) -> dict[str, Any] | None:
        item: dict[str, Any] | None = self._db.get_item(
            TableName=self._table, Key=self._key(hook_id, item_id), ConsistentRead=True).get("Item")
        return item

    def get(self, hook_id: str, item_id: str, now: float) -> LogEntry | None:
        record = self._get(hook_id, item_id)
        if record is None:
            return None
        entry = from_record(record)
        return entry if entry.expires_at > now else None

    @translated
    def list(self, hook_id: str, now: float, limit: int = 50, status: str | None = None) -> list[LogEntry]:
        values: dict[str, Any] = {":pk": {"S": f"ITEM#{hook_id}"}, ":now": _n(now)}
        condition = "expires_at > :now"
        names: dict[str, str] = {}
        if status:
            condition += " AND #s = :status"
            values[":status"] = {"S": status}
            names["#s"] = "status"
        params: dict[str, Any] = {
            "TableName": self._table, "KeyConditionExpression": "pk = :pk", "FilterExpression": condition,
            "ExpressionAttributeValues": values, "ScanIndexForward": False}
        if names:
            params["ExpressionAttributeNames"] = names
        entries: builtins.list[LogEntry] = []
        while len(entries) < limit:
            page = self._db.query(**params, Limit=max(limit, 25))
            entries.extend(from_record(r) for r in page["Items"])
            if "LastEvaluatedKey" not in page:
                break
            params["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        return entries[:limit]

    @translated
    def pending_in_lane(self, hook_id: str, lane: str, now: float, limit: int = 10) -> builtins.list[str]:
        page = self._db.query(
            TableName=self._table, IndexName=LANES_INDEX, KeyConditionExpression="pending_lane = :lane",
            ExpressionAttributeValues={":lane": {"S": _lane_key(hook_id, lane)}},
            ProjectionExpression="item_id", ScanIndexForward=True, Limit=limit)
        return [r["item_id"]["S"] for r in page["Items"]]

    def claim(self, hook_id: str, item_id: str, claim_id: str, now: float, until: float) -> ClaimResult:
        try:
            record = self._claim(hook_id, item_id, claim_id, now, until)
        except ConditionFailed:
            current = self._get(hook_id, item_id)
            entry = None if current is None else from_record(current)
            if entry is not None and entry.expires_at <= now:
                entry = None
            return ClaimResult(None, entry)
        return ClaimResult(from_record(record))

    @translated
    def _claim(self, hook_id: str, item_id: str, claim_id: str, now: float, until: float) -> dict[str, Any]:
        result = self._db.update_item(
            TableName=self._table, Key=self._key(hook_id, item_id),
            UpdateExpression="SET #s = :delivering, claim_id = :cid, claim_until = :until",
            ConditionExpression=("attribute_exists(pk) AND expires_at > :now AND (#s = :queued OR "
                                 "(#s = :retrying AND next_attempt_at <= :now) OR "
                                 "(#s = :delivering AND claim_until < :now))"),
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={
                ":delivering": {"S": DELIVERING}, ":queued": {"S": QUEUED}, ":retrying": {"S": RETRYING},
                ":cid": {"S": claim_id}, ":until": _n(until), ":now": _n(now)},
            ReturnValues="ALL_NEW")
        attributes: dict[str, Any] = result["Attributes"]
        return attributes

    def finish(self, entry: LogEntry, attempt: Attempt, status: str, next_attempt_at: float = 0.0) -> None:
        update = ("SET #s = :status, attempts = list_append(if_not_exists(attempts, :empty), :attempt), "
                  "next_attempt_at = :next, attempt_count = :count REMOVE claim_id, claim_until")
        if status not in PENDING_STATUSES:
            update += ", pending_hook, pending_lane"
        self._update_counted(entry.hook_id, {
            "TableName": self._table, "Key": self._key(entry.hook_id, entry.item_id),
            "UpdateExpression": update,
            "ConditionExpression": "#s = :delivering AND claim_id = :cid",
            "ExpressionAttributeNames": {"#s": "status"},
            "ExpressionAttributeValues": {
                ":status": {"S": status}, ":empty": {"L": []},
                ":attempt": {"L": [{"S": _dumps(attempt.to_dict())}]}, ":next": _n(next_attempt_at),
                ":count": _n(len(entry.attempts) + 1),
                ":delivering": {"S": DELIVERING}, ":cid": {"S": entry.claim_id}}},
            counter_deltas(DELIVERING, status))

    def _update_counted(self, hook_id: str, update: dict[str, Any], deltas: tuple[int, int]) -> None:
        """One item update, with the queue record's counts in the same transaction when they move."""
        if deltas == (0, 0):
            self._update(update)
            return
        transact(self._db, [{"Update": update}, counter_update(self._table, hook_id, *deltas)])

    @translated
    def _update(self, update: dict[str, Any]) -> None:
        self._db.update_item(**update)

    def transition(self, hook_id: str, item_id: str, expected: tuple[str, ...], status: str,
                   reason: str = "", response_status: int | None = None) -> bool:
        return self.move(hook_id, item_id, expected, status, 0.0, reason=reason, response_status=response_status)

    def move(self, hook_id: str, item_id: str, expected: tuple[str, ...], status: str, now: float, *,
             reason: str = "", response_status: int | None = None, attempt_base: int | None = None,
             scenario_override: str | None = None, lane: str = "") -> bool:
        """See `ItemLog.move`. `lane` (the item's lane) is needed to put an item of a sequential
        hook back into its lane's index when it moves into flight."""
        classes = {status_class(s) for s in expected}
        assert len(classes) == 1, "expected statuses must share a class"
        values: dict[str, Any] = {":status": {"S": status}}
        allowed = []
        for index, name in enumerate(expected):
            values[f":e{index}"] = {"S": name}
            allowed.append(f":e{index}")
        sets = ["#s = :status"]
        removes: builtins.list[str] = []
        if reason:
            sets.append("reason = :reason")
            values[":reason"] = {"S": reason}
        if response_status is not None:
            sets.append("response_status = :rs")
            values[":rs"] = _n(response_status)
        if status == QUEUED:
            sets += ["queued_at = :now", "sweeps = :zero"]
            values[":now"], values[":zero"] = _n(now), _n(0)
        if attempt_base is not None:
            sets.append("attempt_base = :base")
            values[":base"] = _n(attempt_base)
        if scenario_override:
            sets.append("scenario_override = :override")
            values[":override"] = {"S": scenario_override}
        elif scenario_override is not None:
            removes.append("scenario_override")
        if status in PENDING_STATUSES:
            sets.append("pending_hook = :hook")
            values[":hook"] = {"S": hook_id}
        else:
            removes.append("pending_hook")
        if status in IN_FLIGHT_STATUSES and lane:
            sets.append("pending_lane = :lane")
            values[":lane"] = {"S": _lane_key(hook_id, lane)}
        elif status not in IN_FLIGHT_STATUSES:
            removes.append("pending_lane")
        update = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
        try:
            self._update_counted(hook_id, {
                "TableName": self._table, "Key": self._key(hook_id, item_id), "UpdateExpression": update,
                "ConditionExpression": f"attribute_exists(pk) AND #s IN ({', '.join(allowed)})",
                "ExpressionAttributeNames": {"#s": "status"}, "ExpressionAttributeValues": values},
                counter_deltas(expected[0], status))
        except ConditionFailed:
            return False
        return True

    @translated
    def pending(self, hook_id: str, now: float, *, statuses: tuple[str, ...] | None = None,
                received_before: str | None = None, limit: int = 100,
                include_expired: bool = False) -> builtins.list[QueueRow]:
        values: dict[str, Any] = {":hook": {"S": hook_id}}
        key = "pending_hook = :hook"
        if received_before:
            key += " AND item_id < :before"
            values[":before"] = {"S": received_before}
        filters = []
        names: dict[str, str] = {}
        if statuses:
            names["#s"] = "status"
            for index, name in enumerate(statuses):
                values[f":s{index}"] = {"S": name}
            filters.append(f"#s IN ({', '.join(f':s{i}' for i in range(len(statuses)))})")
        if not include_expired:
            filters.append("expires_at > :now")
            values[":now"] = _n(now)
        params: dict[str, Any] = {"TableName": self._table, "IndexName": PENDING_INDEX,
                                  "KeyConditionExpression": key, "ExpressionAttributeValues": values,
                                  "ScanIndexForward": True}
        if filters:
            params["FilterExpression"] = " AND ".join(filters)
        if names:
            params["ExpressionAttributeNames"] = names
        rows: builtins.list[QueueRow] = []
        while len(rows) < limit:
            page = self._db.query(**params, Limit=min(max(limit * 2, 50), 1000))
            rows.extend(_row(r) for r in page["Items"])
            if "LastEvaluatedKey" not in page:
                break
            params["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        return rows[:limit]

    def touch(self, hook_id: str, item_id: str, status: str, now: float) -> bool:
        try:
            self._update({
                "TableName": self._table, "Key": self._key(hook_id, item_id),
                "UpdateExpression": "SET queued_at = :now ADD sweeps :one",
                "ConditionExpression": "#s = :status", "ExpressionAttributeNames": {"#s": "status"},
                "ExpressionAttributeValues": {":now": _n(now), ":one": _n(1), ":status": {"S": status}}})
        except ConditionFailed:
            return False
        return True

    @translated
    def counters(self) -> builtins.list[QueueCounter]:
        counters: builtins.list[QueueCounter] = []
        paginator = self._db.get_paginator("query")
        for page in paginator.paginate(TableName=self._table, KeyConditionExpression="pk = :pk",
                                       ExpressionAttributeValues={":pk": {"S": QUEUE_PK}}, ConsistentRead=True):
            counters.extend(counter_from_record(r) for r in page["Items"])
        return counters

    @translated
    def counter(self, hook_id: str) -> QueueCounter:
        record = self._db.get_item(TableName=self._table, Key=counter_key(hook_id), ConsistentRead=True).get("Item")
        return QueueCounter(hook_id) if record is None else counter_from_record(record)

    def claim_run(self, hook_id: str, run_time: float) -> bool:
        try:
            self._update({
                "TableName": self._table, "Key": counter_key(hook_id), "UpdateExpression": "SET last_run = :t",
                "ConditionExpression": "attribute_not_exists(last_run) OR last_run < :t",
                "ExpressionAttributeValues": {":t": _n(run_time)}})
        except ConditionFailed:
            return False
        return True

    @translated
    def drop_counter(self, hook_id: str) -> None:
        self._db.delete_item(TableName=self._table, Key=counter_key(hook_id))
