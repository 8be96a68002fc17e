"""Whatever a sender sends, verifiers, guards and handshakes return an answer and never raise."""
from __future__ import annotations

import ipaddress

from urllib.parse import parse_qsl

from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.webhooks.guards import (
    ApiKeyGuard,
    BasicAuthGuard,
    GuardConfig,
    GuardResult,
    IpAllowlistGuard,
    SignatureGuard,
    check_guards,
)
from chalicelib.webhooks.handshakes import HandshakeAnswer, HandshakeOptions, answer_handshake, is_sns_host
from chalicelib.webhooks.request import HttpRequest
from chalicelib.webhooks.signatures import PRESETS, HmacOptions, Verdict, _form_pairs, verify_preset

HEADER_NAMES = [
    "webhook-id",
    "webhook-timestamp",
    "webhook-signature",
    "svix-signature",
    "X-Hub-Signature-256",
    "Stripe-Signature",
    "X-Slack-Signature",
    "X-Slack-Request-Timestamp",
    "x-zm-signature",
    "x-zm-request-timestamp",
    "X-Shopify-Hmac-Sha256",
    "X-Twilio-Signature",
    "Content-Type",
    "X-Signature",
    "X-Ts",
    "X-Api-Key",
    "Authorization",
    "x-amz-sns-message-type",
]
SIGNATURE_LIKE = st.one_of(
    st.text(),
    st.from_regex(r"t=-?\d{0,12},v1=[0-9a-fA-F]{0,70}(,v1=[^,]*)?(,v0=.*)?", fullmatch=True),
    st.from_regex(r"(sha256=|v0=|sha1=)?[0-9a-f]{0,70}", fullmatch=True),
    st.from_regex(r"(v1,[A-Za-z0-9+/=]{0,48} ?){0,3}", fullmatch=True),
    st.from_regex(r"Basic [A-Za-z0-9+/=]{0,24}", fullmatch=True),
    st.from_regex(r"[A-Za-z0-9+/]{4,44}={0,2}", fullmatch=True),
    st.sampled_from(["1700000000", "application/x-www-form-urlencoded", "application/json", "SubscriptionConfirmation"]),
)
HEADERS = st.lists(st.tuples(st.sampled_from(HEADER_NAMES) | st.text(max_size=10), SIGNATURE_LIKE), max_size=8)
BODIES = st.one_of(
    st.binary(max_size=512),
    st.text(max_size=200).map(str.encode),
    st.sampled_from(
        [
            b'{"type":"url_verification","challenge":"x"}',
            b'{"type":"url_verification","challenge":{"a":1}}',
            b'{"event":"endpoint.url_validation","payload":"x"}',
            b'{"event":"endpoint.url_validation","payload":{"plainToken":7}}',
            b'{"Type":"SubscriptionConfirmation","SubscribeURL":7,"TopicArn":"arn"}',
            b'{"Type":"SubscriptionConfirmation","SubscribeURL":"https://sns.us-east-1.amazonaws.com/","TopicArn":"x"}',
            b"a=%ff&b=%&c&&=&bodySHA256=zz",
        ]
    ),
)
URLS = st.one_of(
    st.text(max_size=60),
    st.from_regex(r"https?://[a-z.:0-9\[\]@]{0,30}/[a-z]{0,5}(\?[a-zA-Z0-9=&%]{0,40})?", fullmatch=True),
    st.sampled_from(["https://[abc/x", "https://h:99999/", "https://h:-1/", "http://[::1]:80/?bodySHA256=0"]),
)
QUERY = st.lists(
    st.tuples(st.sampled_from(["hub.mode", "hub.challenge", "hub.verify_token", "validationToken", "bodySHA256"]) | st.text(max_size=8), st.text(max_size=20)),
    max_size=5,
)
REQUESTS = st.builds(
    HttpRequest,
    method=st.sampled_from(["GET", "POST", "PUT", "post", ""]),
    path=st.just("/hooks/tok"),
    headers=HEADERS.map(tuple),
    query=QUERY.map(tuple),
    body=BODIES,
    source_ip=st.one_of(st.ip_addresses().map(str), st.text(max_size=20)),
    public_url=URLS,
)
HMAC_OPTIONS = st.one_of(
    st.builds(
        HmacOptions,
        header=st.just("X-Signature"),
        algorithm=st.sampled_from(["sha1", "sha256", "sha512"]),
        encoding=st.sampled_from(["hex", "base64"]),
        prefix=st.sampled_from(["", "sha256=", "v1="]),
    ),
    st.just(HmacOptions(header="X-Signature", signed="timestamp.body", timestamp_header="X-Ts")),
)
SECRETS = st.one_of(
    st.text(max_size=40),
    st.lists(st.text(max_size=40), max_size=3),
    st.sampled_from(["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_", "whsec_%%%"]),
)


