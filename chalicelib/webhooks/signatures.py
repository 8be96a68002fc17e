"""Webhook signature verifiers: pure functions over the raw body bytes and the headers.

This module owns how each sender signs its requests and nothing else: no I/O, no clock
(the caller passes `now`), no logging. Every verifier

- reads the exact raw bytes it is given (never a re-serialised body),
- accepts several secrets (rotation: any one may match) and several signatures where the
  sender sends several,
- compares with `hmac.compare_digest` on bytes,
- checks the timestamp window (`tolerance` seconds either side of `now`; `None` = no check)
  *before* computing any HMAC, when the scheme carries a timestamp,
- never raises on anything a sender can send: it returns a `Verdict`, whose `reason` names
  what failed and never contains a secret or the presented signature.

`verify_preset` picks a verifier by preset name and fails closed on an unknown one.

The `standardwebhooks` PyPI package was considered and not used: it reads the wall clock,
fixes the tolerance at five minutes, takes one secret, decodes the body as UTF-8 and raises
on malformed headers, where Inlet needs an injected clock, a per-hook tolerance, rotation,
arbitrary bytes and verdicts. The scheme is a few lines of `hmac`.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol
from urllib.parse import parse_qs, unquote, urlencode, urlsplit, urlunsplit

from chalicelib.webhooks.request import HttpRequest

DEFAULT_TOLERANCE = 300.0
"""Seconds a signed timestamp may differ from `now`, either way (Stripe's and Slack's 5 min)."""

HashName = Literal["sha1", "sha256", "sha512"]
Encoding = Literal["hex", "base64"]
Signed = Literal["body", "timestamp.body"]

HASH_NAMES: tuple[HashName, ...] = ("sha1", "sha256", "sha512")
ENCODINGS: tuple[Encoding, ...] = ("hex", "base64")
SIGNED_FORMS: tuple[Signed, ...] = ("body", "timestamp.body")

PRESETS: tuple[str, ...] = (
    "standard_webhooks",
    "github",
    "stripe",
    "slack",
    "zoom",
    "shopify",
    "twilio",
    "hmac",
)
"""Every preset name `verify_preset` knows; anything else fails closed."""

TIMESTAMPED_PRESETS: frozenset[str] = frozenset({"standard_webhooks", "stripe", "slack", "zoom"})
"""Presets whose signature covers a timestamp, so a tolerance applies (plus `hmac` when it
signs `timestamp.body`)."""

_MAX_TIMESTAMP_DIGITS = 12


class HeaderLookup(Protocol):
    """Case-insensitive header access; `HttpRequest` is one."""

    def header(self, name: str) -> str | None: ...


@dataclass(frozen=True)
class Verdict:
    """The outcome of one signature check. `reason` is safe to log: it holds no secret."""

    ok: bool
    reason: str


VERIFIED = Verdict(True, "signature verified")
MISMATCH = Verdict(False, "signature mismatch")


@dataclass(frozen=True)
class HmacOptions:
    """How a sender without a preset signs: `header` carries `prefix` + the encoded HMAC of
    the body, or of `<timestamp>.<body>` with the timestamp taken from `timestamp_header`."""

    header: str
    algorithm: HashName = "sha256"
    encoding: Encoding = "hex"
    prefix: str = ""
    signed: Signed = "body"
    timestamp_header: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.header, str) or not self.header.strip():
            raise ValueError("header: must be a non-empty header name")
        if self.algorithm not in HASH_NAMES:
            raise ValueError(f"algorithm: unknown algorithm {self.algorithm!r} (known: {', '.join(HASH_NAMES)})")
        if self.encoding not in ENCODINGS:
            raise ValueError(f"encoding: unknown encoding {self.encoding!r} (known: {', '.join(ENCODINGS)})")
        if not isinstance(self.prefix, str):
            raise ValueError("prefix: must be a string")
        if self.signed not in SIGNED_FORMS:
            raise ValueError(f"signed: unknown form {self.signed!r} (known: {', '.join(SIGNED_FORMS)})")
        if self.timestamp_header is not None and (not isinstance(self.timestamp_header, str) or not self.timestamp_header.strip()):
            raise ValueError("timestamp_header: must be a non-empty header name")
        if self.signed == "timestamp.body" and not self.timestamp_header:
            raise ValueError("timestamp_header: required when signed is 'timestamp.body'")
        if self.signed == "body" and self.timestamp_header is not None:
            raise ValueError("timestamp_header: only used when signed is 'timestamp.body'")


# --- presets -------------------------------------------------------------------------------


def verify_standard_webhooks(
    body: bytes,
    headers: HeaderLookup,
    secrets: str | Sequence[str],
    *,
    now: float,
    tolerance: float | None = DEFAULT_TOLERANCE,
) -> Verdict:
    """Standard Webhooks (and Svix): `webhook-id`, `webhook-timestamp` and `webhook-signature`
    holding space-separated `v1,<base64>` entries; HMAC-SHA256 of `<id>.<timestamp>.<body>`
    keyed with the base64 part of a `whsec_<base64>` secret. `svix-*` headers are read when
    the `webhook-*` ones are absent."""
    msg_id = _first_header(headers, "webhook-id", "svix-id")
    if msg_id is None:
        return _missing("webhook-id")
    raw_ts = _first_header(headers, "webhook-timestamp", "svix-timestamp")
    if raw_ts is None:
        return _missing("webhook-timestamp")
    raw_sigs = _first_header(headers, "webhook-signature", "svix-signature")
    if raw_sigs is None:
        return _missing("webhook-signature")
    stale = _check_timestamp(raw_ts, now, tolerance)
    if stale is not None:
        return stale
    presented = []
    for entry in raw_sigs.split():
        version, _, value = entry.partition(",")
        if version == "v1":
            decoded = _b64(value)
            if decoded is not None:
                presented.append(decoded)
    if not presented:
        return Verdict(False, "malformed header webhook-signature (no v1 signature)")
    keys = [key for key in (_standard_webhooks_key(s) for s in _as_list(secrets)) if key]
    if not keys:
        return Verdict(False, "no usable secret (expected whsec_<base64>)")
    signed = b"%s.%s.%s" % (_utf8(msg_id), raw_ts.encode("ascii"), body)
    return _any_match(_digests(keys, signed, hashlib.sha256), presented)


def verify_github(body: bytes, headers: HeaderLookup, secrets: str | Sequence[str]) -> Verdict:
    """GitHub: `X-Hub-Signature-256: sha256=<hex>`, HMAC-SHA256 of the raw bytes exactly as
    received, a form-encoded `payload=…` body included (verify first, unwrap after)."""
    return _verify_simple(
        body,
        headers,
        secrets,
        header="X-Hub-Signature-256",
        prefix="sha256=",
        encoding="hex",
        digestmod=hashlib.sha256,
    )


def verify_shopify(body: bytes, headers: HeaderLookup, secrets: str | Sequence[str]) -> Verdict:
    """Shopify: `X-Shopify-Hmac-Sha256`, base64 HMAC-SHA256 of the raw body."""
    return _verify_simple(
        body,
        headers,
        secrets,
        header="X-Shopify-Hmac-Sha256",
        prefix="",
        encoding="base64",
        digestmod=hashlib.sha256,
    )


def verify_stripe(
    body: bytes,
    headers: HeaderLookup,
    secrets: str | Sequence[str],
    *,
    now: float,
    tolerance: float | None = DEFAULT_TOLERANCE,
) -> Verdict:
    """Stripe: `Stripe-Signature: t=<ts>,v1=<hex>[,v1=<hex>…][,v0=…]`; hex HMAC-SHA256 of
    `<t>.<body>` keyed with the whole `whsec_…` string. Any v1 may match any secret (Stripe
    sends one v1 per active secret while one is being rolled); v0 (test-mode) is ignored."""
    raw = headers.header("Stripe-Signature")
    if raw is None:
        return _missing("Stripe-Signature")
    timestamp: str | None = None
    presented: list[bytes] = []
    for item in raw.split(","):
        key, _, value = item.strip().partition("=")
        if key == "t" and timestamp is None:
            timestamp = value
        elif key == "v1":
            decoded = _hex(value)
            if decoded is not None:
                presented.append(decoded)
    if timestamp is None:
        return Verdict(False, "malformed header Stripe-Signature (no t=)")
    if not presented:
        return Verdict(False, "malformed header Stripe-Signature (no v1 signature)")
    stale = _check_timestamp(timestamp, now, tolerance)
    if stale is not None:
        return stale
    keys = _plain_keys(secrets)
    if not keys:
        return _NO_SECRET
    signed = timestamp.encode("ascii") + b"." + body
    return _any_match(_digests(keys, signed, hashlib.sha256), presented)


def verify_slack(
    body: bytes,
    headers: HeaderLookup,
    secrets: str | Sequence[str],
    *,
    now: float,
    tolerance: float | None = DEFAULT_TOLERANCE,
) -> Verdict:
    """Slack: `X-Slack-Signature: v0=<hex>`, HMAC-SHA256 of `v0:<ts>:<raw body>` with the
    timestamp from `X-Slack-Request-Timestamp`."""
    return _verify_v0(
        body,
        headers,
        secrets,
        now=now,
        tolerance=tolerance,
        signature_header="X-Slack-Signature",
        timestamp_header="X-Slack-Request-Timestamp",
    )


def verify_zoom(
    body: bytes,
    headers: HeaderLookup,
    secrets: str | Sequence[str],
    *,
    now: float,
    tolerance: float | None = DEFAULT_TOLERANCE,
) -> Verdict:
    """Zoom: Slack's scheme under other names, `x-zm-signature: v0=<hex>` over
    `v0:<x-zm-request-timestamp>:<raw body>` keyed with the app's secret token."""
    return _verify_v0(
        body,
        headers,
        secrets,
        now=now,
        tolerance=tolerance,
        signature_header="x-zm-signature",
        timestamp_header="x-zm-request-timestamp",
    )


