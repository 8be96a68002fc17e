"""Run a scenario for one item. The target's form decides its kind: an `http(s)://` URL gets a
signed POST (Standard Webhooks headers), anything else names a registered Python function."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import urllib.error
import urllib.request
from typing import Any

from chalicelib import scenarios


class ScenarioFailed(Exception):
    """The scenario did not take the item; the message says why (it is logged on the attempt)."""


def sign_standard_webhook(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` value for Standard Webhooks (v1, HMAC-SHA256, base64)."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def post_item(url: str, item: dict[str, Any], secret: str, timestamp: int, timeout: float) -> None:
    body = json.dumps(item, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "content-type": "application/json",
        "user-agent": "Inlet/1",
        "webhook-id": item["id"],
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign_standard_webhook(secret, item["id"], timestamp, body),
    })
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (user's URL)
            response.read(1024)
    except urllib.error.HTTPError as error:
        raise ScenarioFailed(f"{url} answered {error.code}") from None
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        raise ScenarioFailed(f"{url} unreachable: {reason}") from None


def run_scenario(target: str, item: dict[str, Any], secret: str, now: float, timeout: float) -> None:
    if target.startswith(("http://", "https://")):
        post_item(target, item, secret, int(now), timeout)
        return
    function = scenarios.find(target)
    if function is None:
        raise ScenarioFailed(f"no scenario is registered as {target!r}")
    try:
        function(item)
    except Exception as error:  # a scenario's own failure, whatever it is, is a failed attempt
        raise ScenarioFailed(f"{type(error).__name__}: {error}") from None
