"""A webhook's options: the plain dict stored on the hook (`Hook.options`), checked and
turned into one frozen `WebhookOptions` the ingest reads.

The stored form (every key optional; unknown keys are refused, naming the field):

    {"guards": {...},                    # GuardConfig.to_dict(): ip_allowlist, api_keys, basic_auth, signature
     "handshakes": {...},                # HandshakeOptions.to_dict(): slack, microsoft_graph, meta…, zoom…, sns…
     "include_headers": false,           # item data gets "__headers__": {lowercased name: [values…]}
     "include_method": false,            # item data gets "__method__": "POST"
     "json_passthrough": false,          # a textual body is not parsed: "__body__": the body as text
     "parse_json_form_fields": false,    # a form field holding JSON becomes structured data
     "parse_xml": false,                 # an XML body becomes JSON (xmltodict), not "text"
     "response": {"status": 202, "headers": {"X-A": "b"}, "body": "ok"},   # static answer
     "idempotency": {"header": "X-GitHub-Delivery"} | {"pointer": "/id"}}

Secrets are named here, never held: their values live in the secret store. Parsing is
cached per hook (`OptionsCache`), so the hot path reads a ready object.
"""
from __future__ import annotations

import json
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from chalicelib.core.hooks import Hook
from chalicelib.errors import Invalid
from chalicelib.webhooks.guards import GuardConfig
from chalicelib.webhooks.handshakes import HandshakeOptions
from chalicelib.webhooks.parse_body import BodyOptions

HEADERS_KEY = "__headers__"
METHOD_KEY = "__method__"
REDACTED = "[redacted]"
ALWAYS_REDACTED_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "x-api-key"})
"""Headers that carry credentials: replaced by "[redacted]" in the log and in `__headers__`."""
REDACTED_QUERY = frozenset({"hub.verify_token"})
"""Query parameters that carry credentials (Meta's verify token), redacted in the log."""

_FLAGS = ("include_headers", "include_method", "json_passthrough", "parse_json_form_fields", "parse_xml")
KNOWN_OPTIONS = frozenset({"guards", "handshakes", "response", "idempotency", *_FLAGS})
_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}$")
_FORBIDDEN_RESPONSE_HEADERS = frozenset({"content-length", "transfer-encoding", "connection"})
_MAX_RESPONSE_BODY = 64 * 1024


@dataclass(frozen=True)
class StaticResponse:
    """What a hook answers to an accepted request instead of the default JSON: a 2xx status,
    headers, and a body that is text (sent as it is) or JSON."""

    status: int = 200
    headers: tuple[tuple[str, str], ...] = ()
    body: Any = ""

    def encoded(self) -> tuple[bytes, tuple[tuple[str, str], ...]]:
        """The body bytes and the headers, with a Content-Type unless one was given."""
        has_type = any(name.lower() == "content-type" for name, _ in self.headers)
        if isinstance(self.body, str):
            default = ("Content-Type", "text/plain; charset=utf-8")
            data = self.body.encode("utf-8")
        else:
            default = ("Content-Type", "application/json")
            data = json.dumps(self.body, ensure_ascii=False).encode("utf-8")
        return data, self.headers if has_type else (default, *self.headers)


@dataclass(frozen=True)
class Idempotency:
    """Where a request's idempotency key is: a header (last value) or a JSON Pointer into
    the item data."""

    header: str | None = None
    pointer: str | None = None


@dataclass(frozen=True)
class WebhookOptions:
    guards: GuardConfig = GuardConfig()
    handshakes: HandshakeOptions = HandshakeOptions()
    include_headers: bool = False
    include_method: bool = False
    json_passthrough: bool = False
    parse_json_form_fields: bool = False
    parse_xml: bool = False
    response: StaticResponse | None = None
    idempotency: Idempotency | None = None
    secret_names: tuple[str, ...] = field(default=(), init=False)
    redacted_headers: frozenset[str] = field(default=ALWAYS_REDACTED_HEADERS, init=False)
    body_options: BodyOptions = field(default=BodyOptions(), init=False)

    def __post_init__(self) -> None:
        names: list[str] = []
        redacted = set(ALWAYS_REDACTED_HEADERS)
        if self.guards.api_keys is not None:
            names += self.guards.api_keys.secret_names
            redacted.add(self.guards.api_keys.header.lower())
        if self.guards.basic_auth is not None:
            names.append(self.guards.basic_auth.password_secret_name)
        if self.guards.signature is not None:
            names += self.guards.signature.secret_names
        for name in (self.handshakes.meta_verify_token_secret_name, self.handshakes.zoom_secret_name):
            if name:
                names.append(name)
        object.__setattr__(self, "secret_names", tuple(dict.fromkeys(names)))
        object.__setattr__(self, "redacted_headers", frozenset(redacted))
        object.__setattr__(self, "body_options", BodyOptions(
            parse_json_form_fields=self.parse_json_form_fields, parse_xml=self.parse_xml,
            passthrough=self.json_passthrough))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> WebhookOptions:
        """Check the stored form; raise `Invalid` naming the first bad field (e.g.
        `options.guards.signature.preset: unknown preset 'foo' (…)`)."""
        if data is None:
            return cls()
        if not isinstance(data, Mapping):
            raise _invalid("", "must be an object")
        unknown = sorted(str(key) for key in data if key not in KNOWN_OPTIONS)
        if unknown:
            raise _invalid(unknown[0], f"unknown option (known: {', '.join(sorted(KNOWN_OPTIONS))})")
        flags: dict[str, bool] = {}
        for name in _FLAGS:
            value = data.get(name, False)
            if not isinstance(value, bool):
                raise _invalid(name, "must be true or false")
            flags[name] = value
        try:
            guards = GuardConfig.from_dict(_section(data, "guards"))
        except ValueError as error:
            raise _invalid_nested("guards", str(error)) from None
        try:
            handshakes = HandshakeOptions.from_dict(_section(data, "handshakes"))
        except ValueError as error:
            raise _invalid_nested("handshakes", str(error)) from None
        return cls(guards=guards, handshakes=handshakes, response=_response(data.get("response")),
                   idempotency=_idempotency(data.get("idempotency")), **flags)