def verify_twilio(
    url: str, body: bytes, headers: HeaderLookup, secrets: str | Sequence[str]
) -> Verdict:
    """Twilio: `X-Twilio-Signature`, base64 HMAC-SHA1 keyed with the auth token over the full
    public URL (query string included) followed, for a form post, by each POST parameter's
    name and value sorted by name. A JSON post instead carries `bodySHA256=<hex sha256 of the
    body>` in the URL's query, which the URL signature covers; both must hold. Any other
    non-empty body is covered by nothing, and fails (stricter than twilio-python).

    As Twilio's own validator does, the URL is tried as given, without its port and with its
    (or the scheme's default) port, since Twilio is not consistent about including it."""
    raw = headers.header("X-Twilio-Signature")
    if raw is None:
        return _missing("X-Twilio-Signature")
    presented = _b64(raw)
    if presented is None:
        return Verdict(False, "malformed header X-Twilio-Signature (not base64)")
    keys = _plain_keys(secrets)
    if not keys:
        return _NO_SECRET
    body_hash = None
    if "bodySHA256" in url:
        try:
            query = urlsplit(url).query
        except ValueError:
            return Verdict(False, "malformed public URL")
        body_hash = parse_qs(query, keep_blank_values=True).get("bodySHA256")
    suffix = b""
    if body_hash is not None:
        computed = hashlib.sha256(body).hexdigest().encode("ascii")
        if not hmac.compare_digest(computed, _utf8(body_hash[0].lower())):
            return Verdict(False, "body does not match bodySHA256")
    elif _is_form(headers.header("Content-Type")):
        suffix = _twilio_params(body)
    elif body:
        # Twilio signs such a body only through bodySHA256; without it the body would be
        # free for anyone replaying a signed URL to choose.
        return Verdict(False, "body not covered by the signature (no bodySHA256, not a form post)")
    # Stop at the first URL form that matches: which form matched is no secret.
    for candidate in _port_variants(url):
        message = _utf8(candidate) + suffix
        if _any_match((hmac.new(key, message, hashlib.sha1).digest() for key in keys), [presented]).ok:
            return VERIFIED
    return MISMATCH


