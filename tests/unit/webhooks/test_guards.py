"""Per-hook guards: IP allowlist, API keys, Basic auth, signature, and the dict form."""
from __future__ import annotations

import base64
import hmac
import json
from typing import Any

import pytest

from chalicelib.webhooks.guards import (
    ApiKeyGuard,
    BasicAuthGuard,
    GuardConfig,
    GuardResult,
    IpAllowlistGuard,
    SignatureGuard,
    check_guards,
)
from chalicelib.webhooks.request import HttpRequest
from chalicelib.webhooks.signatures import HmacOptions

NOW = 1_700_000_000
BODY = b'{"id":"evt_1"}'
SECRETS = {
    "key-current": "k-2024-current",
    "key-previous": "k-2023-previous",
    "basic-pw": "p@ss:word",
    "stripe-current": "whsec_current",
    "stripe-previous": "whsec_previous",
}


def _request(headers: tuple[tuple[str, str], ...] = (), source_ip: str = "203.0.113.7", body: bytes = BODY) -> HttpRequest:
    return HttpRequest("POST", "/hooks/tok", headers=headers, body=body, source_ip=source_ip)


def _stripe_header(secret: str, ts: int = NOW, body: bytes = BODY) -> tuple[str, str]:
    signature = hmac.new(secret.encode(), f"{ts}.".encode() + body, "sha256").hexdigest()
    return ("Stripe-Signature", f"t={ts},v1={signature}")


def _basic(user: str, password: str) -> tuple[str, str]:
    return ("Authorization", "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode())


ALLOW = IpAllowlistGuard(cidrs=("203.0.113.0/24", "2001:db8::/32"))
API_KEYS = ApiKeyGuard(header="X-Api-Key", secret_names=("key-current", "key-previous"))
BASIC = BasicAuthGuard(username="inlet", password_secret_name="basic-pw")
STRIPE = SignatureGuard(preset="stripe", secret_names=("stripe-current", "stripe-previous"))


def test_a_hook_without_guards_accepts_everything() -> None:
    # When
    result = check_guards(GuardConfig(), _request(), SECRETS, NOW)
    # Then
    assert result == GuardResult(ok=True, reason="no guards configured")


# --- IP allowlist --------------------------------------------------------------------------


@pytest.mark.parametrize("address", ["203.0.113.7", "203.0.113.255", "2001:db8::1", "::ffff:203.0.113.9"])
def test_an_address_inside_the_allowlist_passes(address: str) -> None:
    # When
    result = check_guards(GuardConfig(ip_allowlist=ALLOW), _request(source_ip=address), SECRETS, NOW)
    # Then
    assert result.ok


@pytest.mark.parametrize("address", ["198.51.100.7", "2001:db9::1", "", "not-an-ip", "203.0.113.7, 10.0.0.1"])
def test_an_address_outside_the_allowlist_is_forbidden(address: str) -> None:
    # When
    result = check_guards(GuardConfig(ip_allowlist=ALLOW), _request(source_ip=address), SECRETS, NOW)
    # Then
    assert (result.ok, result.status, result.guard) == (False, 403, "ip_allowlist")


def test_a_forged_x_forwarded_for_does_not_pass_the_allowlist() -> None:
    # Given a sender outside the allowlist claiming an allowed address in the headers
    request = _request(
        headers=(("X-Forwarded-For", "203.0.113.7"), ("X-Real-IP", "203.0.113.7"), ("Forwarded", "for=203.0.113.7")),
        source_ip="198.51.100.66",
    )
    # When
    result = check_guards(GuardConfig(ip_allowlist=ALLOW), request, SECRETS, NOW)
    # Then
    assert result.status == 403
    assert result.reason == "source address 198.51.100.66 is not in the allowlist"


def test_the_ip_rule_is_checked_before_credentials() -> None:
    # Given a request outside the allowlist that also lacks its API key
    config = GuardConfig(ip_allowlist=ALLOW, api_keys=API_KEYS)
    # When
    result = check_guards(config, _request(source_ip="198.51.100.1"), SECRETS, NOW)
    # Then
    assert result.status == 403


# --- API keys ------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["k-2024-current", "k-2023-previous"])
def test_any_configured_api_key_passes(key: str) -> None:
    # When
    result = check_guards(GuardConfig(api_keys=API_KEYS), _request((("x-api-key", key),)), SECRETS, NOW)
    # Then
    assert result == GuardResult(ok=True, reason="passed: api_keys")


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ((), "missing header X-Api-Key"),
        ((("X-Api-Key", ""),), "missing header X-Api-Key"),
        ((("X-Api-Key", "k-2024-curren"),), "invalid API key in header X-Api-Key"),
        ((("X-Api-Key", "k-2024-current "),), "invalid API key in header X-Api-Key"),
        ((("X-Api-Key", "ключ"),), "invalid API key in header X-Api-Key"),
    ],
)
def test_a_missing_or_wrong_api_key_is_unauthorised(headers: tuple[tuple[str, str], ...], reason: str) -> None:
    # When
    result = check_guards(GuardConfig(api_keys=API_KEYS), _request(headers), SECRETS, NOW)
    # Then
    assert (result.status, result.guard, result.reason) == (401, "api_keys", reason)


