"""Use case: a request reached `/hooks/{token}` — answer it, and accept or reject it as an item.

The raw bytes are read first and kept byte-exact. Then, in this order:

1. the hook (cached): unknown → 404, deleted or rotated away → 410;
2. the size limit → 413;
3. the guards (IP allowlist, API keys, Basic auth, signature), with the hook's secrets from
   a short-lived cache;
4. a built-in handshake (Slack, Meta, Microsoft Graph, Zoom, SNS) is answered here, logged
   as `handshake` and never queued; `handshakes.py` says which may be answered when a
   guard failed;
5. a failed guard → 401/403, logged with its reason, nothing queued;
6. the body parsed (400 naming the problem) and the item options applied;
7. a strict data structure checked (400 naming the field and the rule);
8. the item stored and queued — once per idempotency key: a resent request gets the first
   item's id and status, and is logged as `duplicate`;
9. the answer: the hook's static response, or `{"id", "status"}`;
10. the data structure learned from the item (best effort, never fails the request).

Every refusal is an `Answer` with a JSON message naming the problem, and is logged against
the hook it reached. Secrets are never logged (see `item_extras`).
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from chalicelib.clock import Clock
from chalicelib.core.hooks import Hook
from chalicelib.core.items import DUPLICATE, HANDSHAKE
from chalicelib.core.ports import ItemLog, UrlFetcher
from chalicelib.errors import Invalid, Transient
from chalicelib.ids import new_item_id
from chalicelib.intake.accept_item import Arrival, Duplicate, ItemIntake, StoredFile
from chalicelib.intake.keep_structure import StructureKeeper
from chalicelib.observability import correlate, logger
from chalicelib.webhooks.content_encoding import UnsupportedEncoding, decoded_body
from chalicelib.webhooks.form_fields import structure_pairs
from chalicelib.webhooks.guards import check_guards
from chalicelib.webhooks.handshakes import HandshakeAnswer, answer_handshake
from chalicelib.webhooks.hook_options import OptionsCache, WebhookOptions
from chalicelib.webhooks.item_extras import idempotency_key, logged_raw, with_extras
from chalicelib.webhooks.parse_body import BodyError, parse_body
from chalicelib.webhooks.request import HttpRequest

RETRY_AFTER_SECONDS = 5
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


@dataclass(frozen=True)
class Answer:
    """The HTTP answer: `body` as JSON, or `raw` bytes as they are (handshakes, static
    responses; their Content-Type is in `headers`)."""

    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None


def error_answer(status: int, code: str, message: str, headers: dict[str, str] | None = None,
                 **details: Any) -> Answer:
    return Answer(status, {"error": code, "message": message, **details}, headers or {})


class HookFinder(Protocol):
    def by_token(self, token: str) -> Hook | None: ...

    def is_retired_token(self, token: str) -> bool: ...


class SecretSource(Protocol):
    def for_hook(self, hook_id: str) -> Mapping[str, str]: ...


class WebhookReceiver:
    def __init__(self, hooks: HookFinder, intake: ItemIntake, clock: Clock, *, log: ItemLog,
                 secrets: SecretSource, structures: StructureKeeper, fetcher: UrlFetcher,
                 options: OptionsCache | None = None) -> None:
        self._hooks = hooks
        self._intake = intake
        self._clock = clock
        self._log = log
        self._secrets = secrets
        self._structures = structures
        self._fetcher = fetcher
        self._options = options or OptionsCache()

    def receive(self, token: str, request: HttpRequest) -> Answer:
        hook = self._hooks.by_token(token) if _TOKEN.match(token) else None
        if hook is None or hook.channel != "webhook":
            if _TOKEN.match(token) and self._hooks.is_retired_token(token):
                return error_answer(410, "hook_deleted", "this hook was deleted or its URL was rotated")
            return error_answer(404, "unknown_hook", "no webhook has this URL")
        try:
            options = self._options.for_hook(hook)
        except Invalid as error:  # stored before validation existed, or edited by hand
            logger.error("hook options do not parse", extra={"hook_id": hook.id, "error": error.message})
            return error_answer(503, "hook_misconfigured", "this hook's options are invalid; its owner must fix them",
                                {"Retry-After": "60"})
        now = self._clock()
        item_id = new_item_id(now)
        correlate(item_id)
        arrival = Arrival(item_id=item_id, received=now, body=request.body, raw=logged_raw(request, options))
        if len(request.body) > hook.max_body_bytes:
            return self._refuse(hook, arrival, error_answer(
                413, "body_too_large",
                f"body is {len(request.body)} bytes; this hook accepts at most {hook.max_body_bytes}"))

        secrets = self._secrets.for_hook(hook.id) if options.secret_names else {}
        guards = check_guards(options.guards, request, secrets, now)
        handshake = answer_handshake(request, options.handshakes, secrets, guards=guards)
        if handshake is not None:
            return self._handshake(hook, arrival, handshake)
        if not guards.ok:
            status = guards.status or 401
            return self._refuse(hook, arrival, error_answer(
                status, "forbidden" if status == 403 else "unauthorized", guards.reason,
                dict(guards.headers), guard=guards.guard))

        query = structure_pairs(request.query)
        try:
            body = decoded_body(request.body, request.header("content-encoding"), hook.max_body_bytes)
            parsed = parse_body(body, request.content_type, query, options.body_options)
        except UnsupportedEncoding as error:
            return self._refuse(hook, arrival, error_answer(415, "unsupported_encoding", str(error)))
        except BodyError as error:
            return self._refuse(hook, arrival, error_answer(400, "invalid_body", str(error)))
        data = with_extras(parsed.data, request, options)
        arrival = replace(arrival, data=data, meta=parsed.meta(), files=tuple(
            StoredFile(f.content, f.content_type, f.filename, f.field) for f in parsed.files))

        problem = self._structures.problem(hook.id, data)
        if problem is not None:
            return self._refuse(hook, arrival, error_answer(
                400, "structure_mismatch", problem.message, field=problem.field, rule=problem.rule))

        key = idempotency_key(options, request, data)
        try:
            accepted = self._intake.accept(hook, arrival) if key is None else \
                self._intake.accept_once(hook, arrival, key)
        except Transient as error:
            logger.warning("ingest unavailable", extra={"hook_id": hook.id, "error": str(error)})
            return error_answer(503, "unavailable", "Inlet could not store this request; retry later",
                                {"Retry-After": str(RETRY_AFTER_SECONDS)})
        if isinstance(accepted, Duplicate):
            return self._duplicate(hook, arrival, accepted.item_id, options)
        logger.info("item accepted", extra={"hook_id": hook.id, "item_id": item_id,
                                            "format": parsed.format, "size": len(request.body)})
        answer = _accepted_answer(options, {"id": item_id, "status": accepted.status})
        self._structures.learn(hook.id, data)
        return answer

    def _refuse(self, hook: Hook, arrival: Arrival, answer: Answer) -> Answer:
        logger.info("request rejected", extra={"hook_id": hook.id, "item_id": arrival.item_id,
                                               "status": answer.status, "reason": answer.body["message"]})
        self._intake.reject(hook, arrival, answer.status, str(answer.body["message"]))
        return answer

    def _handshake(self, hook: Hook, arrival: Arrival, handshake: HandshakeAnswer) -> Answer:
        reason, status = handshake.kind, handshake.status
        answer = Answer(status, {}, dict(handshake.headers), raw=handshake.body)
        if handshake.confirm_url is not None:
            try:
                confirmed = self._fetcher.fetch(handshake.confirm_url)
            except Transient as error:
                confirmed, reason = 0, f"{reason}: SubscribeURL unreachable ({error})"
            if 200 <= confirmed < 300:
                reason = f"{reason}: confirmed"
            else:
                reason = reason if confirmed == 0 else f"{reason}: SubscribeURL answered {confirmed}"
                answer = error_answer(503, "sns_confirmation_failed", "could not confirm the subscription; "
                                      "SNS will resend it", {"Retry-After": str(RETRY_AFTER_SECONDS)})
                status = 503
        logger.info("handshake answered", extra={"hook_id": hook.id, "item_id": arrival.item_id,
                                                 "handshake": reason, "status": status})
        self._intake.record(hook, arrival, HANDSHAKE, reason, status)
        return answer

    def _duplicate(self, hook: Hook, arrival: Arrival, first_id: str, options: WebhookOptions) -> Answer:
        first = self._log.get(hook.id, first_id, self._clock())
        status = first.status if first is not None else "unknown"
        logger.info("duplicate request", extra={"hook_id": hook.id, "item_id": arrival.item_id,
                                                "duplicate_of": first_id})
        self._intake.record(hook, arrival, DUPLICATE, f"duplicate of {first_id}", 200)
        return _accepted_answer(options, {"id": first_id, "status": status, "duplicate": True})


def _accepted_answer(options: WebhookOptions, default: dict[str, Any]) -> Answer:
    if options.response is None:
        return Answer(200, default)
    body, headers = options.response.encoded()
    return Answer(options.response.status, {}, dict(headers), raw=body)
