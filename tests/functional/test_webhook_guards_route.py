"""Guards, handshakes, item options and answers through the real route: a hook configured
through the management API, requests signed the way each platform signs them."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any
from urllib.parse import urlencode

from .conftest import Inlet, captured

PUBLIC = "https://hooks.example.com"  # INLET_PUBLIC_URL in the functional fixture


def hook_with(inlet: Inlet, name: str, options: dict[str, Any], **secrets: str) -> dict[str, Any]:
    hook = inlet.create_hook(name, options=options)
    for secret, value in secrets.items():
        assert inlet.api("PUT", f"/hooks/{name}/secrets/{secret}", {"value": value})[0] == 200
    return hook


def signature_guard(preset: str, **extra: Any) -> dict[str, Any]:
    return {"guards": {"signature": {"preset": preset, "secret_names": ["s"], **extra}}}


def hex_hmac(key: str, message: bytes, digest: str = "sha256") -> str:
    return hmac.new(key.encode(), message, digest).hexdigest()


def b64_hmac(key: bytes, message: bytes, digest: str = "sha256") -> str:
    return base64.b64encode(hmac.new(key, message, digest).digest()).decode()


BODY = b'{"id": "evt_1", "amount": 1000, "currency": "eur"}'
TAMPERED = BODY.replace(b"1000", b"9000")
JSON = {"Content-Type": "application/json"}


def check_preset(inlet: Inlet, hook: dict[str, Any], sign: Any) -> None:
    good = inlet.post(hook, BODY, {**JSON, **sign(BODY)})
    bad = inlet.post(hook, TAMPERED, {**JSON, **sign(BODY)})
    unsigned = inlet.post(hook, BODY, JSON)
    assert good.status_code == 200, good.body
    assert bad.status_code == 401 and json.loads(bad.body)["message"].endswith("signature mismatch")
    assert unsigned.status_code == 401 and "missing header" in json.loads(unsigned.body)["message"]
    inlet.drain()
    assert [item["data"] for item in captured] == [json.loads(BODY)]


def test_github_style_requests_are_verified(inlet: Inlet) -> None:
    hook = hook_with(inlet, "gh", signature_guard("github"), s="gh-secret")
    check_preset(inlet, hook, lambda body: {"X-Hub-Signature-256": "sha256=" + hex_hmac("gh-secret", body)})


def test_stripe_style_requests_are_verified_with_any_of_several_v1_signatures(inlet: Inlet) -> None:
    hook = hook_with(inlet, "stripe", signature_guard("stripe"), s="whsec_new")

    def sign(body: bytes) -> dict[str, str]:
        ts = str(int(time.time()))
        old, new = hex_hmac("whsec_old", f"{ts}.".encode() + body), hex_hmac("whsec_new", f"{ts}.".encode() + body)
        return {"Stripe-Signature": f"t={ts},v1={old},v1={new},v0=deadbeef"}

    check_preset(inlet, hook, sign)
    stale = str(int(time.time()) - 3600)
    answer = inlet.post(hook, BODY, {**JSON, "Stripe-Signature": f"t={stale},v1=" + hex_hmac(
        "whsec_new", f"{stale}.".encode() + BODY)})
    assert answer.status_code == 401 and "timestamp outside tolerance" in json.loads(answer.body)["message"]


def test_slack_style_requests_are_verified(inlet: Inlet) -> None:
    hook = hook_with(inlet, "slack", signature_guard("slack"), s="slack-secret")

    def sign(body: bytes) -> dict[str, str]:
        ts = str(int(time.time()))
        return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": "v0=" + hex_hmac("slack-secret", f"v0:{ts}:".encode() + body)}

    check_preset(inlet, hook, sign)


def test_shopify_style_requests_are_verified(inlet: Inlet) -> None:
    hook = hook_with(inlet, "shop", signature_guard("shopify"), s="shpss_secret")
    check_preset(inlet, hook, lambda body: {"X-Shopify-Hmac-Sha256": b64_hmac(b"shpss_secret", body)})


def test_standard_webhooks_requests_are_verified(inlet: Inlet) -> None:
    key = b"0123456789abcdef0123456789abcdef"
    hook = hook_with(inlet, "std", signature_guard("standard_webhooks"), s="whsec_" + base64.b64encode(key).decode())

    def sign(body: bytes) -> dict[str, str]:
        ts = str(int(time.time()))
        return {"webhook-id": "msg_1", "webhook-timestamp": ts,
                "webhook-signature": "v1," + b64_hmac(key, f"msg_1.{ts}.".encode() + body)}

    check_preset(inlet, hook, sign)


def test_a_generic_hmac_is_verified(inlet: Inlet) -> None:
    options = signature_guard("hmac", hmac={"header": "X-Signature", "algorithm": "sha512", "encoding": "base64",
                                            "prefix": "sha512="})
    hook = hook_with(inlet, "generic", options, s="k")
    check_preset(inlet, hook, lambda body: {"X-Signature": "sha512=" + b64_hmac(b"k", body, "sha512")})


def test_twilio_form_posts_are_verified_over_the_public_url_and_sorted_fields(inlet: Inlet) -> None:
    # Given Twilio's documented example parameters, posted to the hook's public URL with a query
    hook = hook_with(inlet, "sms", signature_guard("twilio"), s="12345")
    params = {"CallSid": "CA1234567890ABCDE", "Caller": "+14158675309", "Digits": "1234",
              "From": "+14158675309", "To": "+18005551212"}
    url = hook["url"] + "?foo=1&bar=2"
    assert url.startswith(PUBLIC)
    signed = url + "".join(k + v for k, v in sorted(params.items()))
    signature = b64_hmac(b"12345", signed.encode(), "sha1")
    form = {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature}
    # When
    good = inlet.post(hook, urlencode(params), form, query="?foo=1&bar=2")
    other_query = inlet.post(hook, urlencode(params), form, query="?foo=1&bar=3")
    other_field = inlet.post(hook, urlencode({**params, "Digits": "9999"}), form, query="?foo=1&bar=2")
    # Then
    assert (good.status_code, other_query.status_code, other_field.status_code) == (200, 401, 401)
    inlet.drain()
    assert captured[0]["data"] == {"foo": "1", "bar": "2", **params}


def test_api_keys_basic_auth_and_the_ip_allowlist_guard_the_route(inlet: Inlet) -> None:
    keys = hook_with(inlet, "keys", {"guards": {"api_keys": {"header": "X-Inlet-Key", "secret_names": ["a", "b"]}}},
                     a="key-a", b="key-b")
    assert inlet.post(keys, BODY, {**JSON, "X-Inlet-Key": "key-b"}).status_code == 200
    assert inlet.post(keys, BODY, {**JSON, "X-Inlet-Key": "key-c"}).status_code == 401
    basic = hook_with(inlet, "basic", {"guards": {"basic_auth": {"username": "ada", "password_secret_name": "pw"}}},
                      pw="lovelace")
    good = "Basic " + base64.b64encode(b"ada:lovelace").decode()
    assert inlet.post(basic, BODY, {**JSON, "Authorization": good}).status_code == 200
    refused = inlet.post(basic, BODY, {**JSON, "Authorization": "Basic " + base64.b64encode(b"ada:x").decode()})
    assert refused.status_code == 401 and refused.headers["WWW-Authenticate"].startswith("Basic")
    # The test client's source address is 127.0.0.1; X-Forwarded-For is never believed
    inside = hook_with(inlet, "inside", {"guards": {"ip_allowlist": {"cidrs": ["127.0.0.0/8", "::1/128"]}}})
    outside = hook_with(inlet, "outside", {"guards": {"ip_allowlist": {"cidrs": ["203.0.113.0/24"]}}})
    assert inlet.post(inside, BODY, {**JSON, "X-Forwarded-For": "198.51.100.7"}).status_code == 200
    forged = inlet.post(outside, BODY, {**JSON, "X-Forwarded-For": "203.0.113.7"})
    assert forged.status_code == 403 and json.loads(forged.body)["guard"] == "ip_allowlist"
    status, logs = inlet.api("GET", "/hooks/outside/logs")
    assert logs["entries"][0]["reason"] == "source address 127.0.0.1 is not in the allowlist"


def test_secrets_are_set_listed_as_configured_and_never_shown(inlet: Inlet) -> None:
    # Given a hook that names two secrets, one of them set
    hook_with(inlet, "gh", {"guards": {"signature": {"preset": "github", "secret_names": ["new", "old"]}}},
              new="very-secret-value")
    # When
    status, shown = inlet.api("GET", "/hooks/gh")
    status_list, listed = inlet.api("GET", "/hooks/gh/secrets")
    # Then
    assert shown["secrets"] == {"new": True, "old": False} and listed["secrets"] == shown["secrets"]
    everything = json.dumps([shown, listed, inlet.api("GET", "/hooks")[1]])
    assert "very-secret-value" not in everything
    assert inlet.api("DELETE", "/hooks/gh/secrets/new")[1] == {"hook": shown["id"], "secret": "new",
                                                               "configured": False}
    assert inlet.api("DELETE", "/hooks/gh/secrets/new")[0] == 404
    assert inlet.api("PUT", "/hooks/gh/secrets/bad name", {"value": "x"})[0] == 400
    assert inlet.api("PUT", "/hooks/gh/secrets/x", {"value": ""})[0] == 400


def test_bad_options_are_refused_when_a_hook_is_created_or_updated(inlet: Inlet) -> None:
    status, answer = inlet.api("POST", "/hooks", {"name": "x", "scenario": "capture", "options": {
        "guards": {"signature": {"preset": "gitlab", "secret_names": ["s"]}}}})
    assert status == 400 and answer["error"] == "invalid_options"
    assert answer["message"].startswith("options.guards.signature.preset: unknown preset 'gitlab'")
    inlet.create_hook("y")
    status, answer = inlet.api("PATCH", "/hooks/y", {"options": {"include_header": True}})
    assert status == 400 and answer["message"].startswith("options.include_header: unknown option")


def test_slack_url_verification_graph_and_meta_handshakes_are_answered_not_queued(inlet: Inlet) -> None:
    hook = hook_with(inlet, "hs", {"handshakes": {"meta_verify_token_secret_name": "meta"}}, meta="verify-me")
    slack = inlet.post(hook, '{"type":"url_verification","challenge":"c-123","token":"x"}', JSON)
    graph = inlet.post(hook, b"", {}, query="?validationToken=Validation%3A+Testing")
    meta = inlet.post(hook, b"", {}, "GET", "?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=verify-me")
    wrong = inlet.post(hook, b"", {}, "GET", "?hub.mode=subscribe&hub.challenge=1&hub.verify_token=nope")
    assert (slack.status_code, json.loads(slack.body)) == (200, {"challenge": "c-123"})
    assert (graph.status_code, graph.body, graph.headers["Content-Type"]) == (
        200, b"Validation: Testing", "text/plain; charset=utf-8")
    assert (meta.status_code, meta.body) == (200, b"1158201444")
    assert wrong.status_code == 403
    inlet.drain()
    assert captured == []
    status, logs = inlet.api("GET", "/hooks/hs/logs")
    assert sorted(e["reason"] for e in logs["entries"]) == [
        "graph_validation", "meta_verification", "meta_verification_rejected", "slack_url_verification"]
    status, full = inlet.api("GET", f"/hooks/hs/logs/{logs['entries'][1]['id']}")
    assert "verify-me" not in json.dumps(full)


def test_a_static_answer_and_item_options_through_the_route(inlet: Inlet) -> None:
    # Given
    options = {"response": {"status": 202, "headers": {"X-Handled-By": "inlet"}, "body": {"ok": True}},
               "include_method": True, "include_headers": True,
               "guards": {"api_keys": {"header": "X-Inlet-Key", "secret_names": ["k"]}}}
    hook = hook_with(inlet, "static", options, k="the-key")
    # When
    answer = inlet.post(hook, "<order><id>7</id></order>", {"Content-Type": "text/xml", "X-Inlet-Key": "the-key",
                                                             "X-Tag": "a"}, "PUT")
    # Then
    assert (answer.status_code, json.loads(answer.body), answer.headers["X-Handled-By"]) == (202, {"ok": True}, "inlet")
    inlet.drain()
    data = captured[0]["data"]
    assert data["text"] == "<order><id>7</id></order>" and data["__method__"] == "PUT"
    assert data["__headers__"]["x-tag"] == ["a"] and data["__headers__"]["x-inlet-key"] == ["[redacted]"]


def test_xml_is_parsed_into_json_by_option(inlet: Inlet) -> None:
    hook = inlet.create_hook("xml", options={"parse_xml": True})
    inlet.post(hook, '<?xml version="1.0"?><order id="7"><line sku="A"/><line sku="B"/></order>',
               {"Content-Type": "application/xml"})
    refused = inlet.post(hook, '<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>', {"Content-Type": "application/xml"})
    assert refused.status_code == 400 and "entities are disabled" in json.loads(refused.body)["message"]
    inlet.drain()
    assert captured[0]["data"] == {"order": {"@id": "7", "line": [{"@sku": "A"}, {"@sku": "B"}]}}


def test_repeated_headers_reach_the_item_through_an_api_gateway_event(inlet: Inlet) -> None:
    # Given a REST proxy event as API Gateway builds it (the test client has one value per header)
    import app
    from inlet.local.api_gateway import proxy_event
    from inlet.local.lambda_context import LocalLambdaContext
    hook = inlet.create_hook("multi", options={"include_headers": True})
    token = hook["url"].rsplit("/", 1)[1]
    event = proxy_event("POST", f"/hooks/{token}?a=1&a=2", [("Content-Type", "application/json"), ("X-Tag", "one"),
                        ("X-Tag", "two"), ("Cookie", "session=secret")], b'{"n":1}', "192.0.2.1",
                        "/hooks/{token}", {"token": token})
    # When
    response = app.app(event, LocalLambdaContext("api_handler"))
    # Then
    assert response["statusCode"] == 200
    inlet.drain()
    data = captured[0]["data"]
    assert data["a"] == ["1", "2"] and data["n"] == 1
    assert data["__headers__"]["x-tag"] == ["one", "two"] and data["__headers__"]["cookie"] == ["[redacted]"]


def test_structure_endpoints_show_set_redetermine_and_strict(inlet: Inlet) -> None:
    hook = inlet.create_hook("orders")
    assert inlet.api("GET", "/hooks/orders/structure")[1]["schema"] is None
    inlet.post(hook, '{"order": {"id": 1, "email": "a@example.com"}, "a.b": true}', JSON)
    status, shown = inlet.api("GET", "/hooks/orders/structure?format=python")
    assert shown["fields"] == ["/order", "/order/id", "/order/email", "/a.b"]
    assert "class OrdersItemOrder(TypedDict):" in shown["python"] and "'a.b': bool" in shown["python"]
    # strict: a non-matching request is a 400 naming the field and the rule, logged
    assert inlet.api("POST", "/hooks/orders/structure/strict", {"strict": True})[1]["strict"] is True
    refused = inlet.post(hook, '{"order": {"id": 1, "email": "not an email"}, "a.b": true}', JSON)
    assert refused.status_code == 400
    assert json.loads(refused.body) == {"error": "structure_mismatch", "field": "/order/email", "rule": "format",
                                        "message": 'field "/order/email" must be email'}
    # set by hand, then redetermine
    schema = {"type": "object", "properties": {"n": {"type": "integer", "minimum": 1}}, "required": ["n"]}
    assert inlet.api("PUT", "/hooks/orders/structure", {"schema": schema})[1]["schema"] == schema
    assert json.loads(inlet.post(hook, '{"n": 0}', JSON).body)["rule"] == "minimum"
    assert inlet.api("PUT", "/hooks/orders/structure", {"schema": {"type": "bogus"}})[0] == 400
    assert inlet.api("POST", "/hooks/orders/structure/redetermine")[1]["redetermine"] is True
    assert inlet.post(hook, '{"other": "x"}', JSON).status_code == 200
    assert list(inlet.api("GET", "/hooks/orders/structure")[1]["schema"]["properties"]) == ["other"]
    assert inlet.api("POST", "/hooks/orders/structure/strict", {"strict": "yes"})[0] == 400
