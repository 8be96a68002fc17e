"""Use case: a request reached `/hooks/{token}` — answer it, and accept or reject it as an item.

The raw bytes are read first and kept byte-exact; then the hook is found (cached), the size
limit checked, the body parsed, and the item stored and queued. Every refusal is an `Answer`
with a JSON message naming the problem, and is logged against the hook it reached.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Protocol

from chalicelib.clock import Clock
from chalicelib.core.hooks import Hook
from chalicelib.core.items import RawInput
from chalicelib.errors import Transient
from chalicelib.ids import new_item_id
from chalicelib.intake.accept_item import Arrival, ItemIntake, StoredFile
from chalicelib.observability import correlate, logger
from chalicelib.webhooks.form_fields import structure_pairs
from chalicelib.webhooks.parse_body import BodyError, BodyOptions, parse_body
from chalicelib.webhooks.request import HttpRequest

RETRY_AFTER_SECONDS = 5
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


def error_answer(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Answer:
    return Answer(status, {"error": code, "message": message}, headers or {})


class HookFinder(Protocol):
    def by_token(self, token: str) -> Hook | None: ...

    def is_retired_token(self, token: str) -> bool: ...


class WebhookReceiver:
    def __init__(self, hooks: HookFinder, intake: ItemIntake, clock: Clock) -> None:
        self._hooks = hooks
        self._intake = intake
        self._clock = clock

    def receive(self, token: str, request: HttpRequest) -> Answer:
        hook = self._hooks.by_token(token) if _TOKEN.match(token) else None
        if hook is None or hook.channel != "webhook":
            if _TOKEN.match(token) and self._hooks.is_retired_token(token):
                return error_answer(410, "hook_deleted", "this hook was deleted or its URL was rotated")
            return error_answer(404, "unknown_hook", "no webhook has this URL")
        item_id = new_item_id(self._clock())
        correlate(item_id)
        arrival = Arrival(item_id=item_id, received=self._clock(), body=request.body, raw=_raw(request))
        if len(request.body) > hook.max_body_bytes:
            return self._refuse(hook, arrival, error_answer(
                413, "body_too_large",
                f"body is {len(request.body)} bytes; this hook accepts at most {hook.max_body_bytes}"))
        query = structure_pairs(request.query)
        try:
            parsed = parse_body(request.body, request.content_type, query, _body_options(hook))
        except BodyError as error:
            return self._refuse(hook, arrival, error_answer(400, "invalid_body", str(error)))
        files = tuple(StoredFile(f.content, f.content_type, f.filename, f.field) for f in parsed.files)
        arrival = Arrival(item_id=item_id, received=arrival.received, body=request.body, raw=arrival.raw,
                          data=parsed.data, meta=parsed.meta(), files=files)
        try:
            entry = self._intake.accept(hook, arrival)
        except Transient as error:
            logger.warning("ingest unavailable", extra={"hook_id": hook.id, "error": str(error)})
            return error_answer(503, "unavailable", "Inlet could not store this request; retry later",
                                {"Retry-After": str(RETRY_AFTER_SECONDS)})
        logger.info("item accepted", extra={"hook_id": hook.id, "item_id": item_id,
                                            "format": parsed.format, "size": len(request.body)})
        return Answer(200, {"id": item_id, "status": entry.status})

    def _refuse(self, hook: Hook, arrival: Arrival, answer: Answer) -> Answer:
        logger.info("request rejected", extra={"hook_id": hook.id, "item_id": arrival.item_id,
                                               "status": answer.status, "reason": answer.body["message"]})
        self._intake.reject(hook, arrival, answer.status, str(answer.body["message"]))
        return answer


def _body_options(hook: Hook) -> BodyOptions:
    return BodyOptions(parse_json_form_fields=bool(hook.options.get("parse_json_form_fields", False)))


REDACTED_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "x-api-key"})


def _raw(request: HttpRequest) -> RawInput:
    """The request as logged: credentials in headers are replaced, never stored."""
    headers = tuple((name, "[redacted]" if name.lower() in REDACTED_HEADERS else value)
                    for name, value in request.headers)
    return RawInput(content_type=request.content_type, size=len(request.body), sha256="",
                    method=request.method, headers=headers, query=request.query,
                    source_ip=request.source_ip)
