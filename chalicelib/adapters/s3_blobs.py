"""Blob store on S3: raw bodies, large parsed items, attachments and raw mail."""
from __future__ import annotations

from typing import Any

from chalicelib.adapters.aws import translated


class S3BlobStore:
    def __init__(self, s3: Any, bucket: str) -> None:
        self._s3 = s3
        self._bucket = bucket

    @translated
    def put(self, key: str, content: bytes, content_type: str = "application/octet-stream") -> None:
        self._s3.put_object(Bucket=self._bucket, Key=key, Body=content, ContentType=content_type)

    @translated
    def get(self, key: str) -> bytes:
        """The blob's bytes; KeyError if there is none (S3's NoSuchKey)."""
        try:
            body: bytes = self._s3.get_object(Bucket=self._bucket, Key=key)["Body"].read()
        except self._s3.exceptions.NoSuchKey:
            raise KeyError(f"no blob {key}") from None
        return body
