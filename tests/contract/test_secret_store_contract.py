"""One contract for every SecretStore: the in-memory twin and SSM Parameter Store (moto)."""
from __future__ import annotations

from typing import Any, Iterator

import pytest

from chalicelib.twins import InMemorySecretStore


@pytest.fixture(params=["twin", "ssm"])
def store(request: Any) -> Iterator[Any]:
    if request.param == "twin":
        yield InMemorySecretStore()
        return
    request.getfixturevalue("moto_aws")
    import boto3
    from chalicelib.adapters.ssm_secrets import SsmSecretStore
    yield SsmSecretStore(boto3.client("ssm", region_name="us-east-1"), "/inlet-test")


def test_secrets_are_read_back_together_per_hook(store: Any) -> None:
    # Given
    store.put("hk_1", "github", "gh-secret")
    store.put("hk_1", "old.key-2", "x" * 4096)
    store.put("hk_2", "github", "other")
    # When
    values = store.get_all("hk_1")
    # Then
    assert values == {"github": "gh-secret", "old.key-2": "x" * 4096}
    assert store.names("hk_1") == ["github", "old.key-2"]
    assert store.get_all("hk_3") == {} and store.names("hk_3") == []


def test_a_secret_is_replaced_and_deleted(store: Any) -> None:
    store.put("hk_1", "k", "v1")
    store.put("hk_1", "k", "v2 with spaces, ünïcode")
    assert store.get_all("hk_1") == {"k": "v2 with spaces, ünïcode"}
    assert store.delete("hk_1", "k") is True
    assert store.delete("hk_1", "k") is False
    assert store.get_all("hk_1") == {}


def test_many_secrets_are_all_read(store: Any) -> None:
    for number in range(23):  # more than one page of GetParametersByPath
        store.put("hk_1", f"key{number}", f"value{number}")
    assert len(store.get_all("hk_1")) == 23