def verify_hmac(
    body: bytes,
    headers: HeaderLookup,
    secrets: str | Sequence[str],
    options: HmacOptions,
    *,
    now: float,
    tolerance: float | None = DEFAULT_TOLERANCE,
) -> Verdict:
    """A sender without a preset: see `HmacOptions`. The timestamp, when signed, must be
    integer seconds since the epoch."""
    digestmod = _HASHES[options.algorithm]
    if options.signed == "body":
        return _verify_simple(
            body,
            headers,
            secrets,
            header=options.header,
            prefix=options.prefix,
            encoding=options.encoding,
            digestmod=digestmod,
        )
    assert options.timestamp_header is not None  # HmacOptions guarantees it
    raw_ts = headers.header(options.timestamp_header)
    if raw_ts is None:
        return _missing(options.timestamp_header)
    presented = _presented(headers, options.header, options.prefix, options.encoding)
    if isinstance(presented, Verdict):
        return presented
    stale = _check_timestamp(raw_ts, now, tolerance)
    if stale is not None:
        return stale
    keys = _plain_keys(secrets)
    if not keys:
        return _NO_SECRET
    signed = raw_ts.encode("ascii") + b"." + body
    return _any_match(_digests(keys, signed, digestmod), [presented])


# --- dispatch ------------------------------------------------------------------------------


