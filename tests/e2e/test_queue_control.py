"""Queue control end to end on the local stack (`make dev`): real HTTP in, the `inlet` CLI, the
ticker, real HTTP out to a scenario server."""
from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from collections import Counter
from datetime import datetime
from typing import Any

import pytest

from .conftest import ScenarioServer, Stack, wait_until

pytestmark = pytest.mark.e2e


def post(url: str, body: Any, headers: dict[str, str] | None = None) -> tuple[int, Any, dict[str, str]]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read()), dict(response.headers.items())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null"), dict(error.headers.items())


def unique(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:6]}"


def test_a_paused_hook_keeps_20_requests_and_delivers_them_in_order_on_resume(
        stack: Stack, scenario: ScenarioServer) -> None:
    # Given a paused sequential hook
    name = unique("paused")
    hook = stack.cli("hooks", "create", name, "--scenario", scenario.url, "--sequential")
    assert stack.cli("hooks", "pause", name)["state"] == "paused"
    # When 20 requests arrive
    answers = [post(hook["url"], {"n": n}) for n in range(20)]
    # Then all are answered "held" and shown in the queue; nothing is delivered
    assert {(status, body["status"]) for status, body, _ in answers} == {(200, "held")}
    queue = stack.cli("queue", name)
    assert queue["count"] == 20 and queue["limit"] == 10_000 and len(queue["items"]) == 20
    listed = next(h for h in stack.cli("hooks", "list")["hooks"] if h["name"] == name)
    assert listed["queue"]["count"] == 20 and listed["queue"]["last_item_at"]
    assert scenario.items == []
    # When resumed
    resumed = stack.cli("hooks", "resume", name)
    # Then delivered once each, in arrival order
    delivered = scenario.wait_for(20)
    assert resumed["state"] == "active" and resumed["released"] > 0  # the ticker may release some too
    assert [item["data"]["n"] for item in delivered] == list(range(20))
    assert all(count == 1 for count in scenario.calls.values())
    wait_until(lambda: stack.cli("queue", name)["count"] == 0)


def test_an_interval_hook_delivers_at_most_m_per_run(stack: Stack, scenario: ScenarioServer) -> None:
    # Given a hook that runs every 5 s and releases 3 per run
    name = unique("interval")
    hook = stack.cli("hooks", "create", name, "--scenario", scenario.url, "--every", "5s", "--max-per-run", "3")
    # When 7 requests arrive
    answers = [post(hook["url"], {"n": n}) for n in range(7)]
    assert {body["status"] for _, body, _ in answers} == {"waiting"}
    # Then they leave 3 per run, oldest first
    delivered = scenario.wait_for(7, timeout=60)
    assert [item["data"]["n"] for item in delivered] == list(range(7))
    logs = stack.cli("logs", name, "--limit", "10")["entries"]
    runs = Counter(int(datetime.fromisoformat(e["attempts"][0]["started_at"].replace("Z", "+00:00")).timestamp()) // 5
                   for e in logs)
    assert max(runs.values()) <= 3 and len(runs) >= 3


def test_a_failing_lane_does_not_stop_the_other_lane(stack: Stack, scenario: ScenarioServer) -> None:
    # Given lanes by shop, and a scenario that always fails for shop "bad"
    name = unique("lanes")
    hook = stack.cli("hooks", "create", name, "--scenario", scenario.url, "--sequential", "--order-by", "$.shop",
                     "--max-attempts", "2")
    stack.cli("hooks", "pause", name)
    answers = [post(hook["url"], {"shop": shop, "n": n}) for n, shop in enumerate(["bad", "good"] * 4)]
    for (_, body, _), shop in zip(answers, ["bad", "good"] * 4):
        if shop == "bad":
            scenario.fail_first[body["id"]] = 99
    # When released
    stack.cli("hooks", "resume", name)
    # Then the good lane flows, in order, while the bad lane's items fail and are set aside
    good = scenario.wait_for(4, timeout=60)
    assert [item["data"]["n"] for item in good] == [1, 3, 5, 7]
    bad_ids = [body["id"] for (_, body, _), shop in zip(answers, ["bad", "good"] * 4) if shop == "bad"]
    failed = wait_until(lambda: (e := stack.cli("logs", name, "--status", "failed")["entries"])
                        and len(e) == 4 and e, timeout=90)
    assert sorted(e["id"] for e in failed) == sorted(bad_ids)


def test_a_full_queue_answers_503_with_retry_after_and_loses_nothing(stack: Stack, scenario: ScenarioServer) -> None:
    name = unique("full")
    hook = stack.cli("hooks", "create", name, "--scenario", scenario.url, "--queue-limit", "3")
    stack.cli("hooks", "pause", name)
    answers = [post(hook["url"], {"n": n}) for n in range(5)]
    assert [status for status, _, _ in answers] == [200, 200, 200, 503, 503]
    assert answers[3][1]["error"] == "queue_full" and int(answers[3][2]["Retry-After"]) > 0
    stack.cli("hooks", "resume", name)
    assert sorted(item["data"]["n"] for item in scenario.wait_for(3)) == [0, 1, 2]
    rejected = stack.cli("logs", name, "--status", "rejected")["entries"]
    assert len(rejected) == 2 and all(e["response_status"] == 503 for e in rejected)


def test_a_replayed_failed_item_is_delivered_once_more(stack: Stack, scenario: ScenarioServer) -> None:
    # Given an item that failed its only attempt
    name = unique("replay")
    hook = stack.cli("hooks", "create", name, "--scenario", scenario.url, "--max-attempts", "1")
    scenario.always_fail = True
    _, answer, _ = post(hook["url"], {"n": 1})
    wait_until(lambda: stack.cli("logs", name, answer["id"])["status"] == "failed")
    # When the scenario works again and the item is replayed
    scenario.always_fail = False
    result = stack.cli("logs", "replay", answer["id"])
    # Then it is delivered, once, as a new attempt on the same item
    assert [r["id"] for r in result["replayed"]] == [answer["id"]]
    assert scenario.wait_for(1)[0]["id"] == answer["id"]
    entry = wait_until(lambda: (e := stack.cli("logs", name, answer["id"]))["status"] == "delivered" and e)
    assert [a["ok"] for a in entry["attempts"]] == [False, True] and scenario.calls[answer["id"]] == 2
    assert stack.cli("logs", "replay", name, "--status", "failed", "--since", "1h")["replayed"] == []
    assert stack.cli("dlq")["dead_letters"] == {"parallel": 0, "sequential": 0}
