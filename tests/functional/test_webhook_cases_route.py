"""Every HTTP case from real-world reports through the real route (Chalice test client, moto,
real handlers), with the hook options each needs; signed cases verify with their test secret
and a tampered copy of each is refused."""
from __future__ import annotations

import json
from typing import Any

import pytest

from http_cases import (HOOK_FIELDS, HOOK_SETUP, HTTP_CASES, case_body, case_query, contains, expected_data,
                        expected_status, load_case)

from .conftest import Inlet, captured


def send_case(inlet: Inlet, name: str, options: dict[str, Any] | None = None, body: bytes | None = None) -> Any:
    case = load_case(name)
    default_options, secrets = HOOK_SETUP.get(name, ({}, {}))
    hook = inlet.create_hook(name.lower(), options=default_options if options is None else options,
                             **HOOK_FIELDS.get(name, {}))
    for secret, value in secrets.items():
        status, _ = inlet.api("PUT", f"/hooks/{hook['name']}/secrets/{secret}", {"value": value})
        assert status == 200
    response = inlet.post(hook, case_body(case) if body is None else body, dict(case["headers"]), case["method"],
                          case_query(case))
    return hook, response


@pytest.mark.parametrize("name", HTTP_CASES)
def test_every_http_case_gets_its_expected_answer_and_item(inlet: Inlet, name: str) -> None:
    # Given
    case = load_case(name)
    # When
    hook, response = send_case(inlet, name)
    # Then
    assert response.status_code == expected_status(case), response.body
    assert response.status_code < 500
    inlet.drain()
    if response.status_code != 200:
        assert json.loads(response.body)["error"] and captured == []
        return
    if name == "C12":  # a handshake: answered, logged as such, never queued
        assert json.loads(response.body) == case["expected"]["response_body"]
        assert captured == []
        status, logs = inlet.api("GET", f"/hooks/{hook['name']}/logs")
        assert [(e["status"], e["reason"]) for e in logs["entries"]] == [("handshake", "slack_url_verification")]
        return
    assert len(captured) == 1
    data = captured[0]["data"]
    if name == "C10":
        assert contains(case["expected"]["parsed_subset"], data)
    elif expected_data(name, case) is not None:
        assert data == expected_data(name, case)


@pytest.mark.parametrize("name", ["C09", "C10", "C12"])
def test_a_tampered_copy_of_a_signed_case_is_refused_and_queues_nothing(inlet: Inlet, name: str) -> None:
    # Given the case's body with one byte changed, under its original signature
    body = bytearray(case_body(load_case(name)))
    body[-2] = ord("X") if body[-2] != ord("X") else ord("Y")
    # When
    hook, response = send_case(inlet, name, body=bytes(body))
    # Then
    answer = json.loads(response.body)
    assert response.status_code == 401 and answer["error"] == "unauthorized" and answer["guard"] == "signature"
    assert answer["message"].endswith("signature mismatch")
    inlet.drain()
    assert captured == []
    status, logs = inlet.api("GET", f"/hooks/{hook['name']}/logs")
    assert logs["entries"][0]["status"] == "rejected" and logs["entries"][0]["response_status"] == 401


@pytest.mark.parametrize("name, field", [("C09", "payload"), ("C13", "payload"), ("C27", "Message")])
def test_a_json_string_field_stays_a_string_unless_the_hook_parses_it(inlet: Inlet, name: str, field: str) -> None:
    # Given the case's hook without parse_json_form_fields
    options = {k: v for k, v in HOOK_SETUP[name][0].items() if k != "parse_json_form_fields"}
    # When
    send_case(inlet, name, options=options)
    inlet.drain()
    # Then the field is the JSON text as sent, which parses to what the option would give
    value = captured[0]["data"][field]
    assert isinstance(value, str)
    assert json.loads(value) == expected_data(name, load_case(name))[field]


def test_c09_a_resent_github_delivery_answers_with_the_first_item_and_is_queued_once(inlet: Inlet) -> None:
    # Given C09 accepted once
    hook, first = send_case(inlet, "C09")
    case = load_case("C09")
    # When GitHub redelivers it (same X-GitHub-Delivery)
    again = inlet.post(hook, case_body(case), dict(case["headers"]), "POST")
    # Then
    inlet.drain()
    first_id = json.loads(first.body)["id"]
    assert json.loads(again.body) == {"id": first_id, "status": "queued", "duplicate": True}
    assert len(captured) == 1
    status, logs = inlet.api("GET", f"/hooks/{hook['name']}/logs")
    assert sorted(e["status"] for e in logs["entries"]) == ["delivered", "duplicate"]


def test_c25_the_structure_after_three_requests_is_the_merged_schema_with_drift_on_id(inlet: Inlet) -> None:
    # Given
    case = load_case("C25")
    hook = inlet.create_hook("shop")
    # When the three requests arrive in order
    for request in case["requests"]:
        assert inlet.post(hook, request["body"], dict(request["headers"]), request["method"]).status_code == 200
    # Then
    status, shown = inlet.api("GET", "/hooks/shop/structure")
    schema = shown["schema"]
    properties = schema["properties"]
    assert properties["id"] == {"type": ["integer", "string"]} and shown["drift"] == ["/id"]
    assert properties["discount"]["type"] == ["null", "object"]
    assert properties["discount"]["properties"] == {"code": {"type": "string"}, "amount": {"type": "string"}}
    items = properties["items"]["items"]
    assert properties["items"]["type"] == "array" and sorted(items["required"]) == ["qty", "sku"]
    assert items["properties"] == {"sku": {"type": "string"}, "qty": {"type": "integer"}, "gift": {"type": "boolean"}}
    assert properties["tags"] == {"type": "string"} and "tags" not in schema["required"]
    assert shown["version"] == 3