def verify_preset(
    preset: str,
    request: HttpRequest,
    secrets: str | Sequence[str],
    *,
    now: float,
    tolerance: float | None = DEFAULT_TOLERANCE,
    hmac_options: HmacOptions | None = None,
) -> Verdict:
    """Run the verifier named `preset` on `request`. An unknown name, or `hmac` without
    options, fails closed. `tolerance` is ignored by presets that sign no timestamp."""
    if preset == "standard_webhooks":
        return verify_standard_webhooks(request.body, request, secrets, now=now, tolerance=tolerance)
    if preset == "github":
        return verify_github(request.body, request, secrets)
    if preset == "stripe":
        return verify_stripe(request.body, request, secrets, now=now, tolerance=tolerance)
    if preset == "slack":
        return verify_slack(request.body, request, secrets, now=now, tolerance=tolerance)
    if preset == "zoom":
        return verify_zoom(request.body, request, secrets, now=now, tolerance=tolerance)
    if preset == "shopify":
        return verify_shopify(request.body, request, secrets)
    if preset == "twilio":
        return verify_twilio(signed_url(request), request.body, request, secrets)
    if preset == "hmac":
        if hmac_options is None:
            return Verdict(False, "preset hmac needs options (header, algorithm, encoding)")
        return verify_hmac(request.body, request, secrets, hmac_options, now=now, tolerance=tolerance)
    return Verdict(False, f"unknown signature preset {preset[:64]!r}")


def signed_url(request: HttpRequest) -> str:
    """The URL a sender that signs URLs (Twilio) saw: `public_url` as given when it carries a
    query string, else `public_url` plus the query pairs re-encoded in order."""
    if "?" in request.public_url or not request.query:
        return request.public_url
    return f"{request.public_url}?{urlencode(request.query)}"


# --- helpers -------------------------------------------------------------------------------

_HASHES: dict[str, Callable[[], "hashlib._Hash"]] = {
    "sha1": hashlib.sha1,
    "sha256": hashlib.sha256,
    "sha512": hashlib.sha512,
}
_NO_SECRET = Verdict(False, "no secret configured")


def _verify_simple(
    body: bytes,
    headers: HeaderLookup,
    secrets: str | Sequence[str],
    *,
    header: str,
    prefix: str,
    encoding: Encoding,
    digestmod: Callable[[], "hashlib._Hash"],
) -> Verdict:
    presented = _presented(headers, header, prefix, encoding)
    if isinstance(presented, Verdict):
        return presented
    keys = _plain_keys(secrets)
    if not keys:
        return _NO_SECRET
    return _any_match(_digests(keys, body, digestmod), [presented])


def _verify_v0(
    body: bytes,
    headers: HeaderLookup,
    secrets: str | Sequence[str],
    *,
    now: float,
    tolerance: float | None,
    signature_header: str,
    timestamp_header: str,
) -> Verdict:
    raw_ts = headers.header(timestamp_header)
    if raw_ts is None:
        return _missing(timestamp_header)
    presented = _presented(headers, signature_header, "v0=", "hex")
    if isinstance(presented, Verdict):
        return presented
    stale = _check_timestamp(raw_ts, now, tolerance)
    if stale is not None:
        return stale
    keys = _plain_keys(secrets)
    if not keys:
        return _NO_SECRET
    signed = b"v0:" + raw_ts.encode("ascii") + b":" + body
    return _any_match(_digests(keys, signed, hashlib.sha256), [presented])


def _presented(headers: HeaderLookup, header: str, prefix: str, encoding: Encoding) -> bytes | Verdict:
    """The signature bytes a header carries, or the verdict saying why there are none."""
    raw = headers.header(header)
    if raw is None:
        return _missing(header)
    raw = raw.strip()
    if not raw.startswith(prefix):
        return Verdict(False, f"malformed header {header} (expected prefix {prefix!r})")
    value = raw[len(prefix):]
    decoded = _hex(value) if encoding == "hex" else _b64(value)
    if decoded is None:
        return Verdict(False, f"malformed header {header} (not {encoding})")
    return decoded


