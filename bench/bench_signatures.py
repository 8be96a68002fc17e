"""Cost of signature checks on a 1 KB JSON body, against `json.loads` of the same body.

Run: `.venv/bin/python bench/bench_signatures.py`. Every number comes from this run: the
best of several repeats, in µs per call, and as a ratio to `json.loads`. The `hmac floor`
row is one bare `hmac.new(...).digest()` + `compare_digest`, what any HMAC check costs at
least. What a signature guard adds to the whole ingest of a 1 KB body is measured by
`bench_ingest.py` (part 1), where the check runs inside the real request path.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import platform
import sys
import timeit
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from chalicelib.webhooks.guards import GuardConfig, IpAllowlistGuard, SignatureGuard, check_guards  # noqa: E402
from chalicelib.webhooks.handshakes import HandshakeOptions, answer_handshake  # noqa: E402
from chalicelib.webhooks.request import HttpRequest  # noqa: E402
from chalicelib.webhooks.signatures import HmacOptions, verify_preset  # noqa: E402

NOW = 1_700_000_000
URL = "https://hooks.example.com/hooks/tok123"


def _body() -> bytes:
    items = [{"id": f"item_{i:04d}", "qty": i, "price": 12.5 * i, "tags": ["a", "b"]} for i in range(20)]
    event = {"id": "evt_000000000001", "type": "order.updated", "created": NOW, "data": {"items": items}}
    raw = json.dumps(event, separators=(",", ":")).encode()
    while len(raw) > 1024:
        items.pop()
        raw = json.dumps(event, separators=(",", ":")).encode()
    return raw + b" " * (1024 - len(raw))


BODY = _body()
# A Twilio incoming-SMS form post of about 1 KB: mostly plain values, a free-text Body.
FORM_PARAMS = [
    ("ToCountry", "US"), ("ToState", "CA"), ("SmsMessageSid", "SM" + "0" * 32), ("NumMedia", "0"),
    ("ToCity", "SAN FRANCISCO"), ("FromZip", "94105"), ("SmsSid", "SM" + "0" * 32), ("FromState", "CA"),
    ("SmsStatus", "received"), ("FromCity", "SAN FRANCISCO"), ("FromCountry", "US"), ("To", "+15550002222"),
    ("ToZip", "94105"), ("NumSegments", "4"), ("MessageSid", "SM" + "0" * 32), ("AccountSid", "AC" + "0" * 32),
    ("From", "+15550001111"), ("ApiVersion", "2010-04-01"),
    ("Body", "Hi! Order #1234 arrived, thanks. Could you send the invoice to billing@example.com? " * 5),
]
FORM = urlencode(FORM_PARAMS).encode()
TWILIO_JSON_URL = f"{URL}?bodySHA256={hashlib.sha256(BODY).hexdigest()}"


def _hex(key: bytes, message: bytes, digest: str = "sha256") -> str:
    return hmac.new(key, message, digest).hexdigest()


def _b64(key: bytes, message: bytes, digest: str = "sha256") -> str:
    return base64.b64encode(hmac.new(key, message, digest).digest()).decode()


SW_KEY = b"standard-webhooks-test-key-32byt"
SW_SECRET = "whsec_" + base64.b64encode(SW_KEY).decode()
HMAC_OPTIONS = HmacOptions(header="X-Sig", prefix="sha256=")


def _requests() -> dict[str, tuple[HttpRequest, str, HmacOptions | None]]:
    """row name → (a correctly signed request, its secret, hmac options). The row name is the
    preset, except "twilio (form)"; "twilio" is a JSON post checked through bodySHA256."""
    k = b"secret"
    twilio_sig = base64.b64encode(
        hmac.new(k, (URL + "".join(n + v for n, v in sorted(FORM_PARAMS))).encode(), "sha1").digest()
    ).decode()
    headers: dict[str, tuple[tuple[str, str], ...]] = {
        "standard_webhooks": (
            ("webhook-id", "msg_1"),
            ("webhook-timestamp", str(NOW)),
            ("webhook-signature", "v1," + _b64(SW_KEY, f"msg_1.{NOW}.".encode() + BODY)),
        ),
        "github": (("X-Hub-Signature-256", "sha256=" + _hex(k, BODY)),),
        "stripe": (("Stripe-Signature", f"t={NOW},v1={_hex(k, f'{NOW}.'.encode() + BODY)}"),),
        "slack": (
            ("X-Slack-Request-Timestamp", str(NOW)),
            ("X-Slack-Signature", "v0=" + _hex(k, f"v0:{NOW}:".encode() + BODY)),
        ),
        "zoom": (
            ("x-zm-request-timestamp", str(NOW)),
            ("x-zm-signature", "v0=" + _hex(k, f"v0:{NOW}:".encode() + BODY)),
        ),
        "shopify": (("X-Shopify-Hmac-Sha256", _b64(k, BODY)),),
        "twilio": (("Content-Type", "application/json"), ("X-Twilio-Signature", _b64(k, TWILIO_JSON_URL.encode(), "sha1"))),
        "twilio (form)": (("Content-Type", "application/x-www-form-urlencoded"), ("X-Twilio-Signature", twilio_sig)),
        "hmac": (("X-Sig", "sha256=" + _hex(k, BODY)),),
    }
    common = (("Content-Type", "application/json"), ("User-Agent", "bench/1.0"))
    out: dict[str, tuple[HttpRequest, str, HmacOptions | None]] = {}
    for name, extra in headers.items():
        body = FORM if name == "twilio (form)" else BODY
        url = TWILIO_JSON_URL if name == "twilio" else URL
        request = HttpRequest(
            "POST", "/hooks/tok123", headers=common + extra, body=body, source_ip="203.0.113.7", public_url=url
        )
        out[name] = (request, SW_SECRET if name == "standard_webhooks" else "secret", HMAC_OPTIONS if name == "hmac" else None)
    return out


def _best_us(fn: Callable[[], object], repeat: int = 7) -> float:
    timer = timeit.Timer(fn)
    number, _ = timer.autorange()
    number = max(number, 2000)
    return min(timer.repeat(repeat=repeat, number=number)) / number * 1e6


def main() -> None:
    requests = _requests()
    for name, (request, secret, options) in requests.items():
        verdict = verify_preset(name.split(" ")[0], request, [secret], now=NOW, hmac_options=options)
        assert verdict.ok, (name, verdict)

    loads_us = _best_us(lambda: json.loads(BODY))
    rows: list[tuple[str, float]] = []
    rows.append(("hmac floor (sha256, 1 KB)", _best_us(lambda: hmac.compare_digest(hmac.new(b"secret", BODY, hashlib.sha256).digest(), b"x" * 32))))
    for name, (request, secret, options) in requests.items():
        preset, secrets = name.split(" ")[0], [secret]
        rows.append((name, _best_us(lambda: verify_preset(preset, request, secrets, now=NOW, hmac_options=options))))

    stripe_request = requests["stripe"][0]
    rotation = ["whsec_old", "whsec_older", "secret"]
    rows.append(("stripe, 3 secrets (rotation)", _best_us(lambda: verify_preset("stripe", stripe_request, rotation, now=NOW))))
    config = GuardConfig(
        ip_allowlist=IpAllowlistGuard(cidrs=("203.0.113.0/24", "2001:db8::/32")),
        signature=SignatureGuard(preset="stripe", secret_names=("s",)),
    )
    rows.append(("check_guards: IP + stripe", _best_us(lambda: check_guards(config, stripe_request, {"s": "secret"}, NOW))))
    passed = check_guards(config, stripe_request, {"s": "secret"}, NOW)
    options_all = HandshakeOptions(meta_verify_token_secret_name="m", zoom_secret_name="z", sns_confirm=True)
    rows.append(("answer_handshake: not one", _best_us(lambda: answer_handshake(stripe_request, options_all, {}, guards=passed))))

    print(f"Python {platform.python_version()} on {platform.machine()}; body {len(BODY)} bytes (twilio form post {len(FORM)} bytes)")
    print(f"json.loads(body): {loads_us:.2f} µs  (baseline = 1.00)")
    print(f"{'check':32} {'µs/call':>8} {'÷ json.loads':>13}")
    for name, us in rows:
        print(f"{name:32} {us:8.2f} {us / loads_us:13.2f}")
    print("(against the whole 1 KB ingest: bench/bench_ingest.py)")


if __name__ == "__main__":
    main()
