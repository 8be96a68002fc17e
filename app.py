"""Inlet's Lambda functions. A switchboard: translate the Chalice event, call one use case,
map the result or error. Only this module knows Chalice.

- api_handler (API Gateway): `/hooks/{token}` webhooks and the `/api/...` management API.
- deliver_parallel (SQS standard queue) and deliver_sequential (SQS FIFO queue): run scenarios.
- receive_mail (SES receipt rule, Lambda action after the S3 action): mailhooks.
- tick (EventBridge, every minute): interval runs, releases and the sweeper (chalicelib.queueing).
"""
from __future__ import annotations

import json
import os
from typing import Any

from chalice import Chalice, IAMAuthorizer, Rate, Response
from chalice.app import CaseInsensitiveMapping, CloudWatchEvent, SQSEvent

from chalicelib.composition import get_services
from chalicelib.delivery import sqs_batch
from chalicelib.errors import Conflict, Invalid, Rejected, Transient
from chalicelib.observability import correlate, flush_metrics, logger
from chalicelib.webhooks.receive_webhook import Answer, error_answer
from chalicelib.webhooks.request import HttpRequest

app = Chalice(app_name="inlet")
# Every body reaches the function base64-encoded, so signatures see the exact bytes and
# non-UTF-8 text, forms and files survive API Gateway (C15, C16).
app.api.binary_types.append("*/*")

PARALLEL_QUEUE = os.environ.get("INLET_PARALLEL_QUEUE", "inlet-deliveries")
SEQUENTIAL_QUEUE = os.environ.get("INLET_SEQUENTIAL_QUEUE", "inlet-deliveries.fifo")
HOOK_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
JSON_HEADERS: dict[str, str | list[str]] = {"Content-Type": "application/json"}
# The management API is IAM-signed in AWS (SigV4; the `inlet` CLI signs). API Gateway enforces it;
# Chalice's test client and the local stack's gateway do not.
IAM = IAMAuthorizer()


@app.middleware("http")
def accept_any_response(event: Any, get_response: Any) -> Any:
    """With `*/*` binary types Chalice refuses any response to a request without an Accept
    header; senders often omit it, so treat a missing Accept as `*/*`. Chalice's own refusals
    (405 for a method a route lacks) are given Inlet's error shape."""
    correlate(None)
    if event.headers.get("accept") is None:
        event.headers = CaseInsensitiveMapping({**dict(event.headers), "accept": "*/*"})
    try:
        return _inlet_error_shape(get_response(event))
    finally:
        flush_metrics()


def _inlet_error_shape(response: Response) -> Response:
    body = response.body
    if response.status_code >= 400 and isinstance(body, dict) and set(body) == {"Code", "Message"}:
        code = "method_not_allowed" if response.status_code == 405 else str(body["Code"])
        response.body = json.dumps({"error": code, "message": body["Message"]})
        response.headers = {**response.headers, "Content-Type": "application/json"}
    return response


def _respond(answer: Answer) -> Response:
    if answer.raw is not None:  # a handshake or a static answer: bytes and headers as they are
        return Response(body=answer.raw, status_code=answer.status, headers=dict(answer.headers))
    headers: dict[str, str | list[str]] = {**JSON_HEADERS, **answer.headers}
    return Response(body=json.dumps(answer.body, ensure_ascii=False), status_code=answer.status, headers=headers)


def _event() -> dict[str, Any]:
    request = app.current_request
    assert request is not None
    event: dict[str, Any] = request.to_original_event()
    return event


def _http_request(event: dict[str, Any], body: bytes) -> HttpRequest:
    multi_headers = event.get("multiValueHeaders") or {k: [v] for k, v in (event.get("headers") or {}).items()}
    headers = tuple((name, value) for name, values in multi_headers.items() for value in (values or []))
    multi_query = event.get("multiValueQueryStringParameters") or {
        k: [v] for k, v in (event.get("queryStringParameters") or {}).items()}
    query = tuple((name, value) for name, values in multi_query.items() for value in (values or []))
    context = event.get("requestContext") or {}
    # The URL a sender signed (Twilio): API Gateway gives the query only parsed (grouped by
    # name), so it is left off here and `signatures.signed_url` re-encodes it. `chalice local`
    # and the test client put the path only under requestContext.
    path = event.get("path") or context.get("path") or ""
    public_url = _base_url(event) + path
    return HttpRequest(method=event.get("httpMethod") or context.get("httpMethod", ""),
                       path=path, headers=headers, query=query, body=body,
                       source_ip=(context.get("identity") or {}).get("sourceIp", ""),
                       public_url=public_url, request_id=context.get("requestId", ""))