def _any_match(expected: Iterable[bytes], presented: Sequence[bytes]) -> Verdict:
    """Compare every expected digest with every presented one, without stopping early."""
    matched = False
    for digest in expected:
        for candidate in presented:
            matched |= hmac.compare_digest(digest, candidate)
    return VERIFIED if matched else MISMATCH


def _digests(keys: Sequence[bytes], message: bytes, digestmod: Callable[[], "hashlib._Hash"]) -> list[bytes]:
    return [hmac.new(key, message, digestmod).digest() for key in keys]


def _check_timestamp(raw: str, now: float, tolerance: float | None) -> Verdict | None:
    """None when `raw` is integer seconds within `tolerance` of `now`, else the verdict."""
    value = raw
    if not (value.isascii() and value.isdigit() and len(value) <= _MAX_TIMESTAMP_DIGITS):
        return Verdict(False, "malformed timestamp (expected integer seconds)")
    if tolerance is None:
        return None
    age = now - int(value)
    if abs(age) <= tolerance:
        return None
    when = f"{age:.0f} s old" if age > 0 else f"{-age:.0f} s in the future"
    return Verdict(False, f"timestamp outside tolerance ({when}, tolerance {tolerance:g} s)")


def _as_list(secrets: str | Sequence[str]) -> list[str]:
    # A bare string is one secret, not a sequence of one-character secrets.
    if isinstance(secrets, str):
        return [secrets]
    return [s for s in secrets if isinstance(s, str)]


def _plain_keys(secrets: str | Sequence[str]) -> list[bytes]:
    return [_utf8(s) for s in _as_list(secrets) if s]


def _standard_webhooks_key(secret: str) -> bytes | None:
    encoded = secret[len("whsec_"):] if secret.startswith("whsec_") else secret
    return _b64(encoded)


def _utf8(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


def _hex(value: str) -> bytes | None:
    try:
        decoded = bytes.fromhex(value.strip())
    except ValueError:
        return None
    return decoded or None


def _b64(value: str) -> bytes | None:
    value = value.strip()
    try:
        decoded = base64.b64decode(value + "=" * (-len(value) % 4), validate=True)
    except (ValueError, binascii.Error):
        return None
    return decoded or None


def _missing(header: str) -> Verdict:
    return Verdict(False, f"missing header {header}")


def _first_header(headers: HeaderLookup, *names: str) -> str | None:
    for name in names:
        value = headers.header(name)
        if value is not None:
            return value
    return None


def _is_form(content_type: str | None) -> bool:
    if content_type is None:
        return False
    return content_type.split(";", 1)[0].strip().lower() == "application/x-www-form-urlencoded"


def _twilio_params(body: bytes) -> bytes:
    """Twilio's parameter string: names sorted, each name followed by its distinct values,
    sorted (as twilio-python's `RequestValidator.compute_signature`): the distinct pairs,
    sorted, are exactly that order."""
    pairs = sorted(set(_form_pairs(body.decode("utf-8", "replace"))))
    return "".join([name + value for name, value in pairs]).encode("utf-8", "surrogatepass")


def _form_pairs(text: str) -> list[tuple[str, str]]:
    """`urllib.parse.parse_qsl(text, keep_blank_values=True, errors="replace")`, decoding only
    the pieces that hold something to decode (most hold nothing: 2-3x faster)."""
    pairs = []
    for part in text.split("&"):
        if not part:
            continue
        name, _, value = part.partition("=")
        if "%" in part or "+" in part:
            name, value = _unquote_plus(name), _unquote_plus(value)
        pairs.append((name, value))
    return pairs


def _unquote_plus(text: str) -> str:
    return unquote(text.replace("+", " "), errors="replace")


def _port_variants(url: str) -> Iterator[str]:
    """`url` as given, then without any port and with its port (the scheme's default when it
    names none): the forms twilio-python's `RequestValidator.validate` accepts. Lazy, since
    the form as given nearly always matches."""
    yield url
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return
    default = {"https": 443, "http": 80}.get(parts.scheme)
    if default is None or not parts.netloc:
        return
    netloc = parts.netloc[: parts.netloc.rfind(":")] if port is not None else parts.netloc
    without_port = urlunsplit(parts._replace(netloc=netloc))
    with_port = urlunsplit(parts._replace(netloc=f"{netloc}:{port or default}"))
    yield from dict.fromkeys(u for u in (without_port, with_port) if u != url)