def test_an_api_key_whose_secret_is_not_available_never_matches() -> None:
    # Given secret values that lack the configured names, or hold an empty value
    request = _request((("X-Api-Key", ""),))
    # When
    results = [
        check_guards(GuardConfig(api_keys=API_KEYS), request, {}, NOW),
        check_guards(GuardConfig(api_keys=API_KEYS), _request((("X-Api-Key", "x"),)), {"key-current": ""}, NOW),
    ]
    # Then
    assert [r.status for r in results] == [401, 401]


# --- Basic auth ----------------------------------------------------------------------------


def test_correct_basic_credentials_pass() -> None:
    # Given a password with a colon, which only the first colon splits from the user
    request = _request((_basic("inlet", "p@ss:word"),))
    # When
    result = check_guards(GuardConfig(basic_auth=BASIC), request, SECRETS, NOW)
    # Then
    assert result.ok


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        (None, "missing header Authorization"),
        (_basic("inlet", "wrong"), "invalid Basic credentials"),
        (_basic("admin", "p@ss:word"), "invalid Basic credentials"),
        (("Authorization", "Bearer abc"), "Authorization is not Basic"),
        (("Authorization", "Basic !!!"), "malformed Basic credentials"),
        (("Authorization", "Basic " + base64.b64encode(b"no-colon").decode()), "malformed Basic credentials"),
    ],
)
def test_wrong_basic_credentials_are_unauthorised_with_a_challenge(header: tuple[str, str] | None, reason: str) -> None:
    # Given
    request = _request((header,) if header else ())
    # When
    result = check_guards(GuardConfig(basic_auth=BASIC), request, SECRETS, NOW)
    # Then
    assert (result.status, result.reason) == (401, reason)
    assert dict(result.headers)["WWW-Authenticate"].startswith("Basic ")


# --- signature -----------------------------------------------------------------------------


@pytest.mark.parametrize("secret", ["whsec_current", "whsec_previous"])
def test_a_signature_made_with_any_rotated_secret_passes(secret: str) -> None:
    # When
    result = check_guards(GuardConfig(signature=STRIPE), _request((_stripe_header(secret),)), SECRETS, NOW)
    # Then
    assert result == GuardResult(ok=True, reason="passed: signature")


def test_a_bad_signature_is_unauthorised_and_names_the_preset() -> None:
    # When
    result = check_guards(GuardConfig(signature=STRIPE), _request((_stripe_header("whsec_other"),)), SECRETS, NOW)
    # Then
    assert (result.status, result.guard, result.reason) == (401, "signature", "stripe: signature mismatch")


def test_the_configured_tolerance_applies() -> None:
    # Given a request signed ten minutes ago
    request = _request((_stripe_header("whsec_current", ts=NOW - 600),))
    lenient = SignatureGuard(preset="stripe", secret_names=("stripe-current",), tolerance_seconds=900)
    # When
    strict_result = check_guards(GuardConfig(signature=STRIPE), request, SECRETS, NOW)
    lenient_result = check_guards(GuardConfig(signature=lenient), request, SECRETS, NOW)
    # Then
    assert strict_result.reason.startswith("stripe: timestamp outside tolerance")
    assert lenient_result.ok


def test_a_signature_whose_secrets_are_not_available_fails_closed() -> None:
    # When
    result = check_guards(GuardConfig(signature=STRIPE), _request((_stripe_header(""),)), {}, NOW)
    # Then
    assert (result.status, result.reason) == (401, "no signature secret available (check the secret names)")


def test_every_configured_guard_must_pass() -> None:
    # Given a good API key but a bad signature
    config = GuardConfig(ip_allowlist=ALLOW, api_keys=API_KEYS, signature=STRIPE)
    request = _request((("X-Api-Key", "k-2024-current"), _stripe_header("whsec_other")))
    good = _request((("X-Api-Key", "k-2024-current"), _stripe_header("whsec_current")))
    # When
    results = [check_guards(config, request, SECRETS, NOW), check_guards(config, good, SECRETS, NOW)]
    # Then
    assert results[0].guard == "signature"
    assert results[1] == GuardResult(ok=True, reason="passed: ip_allowlist, api_keys, signature")


def test_no_reason_contains_a_secret_value() -> None:
    # Given requests failing every credential guard
    config = GuardConfig(api_keys=API_KEYS, basic_auth=BASIC, signature=STRIPE)
    requests = [
        _request((("X-Api-Key", "k-2024-currentX"),)),
        _request((("X-Api-Key", "k-2024-current"), _basic("inlet", "p@ss:wor"))),
        _request((("X-Api-Key", "k-2024-current"), _basic("inlet", "p@ss:word"), _stripe_header("x"))),
    ]
    # When
    reasons = [check_guards(config, r, SECRETS, NOW).reason for r in requests]
    # Then
    for reason in reasons:
        for value in SECRETS.values():
            assert value not in reason


