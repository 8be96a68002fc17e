"""Built-in handshakes: platform verification requests that Inlet answers itself.

This module owns recognising a handshake and building its answer; it does no I/O. A
handshake is answered synchronously, is logged as a handshake (`HandshakeAnswer.kind`) and
never becomes an item.

Order, in the caller (the webhook ingest):

1. `check_guards(...)` runs first, on every request.
2. `answer_handshake(request, options, secrets, guards=that_result)`. When it returns an
   answer, send it and stop.
3. Otherwise a failed guard rejects (401/403), and a passed one goes on to parsing.

Which handshakes need which guards:

- Slack `url_verification`, Zoom `endpoint.url_validation` and SNS `SubscriptionConfirmation`
  arrive signed (or authenticated) the same way as the platform's events, so they are
  answered only when every guard passed: a hook with the Slack preset answers the challenge
  only to a correctly signed request.
- Meta's `hub.challenge` GET and Microsoft Graph's `validationToken` POST carry no signature,
  API key or Basic auth by design, so they are answered even when those guards failed; Meta
  proves itself with the hook's verify token instead. The IP allowlist still applies to them:
  a request from outside it gets no answer here.

SNS: the answer carries `confirm_url` (the SubscribeURL) only when the hook allows
confirming, the URL passes `is_sns_host` and its region matches the TopicArn. Fetching it is
the caller's job, after the caller has checked the SNS message signature (whose
`SigningCertURL` must pass `is_sns_host` too).
"""
from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from chalicelib.webhooks import strict_json
from chalicelib.webhooks.guards import GuardResult
from chalicelib.webhooks.request import HttpRequest

_TEXT_HEADERS = (
    ("Content-Type", "text/plain; charset=utf-8"),
    ("X-Content-Type-Options", "nosniff"),
    ("Cache-Control", "no-store"),
)
_JSON_HEADERS = (
    ("Content-Type", "application/json"),
    ("Cache-Control", "no-store"),
)
_MAX_HANDSHAKE_BODY = 64 * 1024
"""Handshake bodies are a few hundred bytes; a larger body is never parsed here."""

_SNS_HOST = re.compile(r"sns\.(?P<region>[a-z]{2}(?:-[a-z]+)+-\d{1,2})\.amazonaws\.com(?P<cn>\.cn)?")
_URL_CHARS = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+")


