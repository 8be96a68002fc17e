"""Structure store on DynamoDB: one record `STRUCT#<hook id>` / `-` holding the hook's data
structure as JSON (keys such as "a.b", "$ref" or "" survive) and a version number that every
write checks and increments."""
from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from chalicelib.adapters.aws import translated
from chalicelib.core.structures import Structure


class DynamoStructureStore:
    def __init__(self, dynamodb: Any, table: str) -> None:
        self._db = dynamodb
        self._table = table

    def _key(self, hook_id: str) -> dict[str, Any]:
        return {"pk": {"S": f"STRUCT#{hook_id}"}, "sk": {"S": "-"}}

    @translated
    def get(self, hook_id: str) -> Structure | None:
        item = self._db.get_item(TableName=self._table, Key=self._key(hook_id), ConsistentRead=True).get("Item")
        if item is None:
            return None
        return Structure.from_doc(hook_id, int(item["version"]["N"]), json.loads(item["doc"]["S"]))

    @translated
    def save(self, structure: Structure, expected_version: int) -> Structure:
        saved = replace(structure, version=expected_version + 1)
        doc = json.dumps(saved.to_doc(), ensure_ascii=False, separators=(",", ":"))
        if expected_version == 0:
            condition, values = "attribute_not_exists(pk)", {}
        else:
            condition, values = "version = :expected", {":expected": {"N": str(expected_version)}}
        params: dict[str, Any] = {
            "TableName": self._table,
            "Item": {**self._key(structure.hook_id), "doc": {"S": doc}, "version": {"N": str(saved.version)}},
            "ConditionExpression": condition}
        if values:
            params["ExpressionAttributeValues"] = values
        self._db.put_item(**params)
        return saved

    @translated
    def delete(self, hook_id: str) -> None:
        self._db.delete_item(TableName=self._table, Key=self._key(hook_id))
