"""A stand-in for API Gateway (REST, Lambda proxy): a real HTTP server that turns each request
into the proxy event API Gateway would send — multi-value headers and query, `*/*` binary
media types (bodies base64-encoded), the source IP from the socket — calls the app's handler,
and writes its response back. It enforces API Gateway's 10 MB and Lambda's 6 MB limits."""
from __future__ import annotations

import base64
import json
import re
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Iterable
from urllib.parse import parse_qsl, unquote, urlsplit

from inlet.local.lambda_context import LocalLambdaContext

API_GATEWAY_LIMIT = 10 * 1024 * 1024
LAMBDA_PAYLOAD_LIMIT = 6 * 1024 * 1024
Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


def route_matcher(templates: Iterable[str]) -> Callable[[str], tuple[str, dict[str, str]] | None]:
    compiled = []
    for template in templates:
        pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
        compiled.append((template, re.compile(f"^{pattern}$")))
    compiled.sort(key=lambda pair: pair[0].count("{"))  # literal routes win over parameters

    def match(path: str) -> tuple[str, dict[str, str]] | None:
        for template, regex in compiled:
            found = regex.match(path)
            if found:
                return template, {k: unquote(v) for k, v in found.groupdict().items()}
        return None

    return match


def proxy_event(method: str, raw_path: str, header_pairs: list[tuple[str, str]], body: bytes,
                source_ip: str, resource: str, path_params: dict[str, str]) -> dict[str, Any]:
    split = urlsplit(raw_path)
    path = unquote(split.path)
    multi_headers: dict[str, list[str]] = {}
    for name, value in header_pairs:
        multi_headers.setdefault(name, []).append(value)
    multi_query: dict[str, list[str]] = {}
    for name, value in parse_qsl(split.query, keep_blank_values=True):
        multi_query.setdefault(name, []).append(value)
    return {
        "resource": resource, "path": path, "httpMethod": method,
        "headers": {k: v[-1] for k, v in multi_headers.items()} or None,
        "multiValueHeaders": multi_headers or None,
        "queryStringParameters": {k: v[-1] for k, v in multi_query.items()} or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": path_params or None, "stageVariables": None,
        "requestContext": {
            "resourcePath": resource, "httpMethod": method, "path": path, "stage": "local",
            "requestId": str(uuid.uuid4()), "requestTimeEpoch": int(time.time() * 1000),
            "identity": {"sourceIp": source_ip, "userAgent": multi_headers.get("User-Agent", [""])[-1]},
        },
        "body": base64.b64encode(body).decode() if body else None,
        "isBase64Encoded": bool(body),
    }


class LocalApiGateway:
    def __init__(self, handler: Handler, routes: Iterable[str], host: str, port: int) -> None:
        self._handler = handler
        self._match = route_matcher(routes)
        gateway = self

        class RequestHandler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # quiet: the app logs
                pass

            def _serve(self) -> None:
                gateway.serve(self)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve

        class Server(ThreadingHTTPServer):
            request_queue_size = 128  # API Gateway never refuses a burst; the default backlog of 5 would

        self._server = Server((host, port), RequestHandler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="api-gateway", daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def serve(self, request: BaseHTTPRequestHandler) -> None:
        body, error = _read_body(request)
        if error is not None:
            _write(request, 413, {"Content-Type": "application/json"}, json.dumps({"message": error}).encode())
            request.close_connection = True
            return
        found = self._match(unquote(urlsplit(request.path).path))
        if found is None:
            _write(request, 403, {"Content-Type": "application/json"},
                   b'{"message":"Missing Authentication Token"}')
            return
        resource, params = found
        event = proxy_event(request.command, request.path, list(request.headers.items()), body,
                            request.client_address[0], resource, params)
        if len(json.dumps(event)) > LAMBDA_PAYLOAD_LIMIT:
            _write(request, 413, {"Content-Type": "application/json"}, b'{"message":"Request Too Long"}')
            return
        try:
            response = self._handler(event, LocalLambdaContext("api_handler", timeout_seconds=29))
        except Exception:  # what API Gateway answers when the function itself crashes
            _write(request, 502, {"Content-Type": "application/json"}, b'{"message": "Internal server error"}')
            return
        payload = response.get("body") or ""
        data = base64.b64decode(payload) if response.get("isBase64Encoded") else payload.encode("utf-8")
        headers = dict(response.get("headers") or {})
        for name, values in (response.get("multiValueHeaders") or {}).items():
            headers[name] = ", ".join(values)
        _write(request, int(response.get("statusCode", 200)), headers,
               b"" if request.command == "HEAD" else data)


def _read_body(request: BaseHTTPRequestHandler) -> tuple[bytes, str | None]:
    if "chunked" in (request.headers.get("Transfer-Encoding") or "").lower():
        chunks = []
        total = 0
        while True:
            size = int(request.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                request.rfile.readline()
                break
            total += size
            if total > API_GATEWAY_LIMIT:
                return b"", f"HTTP content length exceeded {API_GATEWAY_LIMIT} bytes."
            chunks.append(request.rfile.read(size))
            request.rfile.readline()
        return b"".join(chunks), None
    length = int(request.headers.get("Content-Length") or 0)
    if length > API_GATEWAY_LIMIT:
        return b"", f"HTTP content length exceeded {API_GATEWAY_LIMIT} bytes."
    return (request.rfile.read(length) if length else b""), None


def _write(request: BaseHTTPRequestHandler, status: int, headers: dict[str, str], body: bytes) -> None:
    request.send_response(status)
    for name, value in headers.items():
        if name.lower() not in ("content-length", "connection"):
            request.send_header(name, value)
    request.send_header("Content-Length", str(len(body)))
    request.end_headers()
    if body:
        request.wfile.write(body)
