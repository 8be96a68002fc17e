"""The ingest use case on the in-memory twins: the order of hook, size, guards, handshakes,
parsing, strict structure, idempotency and answer; what is logged and what is queued."""
from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import pytest

from chalicelib.composition import Services
from chalicelib.core.hooks import Hook
from chalicelib.errors import Transient
from chalicelib.settings import Settings
from chalicelib.twins import (InMemoryBlobStore, InMemoryHookStore, InMemoryItemLog, InMemoryQueue,
                              InMemorySecretStore, InMemoryStructureStore, RecordingUrlFetcher)
from chalicelib.webhooks.request import HttpRequest
from support import FakeClock

GH_SECRET = "gh-test-secret"
BODY = b'{"action":"opened","number":7}'


class World:
    def __init__(self, cache_seconds: float = 60) -> None:
        self.clock = FakeClock(1_700_000_000.0)
        self.queue = InMemoryQueue()
        self.log = InMemoryItemLog()
        self.secrets = InMemorySecretStore()
        self.structures = InMemoryStructureStore()
        self.fetcher = RecordingUrlFetcher()
        self.hooks = InMemoryHookStore()
        self.services = Services(Settings(hook_cache_seconds=cache_seconds, secret_cache_seconds=cache_seconds),
                                 self.clock, hook_store=self.hooks, item_log=self.log, blobs=InMemoryBlobStore(),
                                 queue=self.queue, secret_store=self.secrets, structure_store=self.structures,
                                 url_fetcher=self.fetcher)

    def hook(self, options: dict[str, Any] | None = None, **secrets: str) -> Hook:
        hook = self.services.hook_manager.create({"name": "gh", "scenario": "demo", "options": options or {}})
        for name, value in secrets.items():
            self.secrets.put(hook.id, name, value)
        return hook

    def send(self, hook: Hook, body: bytes = BODY, headers: tuple[tuple[str, str], ...] = (),
             method: str = "POST", query: tuple[tuple[str, str], ...] = (), source_ip: str = "192.0.2.10") -> Any:
        request = HttpRequest(method, "/hooks/x", headers=(("Content-Type", "application/json"), *headers),
                              query=query, body=body, source_ip=source_ip)
        return self.services.webhook_receiver.receive(hook.token, request)

    def entries(self, hook: Hook) -> list[Any]:
        return self.log.list(hook.id, self.clock())