# --- dict form -----------------------------------------------------------------------------

FULL_DICT: dict[str, Any] = {
    "ip_allowlist": {"cidrs": ["203.0.113.0/24", "2001:db8::/32"]},
    "api_keys": {"header": "X-Api-Key", "secret_names": ["key-current", "key-previous"]},
    "basic_auth": {"username": "inlet", "password_secret_name": "basic-pw"},
    "signature": {
        "preset": "hmac",
        "secret_names": ["hmac-key"],
        "tolerance_seconds": 120,
        "hmac": {
            "header": "X-Sig",
            "algorithm": "sha512",
            "encoding": "base64",
            "prefix": "",
            "signed": "timestamp.body",
            "timestamp_header": "X-Ts",
        },
    },
}


def test_the_config_round_trips_through_its_dict_form() -> None:
    # When
    config = GuardConfig.from_dict(FULL_DICT)
    # Then
    assert config.to_dict() == FULL_DICT
    assert GuardConfig.from_dict(config.to_dict()) == config
    assert config.signature == SignatureGuard(
        preset="hmac",
        secret_names=("hmac-key",),
        tolerance_seconds=120,
        hmac=HmacOptions(header="X-Sig", algorithm="sha512", encoding="base64", signed="timestamp.body", timestamp_header="X-Ts"),
    )


def test_the_dict_form_names_secrets_and_never_holds_their_values() -> None:
    # Given
    config = GuardConfig(ip_allowlist=ALLOW, api_keys=API_KEYS, basic_auth=BASIC, signature=STRIPE)
    # When
    stored = json.dumps(config.to_dict())
    # Then
    for name, value in SECRETS.items():
        assert name in stored
        assert value not in stored


def test_a_preset_without_a_timestamp_has_no_tolerance() -> None:
    # When
    config = GuardConfig.from_dict({"signature": {"preset": "github", "secret_names": ["gh"]}})
    # Then
    assert config.to_dict() == {"signature": {"preset": "github", "secret_names": ["gh"]}}
    assert config.signature is not None and config.signature.tolerance_seconds is None


def test_a_null_tolerance_switches_the_timestamp_check_off() -> None:
    # When
    config = GuardConfig.from_dict({"signature": {"preset": "slack", "secret_names": ["s"], "tolerance_seconds": None}})
    # Then
    assert config.signature is not None and config.signature.tolerance_seconds is None


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"signature": {"preset": "gitlab", "secret_names": ["s"]}}, "signature.preset"),
        ({"signature": {"preset": "github", "secret_names": []}}, "signature.secret_names"),
        ({"signature": {"preset": "github", "secret_names": "s"}}, "signature.secret_names"),
        ({"signature": {"preset": "github", "secret_names": ["s"], "secret": "v"}}, "signature.secret"),
        ({"signature": {"preset": "github", "secret_names": ["s"], "tolerance_seconds": 300}}, "signature.tolerance_seconds"),
        ({"signature": {"preset": "stripe", "secret_names": ["s"], "tolerance_seconds": -1}}, "signature.tolerance_seconds"),
        ({"signature": {"preset": "stripe", "secret_names": ["s"], "tolerance_seconds": "5m"}}, "signature.tolerance_seconds"),
        ({"signature": {"preset": "hmac", "secret_names": ["s"]}}, "signature.hmac"),
        ({"signature": {"preset": "hmac", "secret_names": ["s"], "hmac": {"header": "X", "algorithm": "md5"}}}, "signature.hmac.algorithm"),
        ({"signature": {"preset": "hmac", "secret_names": ["s"], "hmac": {"header": "X", "encoding": "b32"}}}, "signature.hmac.encoding"),
        ({"ip_allowlist": {"cidrs": ["10.0.0.0/8", "10.0.0.300/32"]}}, "ip_allowlist.cidrs[1]"),
        ({"ip_allowlist": {"cidrs": ["10.0.0.5/24"]}}, "ip_allowlist.cidrs[0]"),
        ({"ip_allowlist": {"cidrs": []}}, "ip_allowlist.cidrs"),
        ({"api_keys": {"header": "X-Api-Key"}}, "api_keys.secret_names"),
        ({"api_keys": {"header": "", "secret_names": ["k"]}}, "api_keys.header"),
        ({"basic_auth": {"username": "a:b", "password_secret_name": "p"}}, "basic_auth.username"),
        ({"basic_auth": {"username": "a", "password": "hunter2"}}, "basic_auth.password"),
        ({"ip_allowlist": "10.0.0.0/8"}, "ip_allowlist"),
        ({"rate_limit": {}}, "rate_limit"),
    ],
)
def test_invalid_config_raises_a_value_error_naming_the_field(data: dict[str, Any], field: str) -> None:
    # When
    with pytest.raises(ValueError) as raised:
        GuardConfig.from_dict(data)
    # Then
    assert str(raised.value).startswith(f"{field}:")
