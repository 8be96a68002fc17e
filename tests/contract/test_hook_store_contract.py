"""One contract for every HookStore: the in-memory twin and DynamoDB (moto) behave alike."""
from __future__ import annotations

from typing import Any, Iterator

import pytest

from chalicelib.core.hooks import Hook
from chalicelib.errors import Conflict
from chalicelib.twins import InMemoryHookStore


@pytest.fixture(params=["twin", "dynamodb"])
def store(request: Any) -> Iterator[Any]:
    if request.param == "twin":
        yield InMemoryHookStore()
        return
    moto_outputs = request.getfixturevalue("moto_aws")
    import boto3
    from chalicelib.adapters.dynamo_hooks import DynamoHookStore
    yield DynamoHookStore(boto3.client("dynamodb", region_name="us-east-1"), moto_outputs["TableName"])


def make_hook(name: str = "orders", token: str = "t" * 32, **changes: Any) -> Hook:
    return Hook(id=f"hk_{name}", name=name, token=token, scenario="demo", **changes)


def test_a_created_hook_is_found_by_id_name_and_token(store: Any) -> None:
    # Given
    hook = make_hook(options={"a.b": 1})
    # When
    store.create(hook)
    # Then
    assert store.get(hook.id) == hook
    assert store.by_name("orders") == hook
    assert store.by_token(hook.token) == hook
    assert store.list() == [hook]


def test_names_and_tokens_are_unique(store: Any) -> None:
    store.create(make_hook())
    with pytest.raises(Conflict):
        store.create(make_hook(name="orders", token="u" * 32).__class__(
            id="hk_other", name="orders", token="u" * 32, scenario="demo"))
    with pytest.raises(Conflict):
        store.create(Hook(id="hk_other", name="other", token="t" * 32, scenario="demo"))


def test_update_renames_and_rotates_leaving_the_old_token_retired(store: Any) -> None:
    # Given
    hook = make_hook()
    store.create(hook)
    # When
    new = Hook(**{**hook.to_dict(), "name": "invoices", "token": "n" * 32})
    store.update(hook, new)
    # Then
    assert store.by_name("invoices") == new
    assert store.by_name("orders") is None
    assert store.by_token("n" * 32) == new
    assert store.by_token(hook.token) is None
    assert store.is_retired_token(hook.token)


def test_a_deleted_hook_is_gone_and_its_token_retired(store: Any) -> None:
    hook = make_hook()
    store.create(hook)
    store.delete(hook)
    assert store.get(hook.id) is None
    assert store.by_token(hook.token) is None
    assert store.is_retired_token(hook.token)
    assert not store.is_retired_token("never-issued-token-xxxxxxxx")
    assert store.list() == []


def test_list_is_sorted_by_name(store: Any) -> None:
    for name, token in (("zeta", "z" * 32), ("alpha", "a" * 32)):
        store.create(make_hook(name=name, token=token))
    assert [h.name for h in store.list()] == ["alpha", "zeta"]