def validate_options(options: Mapping[str, Any] | None) -> None:
    """Raise `Invalid` when a webhook's stored options do not parse."""
    WebhookOptions.from_dict(options)


class OptionsCache:
    """Parsed options per hook, reused while the hook's options dict is unchanged (by
    identity first, then by equality), so a warm Lambda parses each hook's options once."""

    def __init__(self) -> None:
        self._parsed: dict[str, tuple[dict[str, Any], WebhookOptions]] = {}
        self._lock = threading.Lock()

    def for_hook(self, hook: Hook) -> WebhookOptions:
        hit = self._parsed.get(hook.id)
        if hit is not None and (hit[0] is hook.options or hit[0] == hook.options):
            return hit[1]
        parsed = WebhookOptions.from_dict(hook.options)
        with self._lock:
            if len(self._parsed) > 1000:
                self._parsed.clear()
            self._parsed[hook.id] = (hook.options, parsed)
        return parsed


# --- parts -----------------------------------------------------------------------------------


def _invalid(name: str, problem: str) -> Invalid:
    where = f"options.{name}" if name else "options"
    return Invalid(f"{where}: {problem}", "invalid_options")


def _section(data: Mapping[str, Any], name: str) -> Any:
    value = data.get(name)
    return {} if value is None else value


def _invalid_nested(section: str, message: str) -> Invalid:
    """`GuardConfig`/`HandshakeOptions` say `field: problem`; prefix the section."""
    return Invalid(f"options.{section}.{message}" if not message.startswith(section) else f"options.{message}",
                   "invalid_options")


def _response(value: Any) -> StaticResponse | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise _invalid("response", "must be an object with status, headers and body")
    unknown = sorted(str(key) for key in value if key not in ("status", "headers", "body"))
    if unknown:
        raise _invalid(f"response.{unknown[0]}", "unknown field (known: body, headers, status)")
    status = value.get("status", 200)
    if isinstance(status, bool) or not isinstance(status, int) or not 200 <= status <= 299:
        raise _invalid("response.status", "must be an integer from 200 to 299")
    headers = value.get("headers") or {}
    if not isinstance(headers, Mapping):
        raise _invalid("response.headers", "must be an object of header names to string values")
    pairs: list[tuple[str, str]] = []
    for name, header_value in headers.items():
        if not isinstance(name, str) or not _HEADER_NAME.match(name):
            raise _invalid("response.headers", f"{str(name)[:64]!r} is not a header name")
        if name.lower() in _FORBIDDEN_RESPONSE_HEADERS:
            raise _invalid(f"response.headers.{name}", "is set by the server")
        if not isinstance(header_value, str) or any(c in header_value for c in "\r\n\0"):
            raise _invalid(f"response.headers.{name}", "must be a string on one line")
        pairs.append((name, header_value))
    body = value.get("body", "")
    try:
        size = len(body.encode("utf-8")) if isinstance(body, str) else len(json.dumps(body, allow_nan=False))
    except (TypeError, ValueError):
        raise _invalid("response.body", "must be a string or JSON") from None
    if size > _MAX_RESPONSE_BODY:
        raise _invalid("response.body", f"must be at most {_MAX_RESPONSE_BODY} bytes")
    return StaticResponse(status=status, headers=tuple(pairs), body=body)


def _idempotency(value: Any) -> Idempotency | None:
    if value is None:
        return None
    if not isinstance(value, Mapping) or len(value) != 1 or next(iter(value)) not in ("header", "pointer"):
        raise _invalid("idempotency", 'must be {"header": name} or {"pointer": "/json/pointer"}')
    if "header" in value:
        header = value["header"]
        if not isinstance(header, str) or not _HEADER_NAME.match(header):
            raise _invalid("idempotency.header", "must be a header name")
        return Idempotency(header=header)
    pointer = value["pointer"]
    if not isinstance(pointer, str) or not pointer.startswith("/"):
        raise _invalid("idempotency.pointer", "must be a JSON Pointer such as /id or /data/object/id")
    return Idempotency(pointer=pointer)
