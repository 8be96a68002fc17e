"""Built-in handshakes: Slack, Meta, Microsoft Graph, Zoom and SNS, and the guard order."""
from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import pytest

from chalicelib.webhooks.guards import GuardResult
from chalicelib.webhooks.handshakes import HandshakeAnswer, HandshakeOptions, answer_handshake, is_sns_host
from chalicelib.webhooks.request import HttpRequest

PASSED = GuardResult(ok=True, reason="passed: signature")
NO_GUARDS = GuardResult(ok=True, reason="no guards configured")
BAD_SIGNATURE = GuardResult(ok=False, status=401, reason="slack: signature mismatch", guard="signature")
OUTSIDE_ALLOWLIST = GuardResult(ok=False, status=403, reason="source address …", guard="ip_allowlist")
SECRETS = {"meta-token": "meta-verify-123", "zoom-secret": "zoom-secret-token"}
OPTIONS = HandshakeOptions(
    meta_verify_token_secret_name="meta-token", zoom_secret_name="zoom-secret", sns_confirm=True
)


def _post(body: bytes | str, headers: tuple[tuple[str, str], ...] = (), query: tuple[tuple[str, str], ...] = ()) -> HttpRequest:
    raw = body.encode() if isinstance(body, str) else body
    return HttpRequest("POST", "/hooks/tok", headers=headers, query=query, body=raw)


def _get(query: tuple[tuple[str, str], ...]) -> HttpRequest:
    return HttpRequest("GET", "/hooks/tok", query=query)


def _json_body(answer: HandshakeAnswer | None) -> Any:
    assert answer is not None
    return json.loads(answer.body)


# --- Slack ---------------------------------------------------------------------------------

SLACK_CHALLENGE = '{"token":"t","challenge":"abc123","type":"url_verification"}'


def test_slack_url_verification_is_answered_with_the_challenge_as_json() -> None:
    # When
    answer = answer_handshake(_post(SLACK_CHALLENGE), HandshakeOptions(), {}, guards=PASSED)
    # Then
    assert answer is not None
    assert (answer.kind, answer.status) == ("slack_url_verification", 200)
    assert dict(answer.headers)["Content-Type"] == "application/json"
    assert _json_body(answer) == {"challenge": "abc123"}


def test_slack_url_verification_with_a_bad_signature_is_not_answered() -> None:
    # When the guards (the Slack preset) failed
    answer = answer_handshake(_post(SLACK_CHALLENGE), HandshakeOptions(), {}, guards=BAD_SIGNATURE)
    # Then the caller rejects it with the guard's 401
    assert answer is None


@pytest.mark.parametrize(
    "body",
    [
        '{"type":"event_callback","event":{"text":"url_verification"}}',
        '{"type":"url_verification","challenge":42}',
        '["url_verification"]',
        "url_verification",
        "[" * 50_000 + "url_verification",
    ],
)
def test_a_body_that_merely_mentions_url_verification_is_no_handshake(body: str) -> None:
    # When
    answer = answer_handshake(_post(body), HandshakeOptions(), {}, guards=PASSED)
    # Then
    assert answer is None


def test_slack_handshake_can_be_switched_off() -> None:
    # When
    answer = answer_handshake(_post(SLACK_CHALLENGE), HandshakeOptions(slack=False), {}, guards=PASSED)
    # Then
    assert answer is None


# --- Meta ----------------------------------------------------------------------------------

META_QUERY = (("hub.mode", "subscribe"), ("hub.challenge", "1158201444"), ("hub.verify_token", "meta-verify-123"))


def test_meta_challenge_is_answered_as_text_when_the_verify_token_matches() -> None:
    # When
    answer = answer_handshake(_get(META_QUERY), OPTIONS, SECRETS, guards=PASSED)
    # Then
    assert answer == HandshakeAnswer(
        kind="meta_verification",
        status=200,
        headers=(
            ("Content-Type", "text/plain; charset=utf-8"),
            ("X-Content-Type-Options", "nosniff"),
            ("Cache-Control", "no-store"),
        ),
        body=b"1158201444",
    )


