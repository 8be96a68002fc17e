"""boto3 clients made lazily with one shared configuration, and botocore errors mapped to Inlet's.

`AWS_ENDPOINT_URL` (read by boto3 itself) points every client at the local stand-in; the code
path is otherwise the one that runs in AWS.
"""
from __future__ import annotations

import functools
from typing import Any, Callable, TypeVar

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.errors import ConditionFailed, Transient

_CONFIG = Config(retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=3, read_timeout=10)
T = TypeVar("T")


def client(service: str, region: str) -> Any:
    return boto3.session.Session().client(service, region_name=region, config=_CONFIG)


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def translated(func: Callable[..., T]) -> Callable[..., T]:
    """Decorator: conditional-check failures become `ConditionFailed`, the rest `Transient`."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        try:
            return func(*args, **kwargs)
        except ClientError as error:
            code = error_code(error)
            if code in ("ConditionalCheckFailedException", "TransactionCanceledException"):
                raise ConditionFailed(code) from error
            raise Transient(f"AWS error {code}: {error}") from error
        except BotoCoreError as error:
            raise Transient(f"AWS unreachable: {error}") from error

    return wrapper
