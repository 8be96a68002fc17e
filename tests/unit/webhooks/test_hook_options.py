"""Hook options: the stored form is checked field by field, and parsed once per hook."""
from __future__ import annotations

from typing import Any

import pytest

from chalicelib.core.hooks import Hook
from chalicelib.errors import Invalid
from chalicelib.webhooks.hook_options import OptionsCache, WebhookOptions
from chalicelib.webhooks.item_extras import idempotency_key, logged_raw, resolve_pointer, with_extras
from chalicelib.webhooks.request import HttpRequest

FULL = {
    "guards": {"ip_allowlist": {"cidrs": ["192.0.2.0/24", "2001:db8::/32"]},
               "api_keys": {"header": "X-Inlet-Key", "secret_names": ["key1", "key2"]},
               "basic_auth": {"username": "ada", "password_secret_name": "pw"},
               "signature": {"preset": "github", "secret_names": ["gh", "gh-old"]}},
    "handshakes": {"meta_verify_token_secret_name": "meta", "sns_confirm": True},
    "include_headers": True, "include_method": True, "json_passthrough": False,
    "parse_json_form_fields": True, "parse_xml": True,
    "response": {"status": 202, "headers": {"X-Handled-By": "inlet"}, "body": {"ok": True}},
    "idempotency": {"header": "X-GitHub-Delivery"},
}


def test_every_option_parses_and_names_its_secrets_and_redacted_headers() -> None:
    # When
    options = WebhookOptions.from_dict(FULL)
    # Then
    assert options.secret_names == ("key1", "key2", "pw", "gh", "gh-old", "meta")
    assert "x-inlet-key" in options.redacted_headers and "authorization" in options.redacted_headers
    assert options.body_options.parse_xml and options.body_options.parse_json_form_fields
    assert options.response is not None and options.response.status == 202
    assert options.response.encoded() == (b'{"ok": true}', (("Content-Type", "application/json"), ("X-Handled-By", "inlet")))
    assert options.idempotency is not None and options.idempotency.header == "X-GitHub-Delivery"


def test_no_options_guard_nothing_and_answer_by_default() -> None:
    options = WebhookOptions.from_dict({})
    assert options == WebhookOptions.from_dict(None) and options.secret_names == () and options.response is None


@pytest.mark.parametrize("options, field", [
    ({"guard": {}}, "options.guard: unknown option"),
    ({"include_headers": "yes"}, "options.include_headers: must be true or false"),
    ({"guards": {"signature": {"preset": "gitlab", "secret_names": ["s"]}}}, "options.guards.signature.preset: unknown preset"),
    ({"guards": {"ip_allowlist": {"cidrs": ["10.0.0.1/8"]}}}, "options.guards.ip_allowlist.cidrs[0]"),
    ({"guards": []}, "options.guards: must be an object"),
    ({"handshakes": {"zoom": True}}, "options.handshakes.zoom: unknown field"),
    ({"response": {"status": 302}}, "options.response.status: must be an integer from 200 to 299"),
    ({"response": {"headers": {"Content-Length": "1"}}}, "options.response.headers.Content-Length"),
    ({"response": {"headers": {"X-A": "a\r\nSet-Cookie: x"}}}, "options.response.headers.X-A"),
    ({"response": {"body": "x" * 70000}}, "options.response.body"),
    ({"idempotency": {"header": "X-A", "pointer": "/id"}}, "options.idempotency"),
    ({"idempotency": {"pointer": "id"}}, "options.idempotency.pointer"),
    ("yes", "options: must be an object"),
])
def test_a_bad_option_is_refused_naming_the_field(options: Any, field: str) -> None:
    with pytest.raises(Invalid) as raised:
        WebhookOptions.from_dict(options)
    assert raised.value.message.startswith(field) and raised.value.code == "invalid_options"


def test_options_are_parsed_once_per_hook_while_unchanged() -> None:
    cache = OptionsCache()
    hook = Hook(id="hk_1", name="a", token="t" * 32, scenario="demo", options={"include_method": True})
    first = cache.for_hook(hook)
    assert cache.for_hook(Hook(**{**hook.to_dict(), "options": {"include_method": True}})) is first
    changed = cache.for_hook(Hook(**{**hook.to_dict(), "options": {"include_headers": True}}))
    assert changed is not first and changed.include_headers


def test_headers_and_method_are_added_under_reserved_keys_with_credentials_redacted() -> None:
    # Given
    options = WebhookOptions.from_dict({"include_headers": True, "include_method": True,
                                        "guards": {"api_keys": {"header": "X-Key", "secret_names": ["k"]}}})
    request = HttpRequest("post", "/", headers=(("X-Tag", "a"), ("x-tag", "b"), ("Authorization", "Bearer s"),
                                                ("X-Key", "secret"), ("Cookie", "c=1")))
    # When
    data = with_extras({"__method__": "sender's", "a": 1}, request, options)
    # Then
    assert data == {"a": 1, "__method__": "POST", "__headers__": {
        "x-tag": ["a", "b"], "authorization": ["[redacted]"], "x-key": ["[redacted]"], "cookie": ["[redacted]"]}}
    raw = logged_raw(HttpRequest("GET", "/", headers=request.headers, query=(("hub.verify_token", "t"), ("q", "1"))),
                     options)
    assert dict(raw.headers)["X-Key"] == "[redacted]" and raw.query == (("hub.verify_token", "[redacted]"), ("q", "1"))


def test_the_idempotency_key_comes_from_a_header_or_a_json_pointer() -> None:
    by_header = WebhookOptions.from_dict({"idempotency": {"header": "webhook-id"}})
    by_pointer = WebhookOptions.from_dict({"idempotency": {"pointer": "/data/object/id"}})
    request = HttpRequest("POST", "/", headers=(("Webhook-Id", " msg_1 "),))
    assert idempotency_key(by_header, request, {}) == "msg_1"
    assert idempotency_key(by_header, HttpRequest("POST", "/"), {}) is None
    assert idempotency_key(by_pointer, request, {"data": {"object": {"id": 42}}}) == "42"
    assert idempotency_key(by_pointer, request, {"data": {"object": {"id": {"b": 1, "a": 2}}}}) == '{"a":2,"b":1}'
    assert idempotency_key(by_pointer, request, {"data": []}) is None
    assert idempotency_key(WebhookOptions(), request, {}) is None


def test_json_pointers_follow_rfc_6901() -> None:
    document = {"a/b": {"m~n": [10, 20]}, "": 1}
    assert resolve_pointer(document, "/a~1b/m~0n/1") == (True, 20)
    assert resolve_pointer(document, "/") == (True, 1)
    assert resolve_pointer(document, "/a~1b/m~0n/01") == (False, None)
    assert resolve_pointer(document, "/a~1b/m~0n/2") == (False, None)
