"""One contract for every BlobStore: the in-memory twin and S3 (moto) behave alike."""
from __future__ import annotations

from typing import Any, Iterator

import pytest

from chalicelib.twins import InMemoryBlobStore


@pytest.fixture(params=["twin", "s3"])
def blobs(request: Any) -> Iterator[Any]:
    if request.param == "twin":
        yield InMemoryBlobStore()
        return
    outputs = request.getfixturevalue("moto_aws")
    import boto3
    from chalicelib.adapters.s3_blobs import S3BlobStore
    yield S3BlobStore(boto3.client("s3", region_name="us-east-1"), outputs["BucketName"])


def test_bytes_come_back_exactly(blobs: Any) -> None:
    content = bytes(range(256)) * 100
    blobs.put("logs/03d/hk_1/01A/raw", content, "application/octet-stream")
    assert blobs.get("logs/03d/hk_1/01A/raw") == content


def test_a_missing_blob_is_a_key_error(blobs: Any) -> None:
    with pytest.raises(KeyError):
        blobs.get("logs/03d/hk_1/nothing")


def test_put_overwrites(blobs: Any) -> None:
    blobs.put("k", b"one")
    blobs.put("k", b"two")
    assert blobs.get("k") == b"two"
