"""Property: whatever a sender sends, the webhook answers without a 5xx, and every 4xx names
its problem in JSON."""
from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import Inlet

MEDIA_TYPES = st.sampled_from([
    None, "application/json", "Application/JSON; Charset=utf-8", "application/vnd.api+json",
    "application/x-www-form-urlencoded", "application/x-www-form-urlencoded; charset=latin-1",
    "multipart/form-data", "multipart/form-data; boundary=xyz", "text/plain; charset=bogus",
    "text/xml", "image/png", "", ";;;", "text/plain; charset=\"utf-8\"", "application/json; charset=utf-16"])
BODIES = st.one_of(st.binary(max_size=300), st.text(max_size=300).map(str.encode),
                   st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=10),
                                lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=5), c,
                                                                                     max_size=3),
                                max_leaves=10).map(lambda v: json.dumps(v).encode()))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=BODIES, media_type=MEDIA_TYPES, method=st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE"]),
       query=st.text(alphabet="ab[]=&%2xyz", max_size=20))
def test_no_input_yields_a_5xx(inlet: Inlet, body: bytes, media_type: str | None, method: str, query: str) -> None:
    if not hasattr(inlet, "hook"):
        inlet.hook = inlet.create_hook()  # type: ignore[attr-defined]
    headers = {} if media_type is None else {"Content-Type": media_type}
    response = inlet.post(inlet.hook, body, headers, method, "?" + query if query else "")  # type: ignore[attr-defined]
    assert response.status_code < 500
    answer = json.loads(response.body)
    if response.status_code >= 400:
        assert answer["error"] and answer["message"]
    else:
        assert answer["status"] == "queued"


GUARDED_OPTIONS = {
    "guards": {"ip_allowlist": {"cidrs": ["127.0.0.0/8"]},
               "signature": {"preset": "github", "secret_names": ["gh"]}},
    "handshakes": {"meta_verify_token_secret_name": "meta", "zoom_secret_name": "zoom", "sns_confirm": True},
    "include_headers": True, "include_method": True, "parse_json_form_fields": True, "parse_xml": True,
    "idempotency": {"header": "X-GitHub-Delivery"},
}
HEADER_NAMES = st.sampled_from([
    "X-Hub-Signature-256", "Stripe-Signature", "X-Slack-Signature", "X-Slack-Request-Timestamp",
    "webhook-signature", "webhook-timestamp", "webhook-id", "X-Shopify-Hmac-Sha256", "X-Twilio-Signature",
    "X-Forwarded-For", "Authorization", "X-GitHub-Delivery", "x-amz-sns-message-type", "Content-Encoding",
    "X-Custom", "Cookie"])
HEADER_VALUES = st.one_of(
    st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=80),
    st.sampled_from(["sha256=" + "0" * 64, "t=1,v1=zz", "v0=", "v1,!!!", "SubscriptionConfirmation",
                     "203.0.113.1, 127.0.0.1", "Basic !!", "Basic YTpi", "9" * 30]))
CHARSET_TYPES = st.sampled_from([
    "text/plain; charset=utf-7", "text/plain; charset=koi8-r", "text/xml; charset=ebcdic-cp-be",
    "application/json; charset=latin-1", "application/x-www-form-urlencoded; charset=shift_jis",
    "text/html; charset=\"\"", "application/xml; charset=utf-32", "multipart/form-data; boundary=\"b\"; charset=x"])


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=BODIES, media_type=st.one_of(MEDIA_TYPES, CHARSET_TYPES),
       method=st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE"]),
       headers=st.dictionaries(HEADER_NAMES, HEADER_VALUES, max_size=5),
       query=st.sampled_from(["", "?validationToken=x%3Cy", "?hub.mode=subscribe&hub.challenge=1&hub.verify_token=m",
                              "?a[b][c]=1&a[]=2"]),
       guarded=st.booleans(), passthrough=st.booleans())
def test_a_hook_with_guards_and_options_never_answers_a_5xx(inlet: Inlet, body: bytes, media_type: str | None,
                                                            method: str, headers: dict[str, str], query: str,
                                                            guarded: bool, passthrough: bool) -> None:
    # Given hooks with every handshake and item option, with and without guards (secrets set)
    if not hasattr(inlet, "hooks"):
        open_options = {k: v for k, v in GUARDED_OPTIONS.items() if k != "guards"}
        inlet.hooks = {  # type: ignore[attr-defined]
            (True, False): inlet.create_hook("guarded", options=GUARDED_OPTIONS),
            (False, False): inlet.create_hook("open", options=open_options),
            (True, True): inlet.create_hook("guarded-raw", options={**GUARDED_OPTIONS, "json_passthrough": True}),
            (False, True): inlet.create_hook("open-raw", options={**open_options, "json_passthrough": True})}
        for hook in inlet.hooks.values():  # type: ignore[attr-defined]
            for name, value in (("gh", "s"), ("meta", "m"), ("zoom", "z")):
                inlet.api("PUT", f"/hooks/{hook['name']}/secrets/{name}", {"value": value})
    if media_type is not None:
        headers = {**headers, "Content-Type": media_type}
    # When
    hook = inlet.hooks[(guarded, passthrough)]  # type: ignore[attr-defined]
    response = inlet.post(hook, body, headers, method, query)
    # Then
    assert response.status_code < 500, response.body
    content_type = response.headers.get("Content-Type", "")
    if response.status_code >= 400 and content_type.startswith("application/json"):
        answer = json.loads(response.body)
        assert answer.get("error") or answer.get("message"), answer
    elif response.status_code >= 400:
        assert response.body  # a handshake refusal says why in text