def _base_url(event: dict[str, Any]) -> str:
    configured = get_services().settings.public_url
    if configured:
        return configured
    context = event.get("requestContext") or {}
    headers = CaseInsensitiveMapping(event.get("headers") or {})
    host = headers.get("host") or context.get("domainName") or "localhost"
    proto = headers.get("x-forwarded-proto") or ("https" if context.get("domainName") else "http")
    # API Gateway's requestContext.path includes the stage ("/dev/hooks/x"); event path does not.
    context_path, path = context.get("path") or "", event.get("path") or ""
    stage_prefix = context_path[: len(context_path) - len(path)] if path and context_path.endswith(path) else ""
    return f"{proto}://{host}{stage_prefix}"


def _raw_body() -> bytes:
    request = app.current_request
    assert request is not None
    body = request.raw_body
    return body if isinstance(body, bytes) else body.encode("utf-8")


@app.route("/hooks/{token}", methods=HOOK_METHODS, content_types=["*/*"])
def receive_webhook(token: str) -> Response:
    try:
        event = _event()
        answer = get_services().webhook_receiver.receive(token, _http_request(event, _raw_body()))
    except Rejected as error:
        answer = error_answer(error.status, error.code, error.message, error.headers)
    except Transient as error:
        logger.warning("webhook ingest unavailable", extra={"error": str(error)})
        answer = error_answer(503, "unavailable", "Inlet is unavailable; retry later", {"Retry-After": "5"})
    return _respond(answer)


# ---- management API ---------------------------------------------------------------------


def _json_body() -> dict[str, Any]:
    raw = _raw_body()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError as error:
        raise Invalid(f"request body is not valid JSON: {error}", "invalid_json") from None
    if not isinstance(body, dict):
        raise Invalid("request body must be a JSON object", "invalid_json")
    return body


def _managed(action: Any, status: int = 200) -> Response:
    """Run a management action and map its errors, in this one place."""
    try:
        return Response(body=json.dumps(action(), ensure_ascii=False), status_code=status, headers=JSON_HEADERS)
    except Rejected as error:
        return _respond(error_answer(error.status, error.code, error.message, error.headers))
    except Transient as error:
        logger.warning("management API unavailable", extra={"error": str(error)})
        return _respond(error_answer(503, "unavailable", str(error), {"Retry-After": "5"}))


def _hook_view(hook: Any) -> dict[str, Any]:
    return get_services().hook_manager.view(hook, _base_url(_event()))


@app.route("/api/hooks", methods=["GET"], authorizer=IAM)
def list_hooks() -> Response:
    return _managed(lambda: {"hooks": get_services().queue_control.annotate(
        [_hook_view(h) for h in get_services().hook_manager.list()])})


@app.route("/api/hooks", methods=["POST"], content_types=["*/*"], authorizer=IAM)
def create_hook() -> Response:
    return _managed(lambda: _hook_view(get_services().hook_manager.create(_json_body())), 201)


@app.route("/api/hooks/{ref}", methods=["GET"], authorizer=IAM)
def show_hook(ref: str) -> Response:
    def action() -> dict[str, Any]:
        services = get_services()
        hook = services.hook_manager.find(ref)
        return {**_hook_view(hook), "secrets": services.secret_manager.status(hook)}
    return _managed(action)


@app.route("/api/hooks/{ref}", methods=["PATCH"], content_types=["*/*"], authorizer=IAM)
def update_hook(ref: str) -> Response:
    return _managed(lambda: _hook_view(get_services().hook_manager.update(ref, _json_body())))


