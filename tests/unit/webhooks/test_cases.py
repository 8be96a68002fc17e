"""Cases from real-world reports (tests/fixtures/cases): C09, C10, C12 and C27."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from chalicelib.webhooks.guards import GuardConfig, SignatureGuard, check_guards
from chalicelib.webhooks.handshakes import HandshakeOptions, answer_handshake
from chalicelib.webhooks.request import HttpRequest
from chalicelib.webhooks.signatures import verify_github, verify_preset, verify_slack, verify_stripe

CASES = Path(__file__).resolve().parents[2] / "fixtures" / "cases"
FIXED_CLOCK = 1_700_000_000


def _case(case_id: str) -> dict[str, Any]:
    (path,) = CASES.glob(f"{case_id}-*.json")
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _request(case: dict[str, Any]) -> HttpRequest:
    path, _, query = case["path"].partition("?")
    return HttpRequest(
        method=case["method"],
        path=path,
        headers=tuple((name, value) for name, value in case["headers"]),
        body=case["body"].encode("utf-8"),
        source_ip="192.0.2.10",
        public_url=f"https://hooks.example.com{case['path']}",
    )


def test_c09_github_form_payload_is_verified_over_the_raw_form_bytes() -> None:
    # Given
    case = _case("C09")
    request = _request(case)
    # When
    verdict = verify_github(request.body, request, [case["test_secret"]])
    # Then
    assert verdict.ok is case["expected"]["signature_valid"]


def test_c09_github_signature_does_not_hold_for_the_decoded_payload() -> None:
    # Given the JSON inside payload=, which is what a framework hands over after parsing
    case = _case("C09")
    request = _request(case)
    decoded = json.dumps(case["expected"]["parsed"]["payload"]).encode()
    # When
    verdict = verify_github(decoded, request, [case["test_secret"]])
    # Then
    assert not verdict.ok


def test_c10_stripe_signature_holds_over_the_raw_body_at_its_timestamp() -> None:
    # Given
    case = _case("C10")
    request = _request(case)
    # When
    at_fixed_clock = verify_stripe(request.body, request, [case["test_secret"]], now=FIXED_CLOCK)
    without_tolerance = verify_stripe(request.body, request, [case["test_secret"]], now=FIXED_CLOCK + 10**6, tolerance=None)
    # Then
    assert at_fixed_clock.ok is case["expected"]["signature_valid"]
    assert without_tolerance.ok


def test_c10_stripe_signature_fails_against_re_serialised_json() -> None:
    # Given the same event after json.loads and json.dumps (whitespace and \u escapes change)
    case = _case("C10")
    request = _request(case)
    reserialised = json.dumps(json.loads(request.body)).encode()
    # When
    verdict = verify_stripe(reserialised, request, [case["test_secret"]], now=FIXED_CLOCK)
    # Then
    assert reserialised != request.body
    assert verdict.reason == "signature mismatch"


def test_c10_stripe_signature_is_stale_against_the_real_clock() -> None:
    # Given
    case = _case("C10")
    request = _request(case)
    # When
    verdict = verify_preset("stripe", request, [case["test_secret"]], now=FIXED_CLOCK + 3600)
    # Then
    assert verdict.reason.startswith("timestamp outside tolerance")


def test_c12_slack_url_verification_is_verified_then_answered_with_the_challenge() -> None:
    # Given a hook with the Slack preset and its secret
    case = _case("C12")
    request = _request(case)
    config = GuardConfig(signature=SignatureGuard(preset="slack", secret_names=("slack",)))
    secrets = {"slack": case["test_secret"]}
    # When the caller runs the guards first, then the handshake
    guards = check_guards(config, request, secrets, FIXED_CLOCK)
    answer = answer_handshake(request, HandshakeOptions(), secrets, guards=guards)
    # Then
    assert guards.ok is case["expected"]["signature_valid"]
    assert answer is not None
    assert answer.status == case["expected"]["status"]
    assert answer.kind == "slack_url_verification"
    assert json.loads(answer.body) == case["expected"]["response_body"]


def test_c12_slack_url_verification_with_a_wrong_secret_is_not_answered() -> None:
    # Given
    case = _case("C12")
    request = _request(case)
    config = GuardConfig(signature=SignatureGuard(preset="slack", secret_names=("slack",)))
    secrets = {"slack": "not-the-signing-secret"}
    # When
    guards = check_guards(config, request, secrets, FIXED_CLOCK)
    answer = answer_handshake(request, HandshakeOptions(), secrets, guards=guards)
    # Then
    assert (guards.status, answer) == (401, None)
    assert verify_slack(request.body, request, [case["test_secret"]], now=FIXED_CLOCK).ok


def test_c27_sns_notification_sent_as_text_plain_is_no_handshake() -> None:
    # Given
    case = _case("C27")
    request = _request(case)
    # When
    answer = answer_handshake(request, HandshakeOptions(sns_confirm=True), {}, guards=check_guards(GuardConfig(), request, {}, 0))
    # Then it goes on to be parsed and queued as an item
    assert answer is None


def test_c27_sns_subscription_confirmation_variant_is_a_handshake_with_a_confirm_url() -> None:
    # Given C27 turned into the SubscriptionConfirmation that precedes its notifications
    case = _case("C27")
    body = json.loads(case["body"])
    subscribe_url = (
        "https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription"
        f"&TopicArn={body['TopicArn']}&Token=2336412f37fb687f5d51e6e241d09c805a5a57b30d"
    )
    body.update(Type="SubscriptionConfirmation", SubscribeURL=subscribe_url, Token="2336412f37fb687f5d51e6e241d09c805a5a57b30d")
    del body["Subject"]
    headers = [[n, "SubscriptionConfirmation" if n == "x-amz-sns-message-type" else v] for n, v in case["headers"]]
    request = _request({**case, "headers": headers, "body": json.dumps(body)})
    guards = check_guards(GuardConfig(), request, {}, 0)
    # When
    answer = answer_handshake(request, HandshakeOptions(sns_confirm=True), {}, guards=guards)
    # Then
    assert answer is not None
    assert (answer.kind, answer.status, answer.confirm_url) == ("sns_subscription_confirmation", 200, subscribe_url)