@pytest.mark.parametrize("token", ["meta-verify-12", "META-VERIFY-123", "", "meta-verify-123 "])
def test_meta_challenge_with_a_wrong_verify_token_is_forbidden(token: str) -> None:
    # Given
    query = META_QUERY[:2] + (("hub.verify_token", token),)
    # When
    answer = answer_handshake(_get(query), OPTIONS, SECRETS, guards=PASSED)
    # Then
    assert answer is not None
    assert (answer.kind, answer.status) == ("meta_verification_rejected", 403)
    assert b"1158201444" not in answer.body


def test_meta_challenge_is_forbidden_when_the_token_secret_is_missing() -> None:
    # Given a verify token name with no value, and a request sending an empty token
    query = META_QUERY[:2] + (("hub.verify_token", ""),)
    # When
    answer = answer_handshake(_get(query), OPTIONS, {}, guards=PASSED)
    # Then
    assert answer is not None and answer.status == 403


def test_meta_challenge_is_no_handshake_for_a_hook_without_a_verify_token() -> None:
    # When
    answer = answer_handshake(_get(META_QUERY), HandshakeOptions(), SECRETS, guards=PASSED)
    # Then
    assert answer is None


def test_meta_challenge_is_answered_although_it_carries_no_signature() -> None:
    # Given a hook whose signature guard failed, as it must on Meta's unsigned GET
    # When
    answer = answer_handshake(_get(META_QUERY), OPTIONS, SECRETS, guards=BAD_SIGNATURE)
    # Then
    assert answer is not None and answer.status == 200


@pytest.mark.parametrize(
    "request_",
    [
        _get(META_QUERY),
        _post("", query=(("validationToken", "token"),)),
        _post(SLACK_CHALLENGE),
    ],
    ids=["meta", "graph", "slack"],
)
def test_no_handshake_is_answered_outside_the_ip_allowlist(request_: HttpRequest) -> None:
    # When
    answer = answer_handshake(request_, OPTIONS, SECRETS, guards=OUTSIDE_ALLOWLIST)
    # Then
    assert answer is None


# --- Microsoft Graph -----------------------------------------------------------------------


def test_graph_validation_token_is_echoed_as_plain_text() -> None:
    # Given the token as API Gateway hands it over, already URL-decoded
    token = "Validation: Testing client application reachability for subscription Request-Id: 6a8d…"
    request = _post("", headers=(("Content-Type", "text/plain"),), query=(("validationToken", token),))
    # When
    answer = answer_handshake(request, HandshakeOptions(), {}, guards=BAD_SIGNATURE)
    # Then
    assert answer is not None
    assert (answer.kind, answer.status, answer.body) == ("graph_validation", 200, token.encode())
    assert dict(answer.headers)["Content-Type"] == "text/plain; charset=utf-8"


def test_graph_validation_is_only_a_post_and_can_be_switched_off() -> None:
    # Given
    query = (("validationToken", "t"),)
    # When
    answers = [
        answer_handshake(_get(query), HandshakeOptions(), {}, guards=PASSED),
        answer_handshake(_post("", query=query), HandshakeOptions(microsoft_graph=False), {}, guards=PASSED),
    ]
    # Then
    assert answers == [None, None]


# --- Zoom ----------------------------------------------------------------------------------

ZOOM_BODY = '{"payload":{"plainToken":"qgg8vlvZRS6UYooatFL8Aw"},"event_ts":1654503849680,"event":"endpoint.url_validation"}'


