"""Signature verifiers: every preset against correct, tampered, wrong-secret and stale
requests, signed here with plain `hmac` rather than with the code under test."""
from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

import pytest

from chalicelib.webhooks.request import HttpRequest
from chalicelib.webhooks.signatures import (
    PRESETS,
    HmacOptions,
    Verdict,
    signed_url,
    verify_github,
    verify_hmac,
    verify_preset,
    verify_shopify,
    verify_standard_webhooks,
    verify_stripe,
    verify_twilio,
)

NOW = 1_700_000_000
JSON_BODY = '{"id":"evt_1","amount":1250,"note":"café"}'.encode()
FORM_BODY = b"From=%2B15550001111&Body=hello+there&To=%2B15550002222&Body=again"
URL = "https://hooks.example.com/hooks/tok123?lane=a"
SW_SECRET = "whsec_" + base64.b64encode(b"standard-webhooks-test-key-32byt").decode()
SW_OTHER = "whsec_" + base64.b64encode(b"another-standard-webhooks-key-00").decode()


def _mac(key: bytes, message: bytes, algorithm: str = "sha256") -> bytes:
    return hmac.new(key, message, algorithm).digest()


def _hex(key: str, message: bytes, algorithm: str = "sha256") -> str:
    return _mac(key.encode(), message, algorithm).hex()


def _b64(key: bytes, message: bytes, algorithm: str = "sha256") -> str:
    return base64.b64encode(_mac(key, message, algorithm)).decode()


def _request(headers: list[tuple[str, str]], body: bytes, url: str = URL) -> HttpRequest:
    return HttpRequest("POST", "/hooks/tok123", headers=tuple(headers), body=body, public_url=url)


# Each signer returns the headers a sender would send for `body` signed at `ts` with `secret`.
def _sign_standard(body: bytes, secret: str, ts: int) -> list[tuple[str, str]]:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signature = _b64(key, f"msg_1.{ts}.".encode() + body)
    return [("webhook-id", "msg_1"), ("webhook-timestamp", str(ts)), ("webhook-signature", f"v1,{signature}")]


def _sign_github(body: bytes, secret: str, ts: int) -> list[tuple[str, str]]:
    return [("X-Hub-Signature-256", "sha256=" + _hex(secret, body))]


def _sign_stripe(body: bytes, secret: str, ts: int) -> list[tuple[str, str]]:
    return [("Stripe-Signature", f"t={ts},v1={_hex(secret, f'{ts}.'.encode() + body)}")]


def _sign_slack(body: bytes, secret: str, ts: int) -> list[tuple[str, str]]:
    return [
        ("X-Slack-Request-Timestamp", str(ts)),
        ("X-Slack-Signature", "v0=" + _hex(secret, f"v0:{ts}:".encode() + body)),
    ]


def _sign_zoom(body: bytes, secret: str, ts: int) -> list[tuple[str, str]]:
    return [
        ("x-zm-request-timestamp", str(ts)),
        ("x-zm-signature", "v0=" + _hex(secret, f"v0:{ts}:".encode() + body)),
    ]


def _sign_shopify(body: bytes, secret: str, ts: int) -> list[tuple[str, str]]:
    return [("X-Shopify-Hmac-Sha256", _b64(secret.encode(), body))]


def _sign_twilio(body: bytes, secret: str, ts: int) -> list[tuple[str, str]]:
    # The documented algorithm: URL, then each name+value, sorted by name (values sorted).
    pairs = sorted((name, value) for name, value in _form_pairs(body))
    message = URL + "".join(name + value for name, value in pairs)
    return [
        ("Content-Type", "application/x-www-form-urlencoded"),
        ("X-Twilio-Signature", _b64(secret.encode(), message.encode(), "sha1")),
    ]


def _form_pairs(body: bytes) -> list[tuple[str, str]]:
    from urllib.parse import parse_qsl

    return parse_qsl(body.decode(), keep_blank_values=True)


HMAC_SHA1_BODY = HmacOptions(header="X-Signature", algorithm="sha1", encoding="hex", prefix="sha1=")
HMAC_SHA512_TS = HmacOptions(
    header="X-Sig", algorithm="sha512", encoding="base64", signed="timestamp.body", timestamp_header="X-Ts"
)


def _sign_hmac_sha1_body(body: bytes, secret: str, ts: int) -> list[tuple[str, str]]:
    return [("X-Signature", "sha1=" + _hex(secret, body, "sha1"))]


