"""Webhook requests end to end on the local stack (real HTTP through the API Gateway
stand-in, secrets in the SSM stand-in, the CLI): signed requests verified and tampered ones
refused, a Slack handshake answered, and every HTTP case with its expected answer and item."""
from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import time
from pathlib import Path
from typing import Any

import pytest

from http_cases import (HOOK_FIELDS, HOOK_SETUP, HTTP_CASES, case_body, case_query, contains, expected_data,
                        expected_status, load_case)

from .conftest import ScenarioServer, Stack
from .test_local_stack import post, unique

pytestmark = pytest.mark.e2e


def send(url: str, body: bytes, headers: list[tuple[str, str]], method: str = "POST") -> tuple[int, Any]:
    """Exactly these headers (urllib would add a form Content-Type to a body without one)."""
    rest = url.split("://", 1)[1]
    host, _, path = rest.partition("/")
    connection = http.client.HTTPConnection(host, timeout=60)
    try:
        connection.putrequest(method, "/" + path, skip_accept_encoding=True)
        for name, value in headers:
            connection.putheader(name, value)
        connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        response = connection.getresponse()
        raw = response.read()
    finally:
        connection.close()
    return response.status, json.loads(raw) if raw else None


def create(stack: Stack, name: str, scenario: str, options: dict[str, Any], secrets: dict[str, str],
           fields: dict[str, Any] | None = None) -> dict[str, Any]:
    args = ["hooks", "create", name, "--scenario", scenario, "--options-json", json.dumps(options)]
    for field, value in (fields or {}).items():
        args += ["--" + field.replace("_", "-"), str(value)]
    hook = stack.cli(*args)
    for secret, value in secrets.items():
        assert stack.cli("hooks", "secret", name, secret, "--value", value)["configured"] is True
    return hook


def test_a_github_style_request_is_verified_a_tampered_one_refused_and_slack_answered(
        stack: Stack, scenario: ScenarioServer) -> None:
    # Given a hook guarded by the GitHub preset, set up with the CLI as the README shows
    name = unique("gh")
    hook = stack.cli("hooks", "create", name, "--scenario", scenario.url, "--guard-json",
                     '{"signature": {"preset": "github", "secret_names": ["github"]}}',
                     "--idempotency-header", "X-GitHub-Delivery")
    stack.cli("hooks", "secret", name, "github", "--value", "It's a Secret to Everybody")
    body = json.dumps({"action": "opened", "issue": {"number": 1347}}).encode()
    signature = "sha256=" + hmac.new(b"It's a Secret to Everybody", body, hashlib.sha256).hexdigest()
    headers = {"Content-Type": "application/json", "X-Hub-Signature-256": signature,
               "X-GitHub-Delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958"}
    # When
    accepted = post(hook["url"], body, headers)
    resent = post(hook["url"], body, headers)
    tampered = post(hook["url"], body.replace(b"1347", b"1348"), headers)
    # Then
    assert accepted[0] == 200 and accepted[1]["status"] == "queued"
    assert resent[0] == 200 and resent[1]["id"] == accepted[1]["id"] and resent[1]["duplicate"] is True
    assert tampered == (401, {"error": "unauthorized", "message": "github: signature mismatch", "guard": "signature"})
    assert scenario.wait_for(1)[0]["data"] == json.loads(body)
    time.sleep(0.5)
    assert len(scenario.items) == 1
    shown = stack.cli("hooks", "show", name)
    assert shown["secrets"] == {"github": True} and "Secret to Everybody" not in json.dumps(shown)

    # And a Slack app's url_verification is answered on a Slack-guarded hook
    slack = unique("slack")
    slack_hook = stack.cli("hooks", "create", slack, "--scenario", scenario.url, "--guard-json",
                           '{"signature": {"preset": "slack", "secret_names": ["slack"]}}')
    stack.cli("hooks", "secret", slack, "slack", "--value", "8f742231b10e8888abcd99yyyzzz85a5")
    challenge = json.dumps({"token": "t", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
                            "type": "url_verification"}).encode()
    ts = str(int(time.time()))
    slack_signature = "v0=" + hmac.new(b"8f742231b10e8888abcd99yyyzzz85a5", f"v0:{ts}:".encode() + challenge,
                                       hashlib.sha256).hexdigest()
    answer = post(slack_hook["url"], challenge, {"Content-Type": "application/json",
                                                 "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": slack_signature})
    assert answer == (200, {"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"})
    logs = stack.cli("logs", slack)["entries"]
    assert [(e["status"], e["reason"]) for e in logs] == [("handshake", "slack_url_verification")]


@pytest.mark.parametrize("name", HTTP_CASES)
def test_every_http_case_over_real_http(stack: Stack, name: str) -> None:
    # Given
    case = load_case(name)
    options, secrets = HOOK_SETUP.get(name, ({}, {}))
    hook = create(stack, unique(name.lower()), "demo", options, secrets, HOOK_FIELDS.get(name))
    url = hook["url"] + case_query(case)
    # When
    status, answer = send(url, case_body(case), [tuple(h) for h in case["headers"]], case["method"])
    # Then
    assert status == expected_status(case), answer
    if status != 200:
        return
    if name == "C12":
        assert answer == case["expected"]["response_body"]
        return
    entry = stack.cli("logs", hook["name"], answer["id"])
    if name == "C10":
        assert contains(case["expected"]["parsed_subset"], entry["data"])
    elif expected_data(name, case) is not None:
        assert entry["data"] == expected_data(name, case)
    if name == "C15":  # byte-exact through the gateway's binary media types
        expected_file = case["expected"]["files"][0]
        assert entry["attachments"][0]["sha256"] == expected_file["sha256"]
    if name == "C16":
        assert entry["raw"]["sha256"] == case["expected"]["raw_sha256"]


def test_c25_three_requests_then_inlet_structure_shows_the_merged_schema(stack: Stack, tmp_path: Path) -> None:
    # Given
    name = unique("shop")
    hook = stack.cli("hooks", "create", name, "--scenario", "demo")
    # When
    for request in load_case("C25")["requests"]:
        assert post(hook["url"], request["body"].encode(), dict(request["headers"]))[0] == 200
    shown = stack.cli("structure", name)
    python = stack.cli("structure", name, "--python")["python"]
    # Then
    assert shown["drift"] == ["/id"] and shown["schema"]["properties"]["id"] == {"type": ["integer", "string"]}
    assert "gift: NotRequired[bool]" in python
    # And strict on refuses what does not fit; --set replaces it by hand
    stack.cli("structure", name, "--strict", "on")
    status, refused = post(hook["url"], b'{"id": [1], "discount": null, "items": []}',
                           {"Content-Type": "application/json"})
    assert status == 400 and refused["field"] == "/id" and refused["rule"] == "type"
    schema_file = tmp_path / "schema.json"
    schema_file.write_text(json.dumps({"type": "object", "required": ["sku"]}))
    assert stack.cli("structure", name, "--set", str(schema_file))["schema"] == {"type": "object", "required": ["sku"]}
    assert post(hook["url"], b'{"id": 1}', {"Content-Type": "application/json"})[1]["field"] == "/sku"
    assert stack.cli("structure", name, "--redetermine")["redetermine"] is True