def test_zoom_url_validation_returns_the_token_and_its_hmac() -> None:
    # Given
    expected = hmac.new(b"zoom-secret-token", b"qgg8vlvZRS6UYooatFL8Aw", hashlib.sha256).hexdigest()
    # When
    answer = answer_handshake(_post(ZOOM_BODY), OPTIONS, SECRETS, guards=PASSED)
    # Then
    assert answer is not None and answer.kind == "zoom_url_validation"
    assert _json_body(answer) == {"plainToken": "qgg8vlvZRS6UYooatFL8Aw", "encryptedToken": expected}


def test_zoom_url_validation_needs_the_secret() -> None:
    # When
    unconfigured = answer_handshake(_post(ZOOM_BODY), HandshakeOptions(), SECRETS, guards=PASSED)
    missing_value = answer_handshake(_post(ZOOM_BODY), OPTIONS, {}, guards=PASSED)
    # Then
    assert unconfigured is None
    assert missing_value is not None and missing_value.status == 403


def test_zoom_url_validation_without_a_plain_token_is_bad_input() -> None:
    # When
    answer = answer_handshake(_post('{"event":"endpoint.url_validation","payload":{}}'), OPTIONS, SECRETS, guards=PASSED)
    # Then
    assert answer is not None and answer.status == 400


# --- SNS -----------------------------------------------------------------------------------

TOPIC = "arn:aws:sns:us-east-1:123456789012:example"
SUBSCRIBE_URL = (
    "https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription"
    f"&TopicArn={TOPIC}&Token=2336412f37fb687f5d51e6e241d09c805a5a57b30d712f794cc5f6a988666d92768dd60a74"
)


def _sns(subscribe_url: str = SUBSCRIBE_URL, topic: str = TOPIC, message_type: str = "SubscriptionConfirmation") -> HttpRequest:
    body = {
        "Type": message_type,
        "MessageId": "165545c9-2a5c-472c-8df2-7ff2be2b3b1b",
        "Token": "2336412f37…",
        "TopicArn": topic,
        "Message": "You have chosen to subscribe to the topic …",
        "SubscribeURL": subscribe_url,
        "Timestamp": "2024-01-01T00:00:00.000Z",
        "SignatureVersion": "1",
        "Signature": "EXAMPLE",
        "SigningCertURL": "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-example.pem",
    }
    headers = (("Content-Type", "text/plain; charset=UTF-8"), ("x-amz-sns-message-type", message_type))
    return _post(json.dumps(body), headers=headers)


def test_sns_subscription_confirmation_returns_the_url_to_confirm() -> None:
    # When
    answer = answer_handshake(_sns(), OPTIONS, SECRETS, guards=NO_GUARDS)
    # Then
    assert answer is not None
    assert (answer.kind, answer.status, answer.confirm_url) == ("sns_subscription_confirmation", 200, SUBSCRIBE_URL)


def test_sns_subscription_confirmation_is_an_ordinary_item_when_confirming_is_off() -> None:
    # When
    answer = answer_handshake(_sns(), HandshakeOptions(), SECRETS, guards=NO_GUARDS)
    # Then
    assert answer is None


@pytest.mark.parametrize(
    ("request_", "reason"),
    [
        (_sns(subscribe_url=SUBSCRIBE_URL.replace("amazonaws.com/", "amazonaws.com.evil.example/")), "SubscribeURL is not an SNS endpoint"),
        (_sns(subscribe_url=SUBSCRIBE_URL.replace("https:", "http:")), "SubscribeURL is not an SNS endpoint"),
        (_sns(subscribe_url=SUBSCRIBE_URL.replace("us-east-1.amazonaws", "eu-west-1.amazonaws")), "SubscribeURL region does not match TopicArn"),
        (_sns(topic="arn:aws:sns:us-east-1:999999999999:other"), "topic is not allowed for this hook"),
        (_post("not json", headers=(("x-amz-sns-message-type", "SubscriptionConfirmation"),)), "body is not an SNS SubscriptionConfirmation"),
    ],
    ids=["lookalike-host", "plain-http", "region-mismatch", "topic-not-allowed", "not-json"],
)
def test_a_suspicious_sns_confirmation_is_refused_without_a_url(request_: HttpRequest, reason: str) -> None:
    # Given a hook limited to one topic
    options = HandshakeOptions(sns_confirm=True, sns_topic_arns=(TOPIC,))
    # When
    answer = answer_handshake(request_, options, SECRETS, guards=NO_GUARDS)
    # Then
    assert answer is not None
    assert answer.kind == "sns_subscription_rejected" and answer.confirm_url is None
    assert _json_body(answer) == {"error": reason}


