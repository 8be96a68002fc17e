"""One contract for every StructureStore: the in-memory twin and DynamoDB (moto)."""
from __future__ import annotations

from typing import Any, Iterator

import pytest

from chalicelib.core.structures import Structure
from chalicelib.errors import ConditionFailed
from chalicelib.twins import InMemoryStructureStore

SCHEMA = {"type": "object", "properties": {"a.b": {"type": "integer"}, "": {"type": "string"},
                                           "$ref": {"type": "string"}}, "required": ["a.b"]}


@pytest.fixture(params=["twin", "dynamodb"])
def store(request: Any) -> Iterator[Any]:
    if request.param == "twin":
        yield InMemoryStructureStore()
        return
    outputs = request.getfixturevalue("moto_aws")
    import boto3
    from chalicelib.adapters.dynamo_structures import DynamoStructureStore
    yield DynamoStructureStore(boto3.client("dynamodb", region_name="us-east-1"), outputs["TableName"])


def test_a_structure_round_trips_with_its_version(store: Any) -> None:
    # Given
    structure = Structure("hk_1", SCHEMA, strict=True, updated_at="2027-01-15T08:00:00.000Z")
    # When
    saved = store.save(structure, 0)
    # Then
    assert saved.version == 1
    assert store.get("hk_1") == saved
    assert store.get("hk_2") is None


def test_a_write_against_a_stale_version_loses(store: Any) -> None:
    first = store.save(Structure("hk_1", SCHEMA), 0)
    second = store.save(Structure("hk_1", {"type": "object"}, redetermine=True), first.version)
    with pytest.raises(ConditionFailed):
        store.save(Structure("hk_1", {"type": "array"}), first.version)
    with pytest.raises(ConditionFailed):
        store.save(Structure("hk_1", {"type": "array"}), 0)
    assert store.get("hk_1") == second and second.version == 2 and second.redetermine


def test_a_structure_is_deleted(store: Any) -> None:
    store.save(Structure("hk_1", SCHEMA), 0)
    store.delete("hk_1")
    store.delete("hk_1")
    assert store.get("hk_1") is None
    assert store.save(Structure("hk_1", None), 0).version == 1
