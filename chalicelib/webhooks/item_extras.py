"""What a hook's item options add to a parsed request, and what of the request is logged.

Pure. Reserved keys in the item data (they win over a sender's keys of the same name):

- `__headers__`: {lowercased header name: [every value, in order]} (`include_headers`);
- `__method__`: the HTTP method (`include_method`);
- `__body__`: the raw body as text instead of parsed data (`json_passthrough`, see
  `parse_body`).

Credentials never reach the log or the item: Authorization, Proxy-Authorization, Cookie,
X-Api-Key and the hook's own API-key header are replaced by "[redacted]", and so is Meta's
`hub.verify_token` query parameter.

The idempotency key comes from a header (its last value) or a JSON Pointer into the item
data (a string or number as written; anything else as canonical JSON).
"""
from __future__ import annotations

import json
from typing import Any

from chalicelib.core.items import RawInput
from chalicelib.webhooks.hook_options import (HEADERS_KEY, METHOD_KEY, REDACTED, REDACTED_QUERY,
                                              WebhookOptions)
from chalicelib.webhooks.request import HttpRequest

MAX_KEY_LENGTH = 1024


def with_extras(data: dict[str, Any], request: HttpRequest, options: WebhookOptions) -> dict[str, Any]:
    """`data` plus the reserved keys the hook asked for (a new dict only when there are any)."""
    if not (options.include_headers or options.include_method):
        return data
    extended = dict(data)
    if options.include_headers:
        headers: dict[str, list[str]] = {}
        for name, value in request.headers:
            lower = name.lower()
            headers.setdefault(lower, []).append(REDACTED if lower in options.redacted_headers else value)
        extended[HEADERS_KEY] = headers
    if options.include_method:
        extended[METHOD_KEY] = request.method.upper()
    return extended


def logged_raw(request: HttpRequest, options: WebhookOptions) -> RawInput:
    """The request as logged: credentials in headers and query are replaced, never stored."""
    redacted = options.redacted_headers
    headers = tuple((name, REDACTED if name.lower() in redacted else value) for name, value in request.headers)
    query = tuple((name, REDACTED if name in REDACTED_QUERY else value) for name, value in request.query)
    return RawInput(content_type=request.content_type, size=len(request.body), sha256="",
                    method=request.method, headers=headers, query=query, source_ip=request.source_ip)


def idempotency_key(options: WebhookOptions, request: HttpRequest, data: Any) -> str | None:
    """The request's idempotency key, or None when the hook has none or the request lacks it."""
    where = options.idempotency
    if where is None:
        return None
    if where.header is not None:
        value = request.header(where.header)
        key = value.strip() if value is not None else ""
    else:
        assert where.pointer is not None
        found, target = resolve_pointer(data, where.pointer)
        if not found or target is None:
            return None
        if isinstance(target, str):
            key = target
        elif isinstance(target, (int, float)) and not isinstance(target, bool):
            key = json.dumps(target)
        else:
            key = json.dumps(target, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return key[:MAX_KEY_LENGTH] or None


def resolve_pointer(document: Any, pointer: str) -> tuple[bool, Any]:
    """(True, value) at an RFC 6901 pointer, or (False, None) when nothing is there."""
    if pointer == "":
        return True, document
    node = document
    for raw in pointer.split("/")[1:]:
        token = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict):
            if token not in node:
                return False, None
            node = node[token]
        elif isinstance(node, list):
            if not token.isdigit() or int(token) >= len(node) or (len(token) > 1 and token[0] == "0"):
                return False, None
            node = node[int(token)]
        else:
            return False, None
    return True, node