def test_sns_confirmation_is_not_answered_when_a_guard_failed() -> None:
    # Given a hook with Basic auth (which SNS can send) and a request without it
    failed = GuardResult(ok=False, status=401, reason="missing header Authorization", guard="basic_auth")
    # When
    answer = answer_handshake(_sns(), OPTIONS, SECRETS, guards=failed)
    # Then
    assert answer is None


@pytest.mark.parametrize(
    "url",
    [
        "https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&Token=x",
        "https://sns.eu-central-1.amazonaws.com/",
        "https://sns.us-gov-west-1.amazonaws.com/",
        "https://sns.ap-southeast-2.amazonaws.com:443/x",
        "https://SNS.US-EAST-1.AMAZONAWS.COM/",
        "https://sns.cn-north-1.amazonaws.com.cn/",
    ],
)
def test_sns_hosts_are_recognised(url: str) -> None:
    assert is_sns_host(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://sns.us-east-1.amazonaws.com.evil.example/",
        "https://sns.us-east-1.amazonaws.com.evil.example",
        "https://evil.example/sns.us-east-1.amazonaws.com/",
        "https://sns.us-east-1.amazonaws.com@evil.example/",
        "https://evil.example@sns.us-east-1.amazonaws.com/",
        "https://sns.us-east-1.amazonaws.com\\@evil.example/",
        "https://sns.us-east-1.amazonaws.com%2eevil.example/",
        "https://sns.us-east-1.amazonaws.com./",
        "https://sns.us-east-1.amazonaws.com:8443/",
        "https://sns.evil.amazonaws.com/",
        "https://evilsns.us-east-1.amazonaws.com/",
        "https://sqs.us-east-1.amazonaws.com/",
        "https://sns.us-east-1.amazonaws.com.cn/",
        "https://sns.cn-north-1.amazonaws.com/",
        "http://sns.us-east-1.amazonaws.com/",
        "https://sns.us-east-1.amazonaws.com\n.evil.example/",
        "https://sns.us-east-1.amazonaws.com /",
        "https://sns.us-east-1.аmazonaws.com/",
        "//sns.us-east-1.amazonaws.com/",
        "",
    ],
)
def test_sns_lookalikes_are_rejected(url: str) -> None:
    assert not is_sns_host(url)


# --- options -------------------------------------------------------------------------------


def test_handshake_options_round_trip_through_their_dict_form() -> None:
    # Given
    options = HandshakeOptions(
        slack=False, meta_verify_token_secret_name="m", zoom_secret_name="z", sns_confirm=True, sns_topic_arns=(TOPIC,)
    )
    # When
    data = options.to_dict()
    # Then
    assert HandshakeOptions.from_dict(data) == options
    assert data["sns_topic_arns"] == [TOPIC]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"slack": "yes"}, "slack"),
        ({"zoom_secret_name": ""}, "zoom_secret_name"),
        ({"sns_topic_arns": TOPIC}, "sns_topic_arns"),
        ({"sns_topic_arns": ["topic"]}, "sns_topic_arns[0]"),
        ({"meta_verify_token": "hunter2"}, "meta_verify_token"),
    ],
)
def test_invalid_handshake_options_name_the_field(data: dict[str, Any], field: str) -> None:
    # When
    with pytest.raises(ValueError) as raised:
        HandshakeOptions.from_dict(data)
    # Then
    assert str(raised.value).startswith(f"{field}:")