def _sign_hmac_sha512_ts(body: bytes, secret: str, ts: int) -> list[tuple[str, str]]:
    return [("X-Ts", str(ts)), ("X-Sig", _b64(secret.encode(), f"{ts}.".encode() + body, "sha512"))]


@dataclass(frozen=True)
class Case:
    name: str
    preset: str
    sign: Callable[[bytes, str, int], list[tuple[str, str]]]
    secret: str
    wrong_secret: str
    timestamped: bool
    body: bytes = JSON_BODY
    options: HmacOptions | None = None

    def verify(self, request: HttpRequest, secrets: list[str], now: float, tolerance: float | None = 300) -> Verdict:
        return verify_preset(self.preset, request, secrets, now=now, tolerance=tolerance, hmac_options=self.options)


CASES = [
    Case("standard_webhooks", "standard_webhooks", _sign_standard, SW_SECRET, SW_OTHER, True),
    Case("github", "github", _sign_github, "gh-secret", "gh-other", False),
    Case("stripe", "stripe", _sign_stripe, "whsec_stripe_a", "whsec_stripe_b", True),
    Case("slack", "slack", _sign_slack, "slack-secret", "slack-other", True),
    Case("zoom", "zoom", _sign_zoom, "zoom-secret", "zoom-other", True),
    Case("shopify", "shopify", _sign_shopify, "shpss_secret", "shpss_other", False),
    Case("twilio", "twilio", _sign_twilio, "auth-token", "other-token", False, body=FORM_BODY),
    Case("hmac-sha1-body", "hmac", _sign_hmac_sha1_body, "k1", "k2", False, options=HMAC_SHA1_BODY),
    Case("hmac-sha512-timestamp", "hmac", _sign_hmac_sha512_ts, "k1", "k2", True, options=HMAC_SHA512_TS),
]
IDS = [case.name for case in CASES]
TIMESTAMPED = [case for case in CASES if case.timestamped]
UNTIMESTAMPED = [case for case in CASES if not case.timestamped]


def test_every_preset_is_covered() -> None:
    assert {case.preset for case in CASES} == set(PRESETS)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_a_correctly_signed_request_verifies(case: Case) -> None:
    # Given
    request = _request(case.sign(case.body, case.secret, NOW), case.body)
    # When
    verdict = case.verify(request, [case.secret], now=NOW + 10)
    # Then
    assert verdict == Verdict(True, "signature verified")


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_a_tampered_body_is_a_signature_mismatch(case: Case) -> None:
    # Given one more space: the bytes differ, the meaning does not
    request = _request(case.sign(case.body, case.secret, NOW), case.body + b" ")
    # When
    verdict = case.verify(request, [case.secret], now=NOW)
    # Then
    assert verdict == Verdict(False, "signature mismatch")


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_a_wrong_secret_is_a_signature_mismatch(case: Case) -> None:
    # Given
    request = _request(case.sign(case.body, case.wrong_secret, NOW), case.body)
    # When
    verdict = case.verify(request, [case.secret], now=NOW)
    # Then
    assert verdict == Verdict(False, "signature mismatch")


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_any_of_several_secrets_may_match_during_rotation(case: Case) -> None:
    # Given
    request = _request(case.sign(case.body, case.secret, NOW), case.body)
    # When
    verdict = case.verify(request, [case.wrong_secret, case.secret], now=NOW)
    # Then
    assert verdict.ok


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_the_reason_never_contains_the_secret(case: Case) -> None:
    # Given requests that fail in every way a verifier reports
    signed = case.sign(case.body, case.secret, NOW)
    requests = [
        _request(signed, case.body + b"x"),
        _request([(name, value + "zz") for name, value in signed], case.body),
        _request([], case.body),
    ]
    # When
    verdicts = [case.verify(r, [case.secret], now=NOW + 10_000) for r in requests]
    # Then
    for verdict in verdicts:
        assert not verdict.ok
        assert case.secret not in verdict.reason


@pytest.mark.parametrize("case", TIMESTAMPED, ids=[c.name for c in TIMESTAMPED])
def test_a_stale_timestamp_is_rejected_even_with_a_valid_signature(case: Case) -> None:
    # Given a request signed 301 s before the clock
    request = _request(case.sign(case.body, case.secret, NOW - 301), case.body)
    # When
    verdict = case.verify(request, [case.secret], now=NOW, tolerance=300)
    # Then
    assert verdict == Verdict(False, "timestamp outside tolerance (301 s old, tolerance 300 s)")


