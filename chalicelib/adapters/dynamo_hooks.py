"""Hook store on DynamoDB.

Records: `HOOKS/<id>` holds the hook as JSON; `NAME#<name>` and `TOKEN#<token>` point to the id
and keep names and tokens unique (written in one transaction with the hook). A deleted or
rotated-away token stays as a retired pointer so the webhook answers 410, not 404.
"""
from __future__ import annotations

import json
from typing import Any

from chalicelib.adapters.aws import translated
from chalicelib.core.hooks import Hook
from chalicelib.errors import ConditionFailed, Conflict

_HOOKS = "HOOKS"
_SK = "-"


def _s(value: str) -> dict[str, str]:
    return {"S": value}


def _doc(hook: Hook) -> str:
    return json.dumps(hook.to_dict(), sort_keys=True, separators=(",", ":"))


class DynamoHookStore:
    def __init__(self, dynamodb: Any, table: str) -> None:
        self._db = dynamodb
        self._table = table

    def _hook_put(self, hook: Hook, condition: str, values: dict[str, Any] | None = None) -> dict[str, Any]:
        put: dict[str, Any] = {
            "TableName": self._table,
            "Item": {"pk": _s(_HOOKS), "sk": _s(hook.id), "doc": _s(_doc(hook))},
            "ConditionExpression": condition,
        }
        if values:
            put["ExpressionAttributeValues"] = values
        return {"Put": put}

    def _pointer_put(self, kind: str, value: str, hook_id: str) -> dict[str, Any]:
        return {"Put": {"TableName": self._table,
                        "Item": {"pk": _s(f"{kind}#{value}"), "sk": _s(_SK), "hook_id": _s(hook_id)},
                        "ConditionExpression": "attribute_not_exists(pk)"}}

    def _retire(self, token: str, hook_id: str) -> dict[str, Any]:
        return {"Put": {"TableName": self._table,
                        "Item": {"pk": _s(f"TOKEN#{token}"), "sk": _s(_SK), "hook_id": _s(hook_id),
                                 "retired": {"BOOL": True}}}}

    def _delete(self, pk: str, sk: str = _SK) -> dict[str, Any]:
        return {"Delete": {"TableName": self._table, "Key": {"pk": _s(pk), "sk": _s(sk)}}}

    def _transact(self, items: list[dict[str, Any]], conflict: str) -> None:
        try:
            self._write(items)
        except ConditionFailed:
            raise Conflict(conflict, "conflict") from None

    @translated
    def _write(self, items: list[dict[str, Any]]) -> None:
        self._db.transact_write_items(TransactItems=items)

    def create(self, hook: Hook) -> None:
        self._transact([
            self._hook_put(hook, "attribute_not_exists(pk)"),
            self._pointer_put("NAME", hook.name, hook.id),
            self._pointer_put("TOKEN", hook.token, hook.id),
        ], f"a hook named {hook.name!r} exists (or its token is taken)")

    @translated
    def _get_item(self, pk: str, sk: str) -> dict[str, Any] | None:
        item: dict[str, Any] | None = self._db.get_item(
            TableName=self._table, Key={"pk": _s(pk), "sk": _s(sk)}, ConsistentRead=True).get("Item")
        return item

    def get(self, hook_id: str) -> Hook | None:
        item = self._get_item(_HOOKS, hook_id)
        return None if item is None else Hook.from_dict(json.loads(item["doc"]["S"]))

    def _pointer(self, kind: str, value: str) -> dict[str, Any] | None:
        return self._get_item(f"{kind}#{value}", _SK)

    def by_name(self, name: str) -> Hook | None:
        pointer = self._pointer("NAME", name)
        return None if pointer is None else self.get(pointer["hook_id"]["S"])

    def by_token(self, token: str) -> Hook | None:
        pointer = self._pointer("TOKEN", token)
        if pointer is None or pointer.get("retired", {}).get("BOOL"):
            return None
        return self.get(pointer["hook_id"]["S"])

    def is_retired_token(self, token: str) -> bool:
        pointer = self._pointer("TOKEN", token)
        return bool(pointer and pointer.get("retired", {}).get("BOOL"))

    @translated
    def list(self) -> list[Hook]:
        hooks: list[Hook] = []
        paginator = self._db.get_paginator("query")
        for page in paginator.paginate(TableName=self._table, KeyConditionExpression="pk = :pk",
                                       ExpressionAttributeValues={":pk": _s(_HOOKS)}, ConsistentRead=True):
            hooks.extend(Hook.from_dict(json.loads(item["doc"]["S"])) for item in page["Items"])
        return sorted(hooks, key=lambda h: h.name)

    def update(self, old: Hook, new: Hook) -> None:
        items = [self._hook_put(new, "doc = :old", {":old": _s(_doc(old))})]
        if new.name != old.name:
            items += [self._delete(f"NAME#{old.name}"), self._pointer_put("NAME", new.name, new.id)]
        if new.token != old.token:
            items += [self._retire(old.token, old.id), self._pointer_put("TOKEN", new.token, new.id)]
        self._transact(items, f"hook {old.id} changed meanwhile, or the name {new.name!r} is taken")

    def delete(self, hook: Hook) -> None:
        self._write([self._delete(_HOOKS, hook.id), self._delete(f"NAME#{hook.name}"),
                     self._retire(hook.token, hook.id)])
