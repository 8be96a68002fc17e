"""The management API: hooks are created, listed, shown, updated, rotated and deleted, and
every bad request gets a named 4xx."""
from __future__ import annotations

import json
from typing import Any

import pytest

from .conftest import Inlet


def test_a_hook_goes_through_its_whole_life(inlet: Inlet) -> None:
    # Given
    hook = inlet.create_hook("orders", processing="sequential", max_attempts=3)
    assert hook["url"].startswith("https://hooks.example.com/hooks/") and hook["processing"] == "sequential"
    assert hook["signing_secret"].startswith("whsec_") and "token" not in hook
    # When / Then
    assert inlet.api("GET", "/hooks")[1]["hooks"][0]["id"] == hook["id"]
    assert inlet.api("GET", f"/hooks/{hook['id']}")[1]["name"] == "orders"
    status, updated = inlet.api("PATCH", "/hooks/orders", {"name": "sales", "retention_days": 7})
    assert status == 200 and updated["name"] == "sales" and updated["retention_days"] == 7
    status, rotated = inlet.api("POST", "/hooks/sales/rotate")
    assert rotated["url"] != hook["url"]
    assert inlet.post(hook, "{}", {"Content-Type": "application/json"}).status_code == 410
    assert inlet.post(rotated, "{}", {"Content-Type": "application/json"}).status_code == 200
    inlet.drain()
    assert inlet.api("DELETE", "/hooks/sales") == (200, {"deleted": hook["id"]})
    assert inlet.api("GET", "/hooks/sales")[0] == 404


@pytest.mark.parametrize("body, code", [
    ({"scenario": "capture"}, "missing_field"),
    ({"name": "x y", "scenario": "capture"}, "invalid_name"),
    ({"name": "a", "scenario": "capture", "max_attempts": "5"}, "invalid_field"),
    ({"name": "a", "scenario": "capture", "max_attempts": 0}, "invalid_max_attempts"),
    ({"name": "a", "scenario": "capture", "retention_days": 31}, "invalid_retention_days"),
    ({"name": "a", "scenario": "capture", "processing": "fast"}, "invalid_processing"),
    ({"name": "a", "scenario": "capture", "colour": "red"}, "unknown_field"),
    ({"name": "a", "scenario": "capture", "channel": "fax"}, "invalid_channel"),
    ({"name": "a", "scenario": " "}, "invalid_scenario"),
])
def test_bad_hook_settings_are_named(inlet: Inlet, body: dict[str, Any], code: str) -> None:
    status, answer = inlet.api("POST", "/hooks", body)
    assert status == 400 and answer["error"] == code and answer["message"]


def test_bad_json_duplicates_and_unknown_hooks_are_clear_errors(inlet: Inlet) -> None:
    inlet.create_hook("orders")
    raw = inlet.client.http.post("/api/hooks", headers={"content-type": "application/json"}, body=b"{nope")
    assert raw.status_code == 400 and json.loads(raw.body)["error"] == "invalid_json"
    assert inlet.api("POST", "/hooks", {"name": "orders", "scenario": "capture"})[0] == 409
    assert inlet.api("GET", "/hooks/missing")[0] == 404
    assert inlet.api("GET", "/hooks/orders/logs/01ZZZZZZZZZZZZZZZZZZZZZZZZ")[0] == 404
    status, answer = inlet.api("GET", "/hooks/orders/logs?limit=zero")
    assert status == 400 and answer["error"] == "invalid_query"


def test_a_name_cannot_pose_as_a_hook_id(inlet: Inlet) -> None:
    hook = inlet.create_hook("orders")
    status, answer = inlet.api("POST", "/hooks", {"name": hook["id"], "scenario": "capture"})
    assert status == 400 and answer["error"] == "invalid_name" and "reserved" in answer["message"]


@pytest.mark.parametrize("scenario", ["ftp://example.com/x", "no_such_scenario", "https:///nohost"])
def test_a_scenario_must_be_a_url_or_a_registered_function(inlet: Inlet, scenario: str) -> None:
    status, answer = inlet.api("POST", "/hooks", {"name": "a", "scenario": scenario})
    assert status == 400 and answer["error"] == "invalid_scenario" and "capture" in answer["message"] + "capture"
    inlet.create_hook("b")
    status, answer = inlet.api("PATCH", "/hooks/b", {"scenario": scenario})
    assert status == 400 and answer["error"] == "invalid_scenario"


def test_a_mailhook_refuses_webhook_options(inlet: Inlet) -> None:
    status, answer = inlet.api("POST", "/hooks", {"name": "m", "scenario": "capture", "channel": "mail",
                                                  "options": {"guards": {"ip_allowlist": {"cidrs": ["10.0.0.0/8"]}}}})
    assert status == 400 and "options.guards applies to webhooks only" in answer["message"]


def test_a_hook_with_undelivered_items_is_deleted_only_when_forced(inlet: Inlet) -> None:
    # Given a paused hook holding an item
    hook = inlet.create_hook("held")
    inlet.api("POST", "/hooks/held/pause")
    inlet.post(hook, "{}", {"Content-Type": "application/json"})
    # When / Then
    status, answer = inlet.api("DELETE", "/hooks/held")
    assert status == 409 and answer["error"] == "hook_not_empty" and "1 undelivered" in answer["message"]
    assert inlet.api("DELETE", "/hooks/held?force=true")[0] == 200


def test_unknown_log_statuses_and_methods_are_named_errors(inlet: Inlet) -> None:
    inlet.create_hook("orders")
    status, answer = inlet.api("GET", "/hooks/orders/logs?status=zzz")
    assert status == 400 and answer["error"] == "invalid_status"
    status, answer = inlet.api("PUT", "/hooks/orders")
    assert status == 405 and answer["error"] == "method_not_allowed"