@settings(max_examples=400, deadline=None)
@given(
    preset=st.sampled_from(PRESETS) | st.text(max_size=12),
    request=REQUESTS,
    secrets=SECRETS,
    now=st.floats(allow_nan=True, allow_infinity=True) | st.integers(-(10**12), 10**12).map(float),
    tolerance=st.none() | st.floats(min_value=0, max_value=1e9),
    options=st.none() | HMAC_OPTIONS,
)
def test_verifiers_only_ever_return_verdicts(
    preset: str,
    request: HttpRequest,
    secrets: str | list[str],
    now: float,
    tolerance: float | None,
    options: HmacOptions | None,
) -> None:
    # When
    verdict = verify_preset(preset, request, secrets, now=now, tolerance=tolerance, hmac_options=options)
    # Then
    assert isinstance(verdict, Verdict)
    assert isinstance(verdict.reason, str) and verdict.reason


FULL_CONFIG = GuardConfig(
    ip_allowlist=IpAllowlistGuard(cidrs=("0.0.0.0/0", "::/0")),
    api_keys=ApiKeyGuard(header="X-Api-Key", secret_names=("k",)),
    basic_auth=BasicAuthGuard(username="u", password_secret_name="p"),
)
CONFIGS = st.one_of(
    st.just(GuardConfig()),
    st.just(FULL_CONFIG),
    st.sampled_from(PRESETS).filter(lambda p: p != "hmac").map(
        lambda preset: GuardConfig(signature=SignatureGuard(preset=preset, secret_names=("s",)))
    ),
    HMAC_OPTIONS.map(lambda o: GuardConfig(signature=SignatureGuard(preset="hmac", secret_names=("s",), hmac=o))),
)


@settings(max_examples=300, deadline=None)
@given(
    config=CONFIGS,
    request=REQUESTS,
    secrets=st.dictionaries(st.sampled_from(["k", "p", "s", "meta", "zoom"]), st.text(max_size=20)),
)
def test_guards_and_handshakes_only_ever_return_answers(
    config: GuardConfig, request: HttpRequest, secrets: dict[str, str]
) -> None:
    # Given
    options = HandshakeOptions(meta_verify_token_secret_name="meta", zoom_secret_name="zoom", sns_confirm=True)
    # When
    result = check_guards(config, request, secrets, 1_700_000_000)
    answer = answer_handshake(request, options, secrets, guards=result)
    # Then
    assert isinstance(result, GuardResult)
    assert result.ok or result.status in (401, 403)
    assert answer is None or isinstance(answer, HandshakeAnswer)
    if answer is not None and answer.confirm_url is not None:
        assert is_sns_host(answer.confirm_url)


@given(url=st.text() | URLS)
def test_is_sns_host_never_raises(url: str) -> None:
    assert isinstance(is_sns_host(url), bool)


@settings(max_examples=300, deadline=None)
@given(
    url=URLS,
    body=BODIES,
    signature=st.from_regex(r"[A-Za-z0-9+/]{4,28}={0,2}", fullmatch=True),
    content_type=st.sampled_from(["application/x-www-form-urlencoded", "application/json", "text/plain; x"]),
)
def test_twilio_only_ever_returns_verdicts_for_any_url(url: str, body: bytes, signature: str, content_type: str) -> None:
    # Given a well-formed signature header, so the URL and the body are always read
    request = HttpRequest(
        "POST", "/", headers=(("Content-Type", content_type), ("X-Twilio-Signature", signature)), body=body, public_url=url
    )
    # When
    verdict = verify_preset("twilio", request, ["token"], now=0)
    # Then
    assert isinstance(verdict, Verdict)


@settings(max_examples=500, deadline=None)
@given(
    address=st.ip_addresses(),
    networks=st.lists(st.ip_addresses().flatmap(lambda a: st.integers(0, a.max_prefixlen).map(lambda p: ipaddress.ip_network(f"{a}/{p}", strict=False))), min_size=1, max_size=4),
)
def test_the_allowlist_agrees_with_the_ipaddress_module(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address,
    networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network],
) -> None:
    # Given
    guard = IpAllowlistGuard(cidrs=tuple(str(n) for n in networks))
    mapped = address.ipv4_mapped if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped else address
    # When
    allowed = guard.allows(str(address))
    # Then
    assert allowed == any(mapped in n for n in networks if n.version == mapped.version)


@given(text=st.text(alphabet=st.sampled_from("ab=&+%2fF0zé;"), max_size=40) | st.text(max_size=40))
def test_twilio_form_parsing_agrees_with_parse_qsl(text: str) -> None:
    # When
    pairs = _form_pairs(text)
    # Then
    assert pairs == parse_qsl(text, keep_blank_values=True, errors="replace")