def github_signature(body: bytes, secret: str = GH_SECRET) -> tuple[str, str]:
    return ("X-Hub-Signature-256", "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest())


GITHUB = {"guards": {"signature": {"preset": "github", "secret_names": ["gh"]}}}


@pytest.fixture
def world() -> World:
    return World()


def test_a_correctly_signed_request_is_queued_and_a_tampered_one_refused_and_logged(world: World) -> None:
    # Given
    hook = world.hook(GITHUB, gh=GH_SECRET)
    # When
    good = world.send(hook, headers=(github_signature(BODY),))
    tampered = world.send(hook, BODY.replace(b"7", b"8"), headers=(github_signature(BODY),))
    # Then
    assert good.status == 200 and good.body["status"] == "queued"
    assert tampered.status == 401
    assert tampered.body == {"error": "unauthorized", "message": "github: signature mismatch", "guard": "signature"}
    assert len(world.queue.sent) == 1
    rejected = world.entries(hook)[0]
    assert (rejected.status, rejected.reason, rejected.response_status) == ("rejected", "github: signature mismatch", 401)


def test_secrets_are_read_once_per_cache_period(world: World) -> None:
    hook = world.hook(GITHUB, gh=GH_SECRET)
    for _ in range(5):
        assert world.send(hook, headers=(github_signature(BODY),)).status == 200
    assert world.secrets.reads == 1
    world.clock.advance(61)
    world.send(hook, headers=(github_signature(BODY),))
    assert world.secrets.reads == 2


def test_a_hook_without_secret_guards_reads_no_secret(world: World) -> None:
    hook = world.hook({"include_method": True})
    world.send(hook)
    assert world.secrets.reads == 0


def test_a_rotated_secret_list_accepts_either_secret(world: World) -> None:
    hook = world.hook({"guards": {"signature": {"preset": "github", "secret_names": ["new", "old"]}}},
                      new="n3w", old="0ld")
    assert world.send(hook, headers=(github_signature(BODY, "0ld"),)).status == 200
    assert world.send(hook, headers=(github_signature(BODY, "n3w"),)).status == 200
    assert world.send(hook, headers=(github_signature(BODY, "other"),)).status == 401


def test_the_ip_allowlist_comes_first_and_ignores_x_forwarded_for(world: World) -> None:
    hook = world.hook({"guards": {"ip_allowlist": {"cidrs": ["203.0.113.0/24"]}, **GITHUB["guards"]}}, gh=GH_SECRET)
    forged = world.send(hook, headers=(github_signature(BODY), ("X-Forwarded-For", "203.0.113.9")))
    assert forged.status == 403 and forged.body["guard"] == "ip_allowlist" and forged.body["error"] == "forbidden"
    assert world.send(hook, headers=(github_signature(BODY),), source_ip="203.0.113.9").status == 200
    assert world.send(hook, headers=(github_signature(BODY),), source_ip="::ffff:203.0.113.9").status == 200


def test_api_keys_and_basic_auth_fail_closed_without_their_secrets(world: World) -> None:
    hook = world.hook({"guards": {"api_keys": {"header": "X-Key", "secret_names": ["k1", "k2"]}}}, k2="key-two")
    assert world.send(hook, headers=(("X-Key", "key-two"),)).status == 200
    assert world.send(hook, headers=(("X-Key", "key-one"),)).status == 401
    assert world.send(hook).body["message"] == "missing header X-Key"
    basic = world.services.hook_manager.create({"name": "basic", "scenario": "demo", "options": {
        "guards": {"basic_auth": {"username": "ada", "password_secret_name": "pw"}}}})
    refused = world.send(basic, headers=(("Authorization", "Basic YWRhOnB3"),))
    assert refused.status == 401 and refused.headers["WWW-Authenticate"].startswith("Basic")
    assert "no Basic auth password available" in refused.body["message"]


def test_secret_values_never_reach_the_log(world: World, capsys: Any) -> None:
    # Given a hook whose API key sits in its own header
    hook = world.hook({"guards": {"api_keys": {"header": "X-Inlet-Key", "secret_names": ["k"]}},
                       "include_headers": True}, k="s3cr3t-value")
    # When right and wrong keys arrive
    world.send(hook, headers=(("X-Inlet-Key", "s3cr3t-value"), ("Authorization", "Bearer s3cr3t-value")))
    world.send(hook, headers=(("X-Inlet-Key", "wrong-s3cr3t"),))
    # Then neither the stored entries nor the log lines hold them
    stored = repr(world.entries(hook))
    assert "s3cr3t" not in stored and "[redacted]" in stored
    assert "s3cr3t" not in capsys.readouterr().out


def test_slack_url_verification_is_answered_only_when_signed_and_logged_as_a_handshake(world: World) -> None:
    # Given a hook with the Slack preset
    hook = world.hook({"guards": {"signature": {"preset": "slack", "secret_names": ["slack"]}}}, slack="sl")
    body = b'{"type":"url_verification","challenge":"abc123"}'
    ts = str(int(world.clock()))
    signature = "v0=" + hmac.new(b"sl", f"v0:{ts}:".encode() + body, hashlib.sha256).hexdigest()
    # When
    signed = world.send(hook, body, (("X-Slack-Request-Timestamp", ts), ("X-Slack-Signature", signature)))
    unsigned = world.send(hook, body)
    # Then
    assert (signed.status, json.loads(signed.raw or b"")) == (200, {"challenge": "abc123"})
    assert unsigned.status == 401
    assert world.queue.sent == []
    assert [(e.status, e.reason) for e in world.entries(hook)][1] == ("handshake", "slack_url_verification")


def test_graph_and_meta_are_answered_despite_a_failed_signature_but_never_outside_the_allowlist(world: World) -> None:
    hook = world.hook({"guards": {"ip_allowlist": {"cidrs": ["192.0.2.0/24"]}, **GITHUB["guards"]},
                       "handshakes": {"meta_verify_token_secret_name": "meta"}}, gh=GH_SECRET, meta="vt")
    graph = world.send(hook, b"", query=(("validationToken", "tok<1>"),))
    assert (graph.status, graph.raw, graph.headers["Content-Type"]) == (200, b"tok<1>", "text/plain; charset=utf-8")
    meta_query = (("hub.mode", "subscribe"), ("hub.challenge", "1158201444"), ("hub.verify_token", "vt"))
    assert world.send(hook, b"", method="GET", query=meta_query).raw == b"1158201444"
    wrong = world.send(hook, b"", method="GET", query=meta_query[:2] + (("hub.verify_token", "no"),))
    assert wrong.status == 403
    outside = world.send(hook, b"", method="GET", query=meta_query, source_ip="198.51.100.1")
    assert outside.status == 403 and outside.body["guard"] == "ip_allowlist"
    assert world.queue.sent == []
    logged = world.entries(hook)
    assert "vt" not in repr([e.raw for e in logged])


def sns_confirmation(subscribe_url: str) -> bytes:
    return json.dumps({"Type": "SubscriptionConfirmation", "MessageId": "m1", "Token": "t",
                       "TopicArn": "arn:aws:sns:us-east-1:123456789012:orders",
                       "SubscribeURL": subscribe_url, "Message": "confirm"}).encode()


SNS_HEADERS = (("x-amz-sns-message-type", "SubscriptionConfirmation"),)


def test_sns_subscriptions_are_confirmed_only_on_sns_hosts_and_only_by_option(world: World) -> None:
    good_url = "https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&Token=t"
    hook = world.hook({"handshakes": {"sns_confirm": True}})
    assert world.send(hook, sns_confirmation(good_url), SNS_HEADERS).status == 200
    evil = world.send(hook, sns_confirmation("https://sns.us-east-1.amazonaws.com.evil.example/x"), SNS_HEADERS)
    assert evil.status == 403
    assert world.fetcher.fetched == [good_url]
    assert world.entries(hook)[-1].reason == "sns_subscription_confirmation: confirmed"
    # Without the option the confirmation is an ordinary item for a person or scenario
    off = world.services.hook_manager.create({"name": "off", "scenario": "demo"})
    assert world.send(off, sns_confirmation(good_url), SNS_HEADERS).body["status"] == "queued"
    assert world.fetcher.fetched == [good_url]


def test_an_unreachable_subscribe_url_answers_503_so_sns_resends(world: World) -> None:
    hook = world.hook({"handshakes": {"sns_confirm": True}})
    world.fetcher.fail = True
    answer = world.send(hook, sns_confirmation("https://sns.us-east-1.amazonaws.com/?Token=t"), SNS_HEADERS)
    assert answer.status == 503 and answer.headers["Retry-After"]
    assert world.entries(hook)[0].status == "handshake" and "unreachable" in world.entries(hook)[0].reason


def test_a_resent_request_answers_with_the_first_item_and_is_queued_once(world: World) -> None:
    # Given
    hook = world.hook({"idempotency": {"header": "X-GitHub-Delivery"}})
    delivery = (("X-GitHub-Delivery", "00000000-0000-4000-8000-000000000001"),)
    # When
    first = world.send(hook, headers=delivery)
    again = world.send(hook, headers=delivery)
    other = world.send(hook, headers=(("X-GitHub-Delivery", "another"),))
    # Then
    assert again.body == {"id": first.body["id"], "status": "queued", "duplicate": True}
    assert other.body["id"] != first.body["id"]
    assert len(world.queue.sent) == 2
    assert sorted(e.status for e in world.entries(hook)) == ["duplicate", "queued", "queued"]


def test_the_idempotency_window_is_the_retention(world: World) -> None:
    hook = world.hook({"idempotency": {"pointer": "/action"}})
    first = world.send(hook)
    world.clock.advance(3 * 86400 + 1)
    assert world.send(hook).body["id"] != first.body["id"]


def test_a_static_answer_replaces_the_default_one(world: World) -> None:
    hook = world.hook({"response": {"status": 202, "headers": {"X-Handled": "yes"}, "body": "thanks"},
                       "idempotency": {"header": "Idempotency-Key"}})
    answer = world.send(hook, headers=(("Idempotency-Key", "k"),))
    assert (answer.status, answer.raw, answer.headers) == (
        202, b"thanks", {"Content-Type": "text/plain; charset=utf-8", "X-Handled": "yes"})
    assert world.send(hook, headers=(("Idempotency-Key", "k"),)).raw == b"thanks"
    assert world.send(hook, b"{bad").status == 400  # errors stay JSON


def test_headers_method_and_passthrough_go_into_the_item(world: World) -> None:
    hook = world.hook({"include_headers": True, "include_method": True, "json_passthrough": True})
    world.send(hook, b'{"n": 1.50}', (("X-Tag", "a"), ("X-Tag", "b")), method="PUT")
    data = world.entries(hook)[0].data
    assert data == {"__body__": '{"n": 1.50}', "__method__": "PUT",
                    "__headers__": {"content-type": ["application/json"], "x-tag": ["a", "b"]}}


def test_the_structure_is_learned_and_written_only_when_it_changes(world: World) -> None:
    hook = world.hook()
    world.send(hook, b'{"id": 1, "tags": []}')
    world.send(hook, b'{"id": 2, "tags": []}')
    world.send(hook, b'{"id": 3, "tags": []}')
    assert world.structures.writes == 1
    world.send(hook, b'{"id": 4, "tags": ["a"], "email": "a@example.com"}')
    stored = world.structures.get(hook.id)
    assert stored is not None and stored.version == 2
    assert stored.schema is not None and stored.schema["properties"]["email"] == {"type": "string", "format": "email"}


def test_a_strict_structure_refuses_a_non_matching_request_naming_field_and_rule(world: World) -> None:
    hook = world.hook()
    world.send(hook, b'{"order": {"id": 1, "lines": [{"sku": "A"}]}}')
    world.services.structure_manager.set_strict(hook, {"strict": True})
    refused = world.send(hook, b'{"order": {"id": "1", "lines": [{"sku": "A"}]}}')
    assert refused.status == 400
    assert refused.body == {"error": "structure_mismatch", "message": 'field "/order/id" must be integer',
                            "field": "/order/id", "rule": "type"}
    assert world.entries(hook)[0].reason == 'field "/order/id" must be integer'
    assert world.send(hook, b'{"order": {"id": 2, "lines": []}}').status == 200


def test_redetermine_makes_the_next_item_replace_the_structure(world: World) -> None:
    hook = world.hook()
    world.send(hook, b'{"a": 1}')
    world.services.structure_manager.set_strict(hook, {"strict": True})
    world.services.structure_manager.redetermine(hook)
    assert world.send(hook, b'{"b": "x"}').status == 200  # not checked: it redetermines
    stored = world.structures.get(hook.id)
    assert stored is not None and list(stored.schema["properties"]) == ["b"] and not stored.redetermine  # type: ignore[index]
    assert world.send(hook, b'{"a": 1}').status == 400


def test_a_failure_to_save_the_structure_never_fails_the_request(world: World) -> None:
    hook = world.hook()

    def broken(*args: Any) -> Any:
        raise Transient("table unavailable")

    world.structures.save = broken  # type: ignore[method-assign]
    assert world.send(hook).status == 200


def test_a_lost_structure_race_is_learned_again_on_the_winner(world: World) -> None:
    # Given a cached structure that another Lambda has since refined
    hook = world.hook()
    world.send(hook, b'{"a": 1}')
    stored = world.structures.get(hook.id)
    assert stored is not None
    from chalicelib.structure import learn
    world.structures.save(stored.__class__(hook.id, learn(stored.schema, {"a": 1, "b": True})), stored.version)
    # When this Lambda learns a new field from its stale copy
    world.send(hook, b'{"a": 2, "c": "x"}')
    # Then both fields are kept
    final = world.structures.get(hook.id)
    assert final is not None and set(final.schema["properties"]) == {"a", "b", "c"}  # type: ignore[index]


def test_a_hook_with_options_stored_invalid_answers_503_not_500(world: World) -> None:
    hook = Hook(id="hk_bad", name="bad", token="b" * 32, scenario="demo", options={"guards": {"x": 1}})
    world.hooks.create(hook)
    answer = world.send(hook)
    assert answer.status == 503 and answer.body["error"] == "hook_misconfigured"


def test_hook_options_are_checked_when_a_hook_is_created_or_updated(world: World) -> None:
    from chalicelib.errors import Invalid
    with pytest.raises(Invalid, match="options.guards.signature.preset"):
        world.services.hook_manager.create({"name": "x", "scenario": "demo", "options": {
            "guards": {"signature": {"preset": "nope", "secret_names": ["s"]}}}})
    hook = world.hook()
    with pytest.raises(Invalid, match="options.bogus"):
        world.services.hook_manager.update(hook.id, {"options": {"bogus": True}})
