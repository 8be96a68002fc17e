"""The CLI signs management API requests with SigV4 when they go to AWS (IAM authorizer)."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterator

import pytest
from botocore.credentials import Credentials

from inlet.api_client import ApiClient, needs_sigv4, sigv4_headers, signing_region


def test_aws_endpoints_are_signed_and_local_ones_are_not(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("INLET_API_SIGV4", raising=False)
    assert needs_sigv4("https://abc123.execute-api.eu-west-1.amazonaws.com/prod/api/hooks")
    assert not needs_sigv4("http://127.0.0.1:8000/api/hooks")
    monkeypatch.setenv("INLET_API_SIGV4", "1")
    assert needs_sigv4("https://hooks.example.com/api/hooks")
    monkeypatch.setenv("INLET_API_SIGV4", "0")
    assert not needs_sigv4("https://abc123.execute-api.eu-west-1.amazonaws.com/prod/api/hooks")


def test_the_signature_names_execute_api_in_the_url_region() -> None:
    url = "https://abc123.execute-api.eu-west-1.amazonaws.com/prod/api/hooks?limit=2"
    headers = sigv4_headers("POST", url, {"Content-Type": "application/json"}, b"{}",
                            Credentials("AKIDEXAMPLE", "secret", "token"))

    assert signing_region(url) == "eu-west-1"
    assert headers["Authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
    assert "/eu-west-1/execute-api/aws4_request" in headers["Authorization"]
    assert headers["X-Amz-Security-Token"] == "token"
    assert headers["Content-Type"] == "application/json"


@pytest.fixture
def recording_server() -> Iterator[tuple[str, list[dict[str, str]]]]:
    seen: list[dict[str, str]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(dict(self.headers.items()))
            body = json.dumps({"hooks": []}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", seen
    server.shutdown()


def test_the_client_sends_the_signature_when_asked(recording_server: tuple[str, list[dict[str, str]]],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a custom domain in front of the API, and credentials in the environment
    url, seen = recording_server
    monkeypatch.setenv("INLET_API_SIGV4", "1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")

    # When
    assert ApiClient(url).call("GET", "/hooks") == {"hooks": []}

    # Then
    assert seen[0]["Authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
    assert "X-Amz-Date" in seen[0]


def test_the_local_stack_gets_no_signature(recording_server: tuple[str, list[dict[str, str]]],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    url, seen = recording_server
    monkeypatch.delenv("INLET_API_SIGV4", raising=False)
    ApiClient(url).call("GET", "/hooks")
    assert "Authorization" not in seen[0]