@pytest.mark.parametrize("case", TIMESTAMPED, ids=[c.name for c in TIMESTAMPED])
def test_a_timestamp_too_far_in_the_future_is_rejected(case: Case) -> None:
    # Given
    request = _request(case.sign(case.body, case.secret, NOW + 400), case.body)
    # When
    verdict = case.verify(request, [case.secret], now=NOW, tolerance=300)
    # Then
    assert verdict == Verdict(False, "timestamp outside tolerance (400 s in the future, tolerance 300 s)")


@pytest.mark.parametrize("case", TIMESTAMPED, ids=[c.name for c in TIMESTAMPED])
def test_no_tolerance_switches_the_timestamp_check_off(case: Case) -> None:
    # Given a request signed a year ago
    request = _request(case.sign(case.body, case.secret, NOW - 31_536_000), case.body)
    # When
    verdict = case.verify(request, [case.secret], now=NOW, tolerance=None)
    # Then
    assert verdict.ok


@pytest.mark.parametrize("case", UNTIMESTAMPED, ids=[c.name for c in UNTIMESTAMPED])
def test_a_preset_that_signs_no_timestamp_cannot_tell_a_stale_request(case: Case) -> None:
    # Given a request signed long ago (replays are stopped by the idempotency key, not here)
    request = _request(case.sign(case.body, case.secret, NOW - 31_536_000), case.body)
    # When
    verdict = case.verify(request, [case.secret], now=NOW, tolerance=300)
    # Then
    assert verdict.ok


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_no_usable_secret_fails_closed(case: Case) -> None:
    # Given a request signed with an empty key, which anyone could compute
    request = _request(case.sign(case.body, "", NOW), case.body)
    # When
    verdicts = [case.verify(request, [], now=NOW), case.verify(request, [""], now=NOW)]
    # Then
    assert [v.ok for v in verdicts] == [False, False]


def test_an_unknown_preset_fails_closed() -> None:
    # Given
    request = _request(_sign_github(JSON_BODY, "s", NOW), JSON_BODY)
    # When
    verdict = verify_preset("github-v2", request, ["s"], now=NOW)
    # Then
    assert verdict == Verdict(False, "unknown signature preset 'github-v2'")


def test_the_hmac_preset_without_options_fails_closed() -> None:
    # Given
    request = _request(_sign_hmac_sha1_body(JSON_BODY, "s", NOW), JSON_BODY)
    # When
    verdict = verify_preset("hmac", request, ["s"], now=NOW)
    # Then
    assert not verdict.ok and "needs options" in verdict.reason


def test_a_bare_string_is_one_secret_not_one_per_character() -> None:
    # Given a signature made with the key "a"
    request = _request(_sign_github(JSON_BODY, "a", NOW), JSON_BODY)
    # When the configured secret is "abc"
    verdict = verify_github(JSON_BODY, request, "abc")
    # Then
    assert verdict == Verdict(False, "signature mismatch")


# --- per preset ----------------------------------------------------------------------------


def test_github_names_the_missing_header() -> None:
    # Given
    request = _request([], JSON_BODY)
    # When
    verdict = verify_github(JSON_BODY, request, ["s"])
    # Then
    assert verdict == Verdict(False, "missing header X-Hub-Signature-256")


def test_github_rejects_a_sha1_signature_in_the_sha256_header() -> None:
    # Given
    request = _request([("X-Hub-Signature-256", "sha1=" + _hex("s", JSON_BODY, "sha1"))], JSON_BODY)
    # When
    verdict = verify_github(JSON_BODY, request, ["s"])
    # Then
    assert verdict == Verdict(False, "malformed header X-Hub-Signature-256 (expected prefix 'sha256=')")


def test_github_accepts_upper_case_hex() -> None:
    # Given
    request = _request([("X-Hub-Signature-256", "sha256=" + _hex("s", JSON_BODY).upper())], JSON_BODY)
    # When
    verdict = verify_github(JSON_BODY, request, ["s"])
    # Then
    assert verdict.ok