@dataclass(frozen=True)
class HandshakeOptions:
    """Which handshakes a hook answers. Slack and Graph need nothing configured; Meta and
    Zoom need their token by secret name; SNS confirmation is opt-in (off: the confirmation
    request becomes an ordinary item, for a scenario or a person to confirm), optionally
    limited to some topic ARNs."""

    slack: bool = True
    microsoft_graph: bool = True
    meta_verify_token_secret_name: str | None = None
    zoom_secret_name: str | None = None
    sns_confirm: bool = False
    sns_topic_arns: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in ("slack", "microsoft_graph", "sns_confirm"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"{name}: must be true or false")
        for name in ("meta_verify_token_secret_name", "zoom_secret_name"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, str) or not value):
                raise ValueError(f"{name}: must be a non-empty string or null")
        if isinstance(self.sns_topic_arns, str) or not isinstance(self.sns_topic_arns, tuple):
            raise ValueError("sns_topic_arns: must be a list of topic ARNs")
        for index, arn in enumerate(self.sns_topic_arns):
            if not isinstance(arn, str) or not arn.startswith("arn:"):
                raise ValueError(f"sns_topic_arns[{index}]: must be a topic ARN")

    def to_dict(self) -> dict[str, Any]:
        """The stored form (secret names only)."""
        return {
            "slack": self.slack,
            "microsoft_graph": self.microsoft_graph,
            "meta_verify_token_secret_name": self.meta_verify_token_secret_name,
            "zoom_secret_name": self.zoom_secret_name,
            "sns_confirm": self.sns_confirm,
            "sns_topic_arns": list(self.sns_topic_arns),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> HandshakeOptions:
        """Raises `ValueError` naming the bad field."""
        if not isinstance(data, Mapping):
            raise ValueError("handshakes: must be an object")
        known = set(cls().to_dict())
        unknown = sorted(str(key) for key in data if key not in known)
        if unknown:
            raise ValueError(f"{unknown[0]}: unknown field (known: {', '.join(sorted(known))})")
        fields = dict(data)
        arns = fields.get("sns_topic_arns", [])
        if not isinstance(arns, list):
            raise ValueError("sns_topic_arns: must be a list of topic ARNs")
        fields["sns_topic_arns"] = tuple(arns)
        return cls(**fields)


@dataclass(frozen=True)
class HandshakeAnswer:
    """The response to send as it is. `kind` labels it in the log; `confirm_url`, set only
    for an SNS subscription Inlet may confirm, is the URL the caller should GET."""

    kind: str
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    confirm_url: str | None = None


def answer_handshake(
    request: HttpRequest,
    options: HandshakeOptions,
    secrets: Mapping[str, str],
    *,
    guards: GuardResult,
) -> HandshakeAnswer | None:
    """The answer to a handshake, or None when `request` is no handshake this hook answers
    (then the caller goes on as for any request, `guards` included). See the module
    docstring for the order and for which handshakes need which guards."""
    if not guards.ok and guards.guard == "ip_allowlist":
        return None
    query = dict(request.query)  # last value per name, as API Gateway's single-value view
    method = request.method.upper()
    if method == "GET" and query.get("hub.mode") == "subscribe" and "hub.challenge" in query:
        return _meta(query, options, secrets)
    if method == "POST" and options.microsoft_graph and "validationToken" in query:
        return _text("graph_validation", 200, query["validationToken"])
    if not guards.ok:
        return None
    message_type = request.header("x-amz-sns-message-type")
    if message_type is not None and message_type.strip() == "SubscriptionConfirmation" and options.sns_confirm:
        return _sns(request.body, options)
    if method != "POST" or len(request.body) > _MAX_HANDSHAKE_BODY:
        return None
    if options.slack and b"url_verification" in request.body:
        return _slack(request.body)
    if options.zoom_secret_name is not None and b"endpoint.url_validation" in request.body:
        return _zoom(request.body, secrets.get(options.zoom_secret_name))
    return None


def is_sns_host(url: str) -> bool:
    """Whether `url` is an https URL on an SNS endpoint, `sns.<region>.amazonaws.com` (or
    `.amazonaws.com.cn` in the China regions) on the default port, with no user info and
    nothing a URL parser could read two ways. Lookalikes such as
    `sns.us-east-1.amazonaws.com.evil.example` are rejected."""
    return _sns_region(url) is not None


# --- each handshake ------------------------------------------------------------------------


def _meta(query: Mapping[str, str], options: HandshakeOptions, secrets: Mapping[str, str]) -> HandshakeAnswer | None:
    if options.meta_verify_token_secret_name is None:
        return None
    expected = secrets.get(options.meta_verify_token_secret_name) or ""
    given = query.get("hub.verify_token", "")
    # An unset secret never matches, not even an empty token.
    if expected and hmac.compare_digest(_utf8(given), _utf8(expected)):
        return _text("meta_verification", 200, query["hub.challenge"])
    return _text("meta_verification_rejected", 403, "verify token mismatch")


def _slack(body: bytes) -> HandshakeAnswer | None:
    data = _json_object(body)
    if data is None or data.get("type") != "url_verification":
        return None
    challenge = data.get("challenge")
    if not isinstance(challenge, str):
        return None
    return _json("slack_url_verification", 200, {"challenge": challenge})


def _zoom(body: bytes, secret: str | None) -> HandshakeAnswer | None:
    data = _json_object(body)
    if data is None or data.get("event") != "endpoint.url_validation":
        return None
    payload = data.get("payload")
    token = payload.get("plainToken") if isinstance(payload, dict) else None
    if not isinstance(token, str):
        return _json("zoom_url_validation_rejected", 400, {"error": "payload.plainToken missing"})
    if not secret:
        return _json("zoom_url_validation_rejected", 403, {"error": "zoom secret not available"})
    encrypted = hmac.new(_utf8(secret), _utf8(token), hashlib.sha256).hexdigest()
    return _json("zoom_url_validation", 200, {"plainToken": token, "encryptedToken": encrypted})


def _sns(body: bytes, options: HandshakeOptions) -> HandshakeAnswer:
    data = _json_object(body) if len(body) <= _MAX_HANDSHAKE_BODY else None
    if data is None or data.get("Type") != "SubscriptionConfirmation":
        return _sns_rejected(400, "body is not an SNS SubscriptionConfirmation")
    url = data.get("SubscribeURL")
    topic = data.get("TopicArn")
    if not isinstance(url, str) or not isinstance(topic, str):
        return _sns_rejected(400, "SubscribeURL or TopicArn missing")
    if options.sns_topic_arns and topic not in options.sns_topic_arns:
        return _sns_rejected(403, "topic is not allowed for this hook")
    region = _sns_region(url)
    if region is None:
        return _sns_rejected(403, "SubscribeURL is not an SNS endpoint")
    if topic.split(":")[3:4] != [region]:
        return _sns_rejected(403, "SubscribeURL region does not match TopicArn")
    answer = _json("sns_subscription_confirmation", 200, {"handshake": "sns_subscription_confirmation"})
    return HandshakeAnswer(answer.kind, answer.status, answer.headers, answer.body, confirm_url=url)


def _sns_rejected(status: int, reason: str) -> HandshakeAnswer:
    return _json("sns_subscription_rejected", status, {"error": reason})


# --- helpers -------------------------------------------------------------------------------


def _sns_region(url: str) -> str | None:
    if not url.isascii() or _URL_CHARS.fullmatch(url) is None:
        return None
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme != "https" or "@" in parts.netloc or port not in (None, 443):
        return None
    host = parts.netloc.rsplit(":", 1)[0] if port is not None else parts.netloc
    match = _SNS_HOST.fullmatch(host.lower())
    if match is None:
        return None
    region = match.group("region")
    if bool(match.group("cn")) != region.startswith("cn-"):
        return None
    return region


def _json_object(body: bytes) -> dict[str, Any] | None:
    try:
        data = strict_json.loads(body.decode("utf-8"))
    except (ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


def _text(kind: str, status: int, text: str) -> HandshakeAnswer:
    return HandshakeAnswer(kind, status, _TEXT_HEADERS, text.encode("utf-8", "replace"))


def _json(kind: str, status: int, payload: Mapping[str, str]) -> HandshakeAnswer:
    return HandshakeAnswer(kind, status, _JSON_HEADERS, json.dumps(payload).encode("utf-8"))


def _utf8(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")