@app.route("/api/hooks/{ref}", methods=["DELETE"], authorizer=IAM)
def delete_hook(ref: str) -> Response:
    def action() -> dict[str, Any]:
        services = get_services()
        hook = services.hook_manager.find(ref)
        waiting = services.item_log.counter(hook.id).count
        if waiting and _query("force") not in ("1", "true", "yes"):
            raise Conflict(f"hook {hook.name!r} has {waiting} undelivered item(s): deliver, purge or replay "
                           "them first, or delete with force=true (they are then lost)", "hook_not_empty")
        hook = services.hook_manager.delete(hook.id)
        services.secret_manager.forget_hook(hook)
        services.structure_manager.forget_hook(hook)
        return {"deleted": hook.id}
    return _managed(action)


@app.route("/api/hooks/{ref}/rotate", methods=["POST"], content_types=["*/*"], authorizer=IAM)
def rotate_hook_token(ref: str) -> Response:
    return _managed(lambda: _hook_view(get_services().hook_manager.rotate_token(ref)))


def _query(name: str) -> str | None:
    request = app.current_request
    assert request is not None
    params = request.query_params
    return None if params is None else params.get(name)


def _query_int(name: str, default: int) -> int:
    raw = _query(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise Invalid(f"query parameter {name!r} must be an integer", "invalid_query") from None


@app.route("/api/hooks/{ref}/logs", methods=["GET"], authorizer=IAM)
def list_logs(ref: str) -> Response:
    def action() -> dict[str, Any]:
        services = get_services()
        hook = services.hook_manager.find(ref)
        status = _query("status")
        return {"hook": hook.id, "entries": services.log_reader.list(hook, _query_int("limit", 50), status)}
    return _managed(action)


@app.route("/api/hooks/{ref}/logs/{item_id}", methods=["GET"], authorizer=IAM)
def show_log_entry(ref: str, item_id: str) -> Response:
    def action() -> dict[str, Any]:
        services = get_services()
        return services.log_reader.show(services.hook_manager.find(ref), item_id)
    return _managed(action)


# ---- mail -------------------------------------------------------------------------------


@app.lambda_function(name="receive_mail")
def receive_mail(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """SES invokes this asynchronously; raising (a transient failure) makes Lambda retry."""
    correlate(None)
    try:
        return get_services().mail_receiver.receive_event(event)  # type: ignore[no-any-return]
    finally:
        flush_metrics()


# ---- queue control (chalicelib.queueing) ------------------------------------------------


def _with_hook(ref: str, action: Any) -> Response:
    services = get_services()
    return _managed(lambda: action(services.queue_control, services.hook_manager.find(ref)))


def _state_view(result: dict[str, Any]) -> dict[str, Any]:
    return {**_hook_view(result.pop("hook")), **result}


@app.route("/api/hooks/{ref}/pause", methods=["POST"], content_types=["*/*"], authorizer=IAM)
def pause_hook(ref: str) -> Response:
    return _with_hook(ref, lambda control, hook: _state_view(control.pause(hook)))


@app.route("/api/hooks/{ref}/resume", methods=["POST"], content_types=["*/*"], authorizer=IAM)
def resume_hook(ref: str) -> Response:
    return _with_hook(ref, lambda control, hook: _state_view(control.resume(hook)))


@app.route("/api/hooks/{ref}/queue", methods=["GET"], authorizer=IAM)
def show_queue(ref: str) -> Response:
    return _with_hook(ref, lambda control, hook: control.view(hook, _query_int("limit", 50)))


@app.route("/api/hooks/{ref}/queue", methods=["DELETE"], authorizer=IAM)
def purge_queue(ref: str) -> Response:
    return _with_hook(ref, lambda control, hook: control.purge(hook))


@app.route("/api/hooks/{ref}/queue/{item_id}", methods=["DELETE"], authorizer=IAM)
def delete_queued_item(ref: str, item_id: str) -> Response:
    return _with_hook(ref, lambda control, hook: control.delete(hook, item_id))


@app.route("/api/hooks/{ref}/release", methods=["POST"], content_types=["*/*"], authorizer=IAM)
def release_queue(ref: str) -> Response:
    return _with_hook(ref, lambda control, hook: control.release(hook))


@app.route("/api/hooks/{ref}/replay", methods=["POST"], content_types=["*/*"], authorizer=IAM)
def replay_hook_items(ref: str) -> Response:
    from chalicelib.queueing.control import replay_request
    return _with_hook(ref, lambda control, hook: replay_request(control, hook, _json_body()))


@app.route("/api/replay", methods=["POST"], content_types=["*/*"], authorizer=IAM)
def replay_items() -> Response:
    from chalicelib.queueing.control import replay_request
    return _managed(lambda: replay_request(get_services().queue_control, None, _json_body()))


@app.route("/api/dlq", methods=["GET"], authorizer=IAM)
def dead_letter_depths() -> Response:
    return _managed(lambda: {"dead_letters": get_services().dead_letters.depths()})


@app.route("/api/dlq/redrive", methods=["POST"], content_types=["*/*"], authorizer=IAM)
def redrive_dead_letters() -> Response:
    return _managed(lambda: {"moved": get_services().dead_letters.redrive()})


@app.schedule(Rate(1, unit=Rate.MINUTES), name="tick")
def tick(event: CloudWatchEvent) -> dict[str, Any]:
    try:
        summary: dict[str, Any] = get_services().tick.run()
        return summary
    finally:
        flush_metrics()


@app.route("/api/hooks/{ref}/secrets", methods=["GET"], authorizer=IAM)
def list_secrets(ref: str) -> Response:
    def action() -> dict[str, Any]:
        services = get_services()
        hook = services.hook_manager.find(ref)
        return {"hook": hook.id, "secrets": services.secret_manager.status(hook)}
    return _managed(action)


@app.route("/api/hooks/{ref}/secrets/{name}", methods=["PUT"], content_types=["*/*"], authorizer=IAM)
def put_secret(ref: str, name: str) -> Response:
    def action() -> dict[str, Any]:
        services = get_services()
        return services.secret_manager.put(services.hook_manager.find(ref), name, _json_body())
    return _managed(action)


@app.route("/api/hooks/{ref}/secrets/{name}", methods=["DELETE"], authorizer=IAM)
def delete_secret(ref: str, name: str) -> Response:
    def action() -> dict[str, Any]:
        services = get_services()
        return services.secret_manager.delete(services.hook_manager.find(ref), name)
    return _managed(action)


@app.route("/api/hooks/{ref}/structure", methods=["GET"], authorizer=IAM)
def show_structure(ref: str) -> Response:
    def action() -> dict[str, Any]:
        services = get_services()
        request = app.current_request
        assert request is not None
        python = request.query_params is not None and request.query_params.get("format") == "python"
        return services.structure_manager.show(services.hook_manager.find(ref), python)
    return _managed(action)


@app.route("/api/hooks/{ref}/structure", methods=["PUT"], content_types=["*/*"], authorizer=IAM)
def set_structure(ref: str) -> Response:
    def action() -> dict[str, Any]:
        services = get_services()
        return services.structure_manager.set_schema(services.hook_manager.find(ref), _json_body())
    return _managed(action)


@app.route("/api/hooks/{ref}/structure/redetermine", methods=["POST"], content_types=["*/*"], authorizer=IAM)
def redetermine_structure(ref: str) -> Response:
    def action() -> dict[str, Any]:
        services = get_services()
        return services.structure_manager.redetermine(services.hook_manager.find(ref))
    return _managed(action)


@app.route("/api/hooks/{ref}/structure/strict", methods=["POST"], content_types=["*/*"], authorizer=IAM)
def set_structure_strict(ref: str) -> Response:
    def action() -> dict[str, Any]:
        services = get_services()
        return services.structure_manager.set_strict(services.hook_manager.find(ref), _json_body())
    return _managed(action)


# ---- delivery ---------------------------------------------------------------------------


def _deliver(event: SQSEvent, fifo: bool) -> dict[str, Any]:
    correlate(None)
    services = get_services()
    messages = sqs_batch.received_from_event(event.to_dict().get("Records", []))
    try:
        result = sqs_batch.decide(messages, lambda m: services.deliverer.handle(m, fifo), fifo)
        return sqs_batch.settle(result, services.queue, fifo, services.settings.report_batch_failures)
    finally:
        flush_metrics()


@app.on_sqs_message(queue=PARALLEL_QUEUE, batch_size=10)
def deliver_parallel(event: SQSEvent) -> dict[str, Any]:
    return _deliver(event, fifo=False)


@app.on_sqs_message(queue=SEQUENTIAL_QUEUE, batch_size=10)
def deliver_sequential(event: SQSEvent) -> dict[str, Any]:
    return _deliver(event, fifo=True)