def test_standard_webhooks_matches_the_specification_example() -> None:
    # Given the example from the Standard Webhooks specification
    request = _request(
        [
            ("webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek"),
            ("webhook-timestamp", "1614265330"),
            ("webhook-signature", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="),
        ],
        b'{"test": 2432232314}',
    )
    # When
    verdict = verify_standard_webhooks(
        request.body, request, ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"], now=1614265330
    )
    # Then
    assert verdict.ok


def test_standard_webhooks_accepts_any_of_several_signatures_and_skips_other_versions() -> None:
    # Given one signature per secret being rotated, and an asymmetric one it does not use
    mine = dict(_sign_standard(JSON_BODY, SW_SECRET, NOW))["webhook-signature"]
    other = dict(_sign_standard(JSON_BODY, SW_OTHER, NOW))["webhook-signature"]
    headers = [
        ("webhook-id", "msg_1"),
        ("webhook-timestamp", str(NOW)),
        ("webhook-signature", f"v1a,AAAA {other} {mine}"),
    ]
    # When
    verdict = verify_standard_webhooks(JSON_BODY, _request(headers, JSON_BODY), [SW_SECRET], now=NOW)
    # Then
    assert verdict.ok


def test_standard_webhooks_reads_svix_headers() -> None:
    # Given
    headers = [(name.replace("webhook-", "svix-"), value) for name, value in _sign_standard(JSON_BODY, SW_SECRET, NOW)]
    # When
    verdict = verify_standard_webhooks(JSON_BODY, _request(headers, JSON_BODY), [SW_SECRET], now=NOW)
    # Then
    assert verdict.ok


def test_standard_webhooks_reports_a_secret_that_is_not_base64() -> None:
    # Given
    request = _request(_sign_standard(JSON_BODY, SW_SECRET, NOW), JSON_BODY)
    # When
    verdict = verify_standard_webhooks(JSON_BODY, request, ["whsec_not base64!"], now=NOW)
    # Then
    assert verdict == Verdict(False, "no usable secret (expected whsec_<base64>)")


def test_stripe_accepts_any_v1_and_ignores_v0() -> None:
    # Given a header with a v1 for an old secret, a v1 for the current one, and a v0
    ts = NOW
    old = _hex("whsec_old", f"{ts}.".encode() + JSON_BODY)
    new = _hex("whsec_new", f"{ts}.".encode() + JSON_BODY)
    request = _request([("Stripe-Signature", f"t={ts},v1={old},v1={new},v0={new}")], JSON_BODY)
    # When
    verdict = verify_stripe(JSON_BODY, request, ["whsec_new"], now=NOW)
    # Then
    assert verdict.ok


def test_stripe_does_not_accept_a_v0_signature_alone() -> None:
    # Given
    v0 = _hex("whsec_a", f"{NOW}.".encode() + JSON_BODY)
    request = _request([("Stripe-Signature", f"t={NOW},v0={v0}")], JSON_BODY)
    # When
    verdict = verify_stripe(JSON_BODY, request, ["whsec_a"], now=NOW)
    # Then
    assert verdict == Verdict(False, "malformed header Stripe-Signature (no v1 signature)")


def test_stripe_default_tolerance_is_five_minutes() -> None:
    # Given
    request = _request(_sign_stripe(JSON_BODY, "whsec_a", NOW), JSON_BODY)
    # When
    verdicts = [verify_stripe(JSON_BODY, request, ["whsec_a"], now=NOW + dt) for dt in (300, 301)]
    # Then
    assert [v.ok for v in verdicts] == [True, False]


def test_a_timestamp_that_is_not_integer_seconds_is_malformed() -> None:
    # Given
    body = JSON_BODY
    request = _request([("Stripe-Signature", f"t=1.7e9,v1={_hex('k', b'1.7e9.' + body)}")], body)
    # When
    verdict = verify_stripe(body, request, ["k"], now=NOW)
    # Then
    assert verdict == Verdict(False, "malformed timestamp (expected integer seconds)")


def test_shopify_rejects_a_signature_that_is_not_base64() -> None:
    # Given
    request = _request([("X-Shopify-Hmac-Sha256", "not*base64")], JSON_BODY)
    # When
    verdict = verify_shopify(JSON_BODY, request, ["s"])
    # Then
    assert verdict == Verdict(False, "malformed header X-Shopify-Hmac-Sha256 (not base64)")


# Twilio: the test vectors of twilio-python's RequestValidator tests (auth token "12345").
TWILIO_URI = "https://mycompany.com/myapp.php?foo=1&bar=2"
TWILIO_PARAMS = {
    "CallSid": "CA1234567890ABCDE",
    "Digits": "1234",
    "From": "+14158675309",
    "To": "+18005551212",
    "Caller": "+14158675309",
}
TWILIO_FORM = (("Content-Type", "application/x-www-form-urlencoded"),)


def _twilio(signature: str, content_type: tuple[tuple[str, str], ...] = TWILIO_FORM) -> HttpRequest:
    return HttpRequest("POST", "/", headers=content_type + (("X-Twilio-Signature", signature),))


@pytest.mark.parametrize(
    ("url", "signature"),
    [
        (TWILIO_URI, "RSOYDt4T1cUTdK1PDd93/VVr8B8="),
        (TWILIO_URI.replace(".com", ".com:1234"), "RSOYDt4T1cUTdK1PDd93/VVr8B8="),
        (TWILIO_URI.replace(".com", ".com:1234").replace("https", "http"), "Zmvh+3yNM1Phv2jhDCwEM3q5ebU="),
        (TWILIO_URI, "kvajT1Ptam85bY51eRf/AJRuM3w="),
        (TWILIO_URI.replace("https", "http"), "0ZXoZLH/DfblKGATFgpif+LLRf4="),
    ],
    ids=["as-given", "port-removed", "other-port-kept", "https-port-added", "http-port-added"],
)
def test_twilio_matches_its_reference_vectors_with_and_without_the_port(url: str, signature: str) -> None:
    # Given
    body = urlencode(TWILIO_PARAMS).encode()
    # When
    verdict = verify_twilio(url, body, _twilio(signature), ["12345"])
    # Then
    assert verdict.ok


def test_twilio_sorts_repeated_parameters_by_value() -> None:
    # Given
    body = b"Sid=CA123&SidAccount=AC123&Digits=5678&Digits=1234"
    # When
    verdict = verify_twilio(TWILIO_URI, body, _twilio("IK+Dwps556ElfBT0I3Rgjkr1wJU="), ["12345"])
    # Then
    assert verdict.ok


def test_twilio_json_body_is_checked_through_body_sha256() -> None:
    # Given
    body = b'{"property": "value", "boolean": true}'
    url = TWILIO_URI + "&bodySHA256=0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620"
    json_type = (("Content-Type", "application/json"),)
    # When
    good = verify_twilio(url, body, _twilio("a9nBmqA0ju/hNViExpshrM61xv4=", json_type), ["12345"])
    tampered = verify_twilio(url, body + b" ", _twilio("a9nBmqA0ju/hNViExpshrM61xv4=", json_type), ["12345"])
    # Then
    assert good.ok
    assert tampered == Verdict(False, "body does not match bodySHA256")


def test_twilio_signs_the_url_with_its_query_string() -> None:
    # Given a request whose public URL lacks the query API Gateway parsed
    request = HttpRequest("POST", "/hooks/t", query=(("foo", "1"), ("bar", "2")), public_url="https://mycompany.com/myapp.php")
    # When
    url = signed_url(request)
    # Then
    assert url == TWILIO_URI


def test_generic_hmac_rejects_a_missing_prefix() -> None:
    # Given
    request = _request([("X-Signature", _hex("k", JSON_BODY, "sha1"))], JSON_BODY)
    # When
    verdict = verify_hmac(JSON_BODY, request, ["k"], HMAC_SHA1_BODY, now=NOW)
    # Then
    assert verdict == Verdict(False, "malformed header X-Signature (expected prefix 'sha1=')")


def test_generic_hmac_names_the_missing_timestamp_header() -> None:
    # Given
    request = _request([("X-Sig", "AAAA")], JSON_BODY)
    # When
    verdict = verify_hmac(JSON_BODY, request, ["k"], HMAC_SHA512_TS, now=NOW)
    # Then
    assert verdict == Verdict(False, "missing header X-Ts")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"header": "X-S", "algorithm": "md5"}, "algorithm"),
        ({"header": "X-S", "encoding": "base32"}, "encoding"),
        ({"header": "X-S", "signed": "timestamp.body"}, "timestamp_header"),
        ({"header": "X-S", "signed": "body+url"}, "signed"),
        ({"header": ""}, "header"),
    ],
)
def test_generic_hmac_options_name_the_bad_field(kwargs: dict[str, str], field: str) -> None:
    # When
    with pytest.raises(ValueError) as raised:
        HmacOptions(**kwargs)  # type: ignore[arg-type]
    # Then
    assert str(raised.value).startswith(f"{field}:")


def test_twilio_rejects_a_body_that_the_signature_does_not_cover() -> None:
    # Given a valid URL-only signature (as for a GET) replayed as a JSON post without bodySHA256
    url_only = base64.b64encode(hmac.new(b"12345", TWILIO_URI.encode(), "sha1").digest()).decode()
    json_type = (("Content-Type", "application/json"),)
    # When
    bare = verify_twilio(TWILIO_URI, b"", _twilio(url_only, json_type), ["12345"])
    with_body = verify_twilio(TWILIO_URI, b'{"amount": 1000000}', _twilio(url_only, json_type), ["12345"])
    # Then
    assert bare.ok
    assert with_body == Verdict(False, "body not covered by the signature (no bodySHA256, not a form post)")
