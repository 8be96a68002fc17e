"""Per-hook guards: the config types, their plain-dict form, and `check_guards`.

This module owns who may post to a hook: an IP/CIDR allowlist, API keys in a header, Basic
auth and a signature preset. Every configured guard must pass. The config names its secrets
and never holds their values: `check_guards` gets the values in a separate mapping (read
from SSM SecureString by the caller), so `to_dict` can be stored and shown as it is.

Order and status: the IP rule first (403: the address is `HttpRequest.source_ip`, which
`app.py` takes from API Gateway's `requestContext.identity.sourceIp` and never from
`X-Forwarded-For`, which any sender can write), then API key, Basic auth and signature
(401). A `reason` names what failed, for the log; it never holds a secret value.

Handshakes (`handshakes.py`) take the `GuardResult` and decide which of them may be answered
when a guard failed.
"""
from __future__ import annotations

import base64
import binascii
import hmac
import ipaddress
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from chalicelib.webhooks.request import HttpRequest
from chalicelib.webhooks.signatures import (
    DEFAULT_TOLERANCE,
    PRESETS,
    TIMESTAMPED_PRESETS,
    HmacOptions,
    verify_preset,
)

@dataclass(frozen=True)
class GuardResult:
    """`ok`, or the status (401/403) and reason to reject with. `guard` names the guard that
    decided; `headers` go on the rejection (`WWW-Authenticate` for Basic auth)."""

    ok: bool
    status: int | None = None
    reason: str = ""
    guard: str | None = None
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ApiKeyGuard:
    """The request's `header` must equal one of the keys (by secret name)."""

    header: str
    secret_names: tuple[str, ...]

    def __post_init__(self) -> None:
        _require_name("header", self.header)
        _require_names("secret_names", self.secret_names)


@dataclass(frozen=True)
class BasicAuthGuard:
    """`Authorization: Basic` with this user name and the password held by `password_secret_name`."""

    username: str
    password_secret_name: str

    def __post_init__(self) -> None:
        if not isinstance(self.username, str) or not self.username or ":" in self.username:
            raise ValueError("username: must be a non-empty string without ':'")
        _require_name("password_secret_name", self.password_secret_name)


@dataclass(frozen=True)
class IpAllowlistGuard:
    """The source address must fall in one of `cidrs` (IPv4 or IPv6; a bare address is a /32
    or /128). Host bits must be zero, so a typo is an error rather than a wider rule."""

    cidrs: tuple[str, ...]
    _ranges: tuple[tuple[int, int, int], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if isinstance(self.cidrs, str) or not isinstance(self.cidrs, tuple) or not self.cidrs:
            raise ValueError("cidrs: must be a non-empty list of CIDRs")
        networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
        for index, cidr in enumerate(self.cidrs):
            try:
                networks.append(ipaddress.ip_network(cidr, strict=True))
            except (TypeError, ValueError) as exc:
                raise ValueError(f"cidrs[{index}]: {cidr!r} is not a valid CIDR ({exc})") from None
        ranges = tuple((n.version, int(n.network_address), int(n.netmask)) for n in networks)
        object.__setattr__(self, "_ranges", ranges)

    def allows(self, address: str) -> bool:
        """Whether `address` (API Gateway's source IP) is inside one of the networks; an
        IPv4-mapped IPv6 address counts as its IPv4 address. Anything unparsable is not."""
        parsed = _parse_ip(address)
        if parsed is None:
            return False
        version, value = parsed
        return any(version == v and value & mask == network for v, network, mask in self._ranges)


@dataclass(frozen=True)
class SignatureGuard:
    """A signature preset (see `signatures.PRESETS`) with its secrets by name; several names
    for rotation, any of which may match. `tolerance_seconds` (None = no timestamp check)
    applies to presets that sign a timestamp and is None for the others; `hmac` configures
    the generic `hmac` preset."""

    preset: str
    secret_names: tuple[str, ...]
    tolerance_seconds: float | None = DEFAULT_TOLERANCE
    hmac: HmacOptions | None = None

    def __post_init__(self) -> None:
        if self.preset not in PRESETS:
            raise ValueError(f"preset: unknown preset {self.preset!r} (known: {', '.join(PRESETS)})")
        _require_names("secret_names", self.secret_names)
        tolerance = self.tolerance_seconds
        if tolerance is not None and (
            isinstance(tolerance, bool) or not isinstance(tolerance, (int, float)) or not 0 <= tolerance < 10**9
        ):
            raise ValueError("tolerance_seconds: must be a non-negative number of seconds or null")
        if (self.preset == "hmac") != (self.hmac is not None):
            raise ValueError("hmac: options are required for preset 'hmac' and only for it")
        if not self.uses_timestamp:
            # Nothing to check: keep one spelling so the dict form round-trips.
            object.__setattr__(self, "tolerance_seconds", None)

    @property
    def uses_timestamp(self) -> bool:
        if self.hmac is not None:
            return self.hmac.signed == "timestamp.body"
        return self.preset in TIMESTAMPED_PRESETS


@dataclass(frozen=True)
class GuardConfig:
    """Every guard of one hook; `None` = that guard is off. The default guards nothing."""

    ip_allowlist: IpAllowlistGuard | None = None
    api_keys: ApiKeyGuard | None = None
    basic_auth: BasicAuthGuard | None = None
    signature: SignatureGuard | None = None

    def to_dict(self) -> dict[str, Any]:
        """The stored form: secret names only, never values. Off guards are left out."""
        out: dict[str, Any] = {}
        if self.ip_allowlist is not None:
            out["ip_allowlist"] = {"cidrs": list(self.ip_allowlist.cidrs)}
        if self.api_keys is not None:
            out["api_keys"] = {
                "header": self.api_keys.header,
                "secret_names": list(self.api_keys.secret_names),
            }
        if self.basic_auth is not None:
            out["basic_auth"] = {
                "username": self.basic_auth.username,
                "password_secret_name": self.basic_auth.password_secret_name,
            }
        if self.signature is not None:
            sig = self.signature
            signature: dict[str, Any] = {"preset": sig.preset, "secret_names": list(sig.secret_names)}
            if sig.uses_timestamp:
                signature["tolerance_seconds"] = sig.tolerance_seconds
            if sig.hmac is not None:
                options: dict[str, Any] = {
                    "header": sig.hmac.header,
                    "algorithm": sig.hmac.algorithm,
                    "encoding": sig.hmac.encoding,
                    "prefix": sig.hmac.prefix,
                    "signed": sig.hmac.signed,
                }
                if sig.hmac.timestamp_header is not None:
                    options["timestamp_header"] = sig.hmac.timestamp_header
                signature["hmac"] = options
            out["signature"] = signature
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> GuardConfig:
        """Build from the stored form. Raises `ValueError` naming the bad field, e.g.
        `signature.preset: unknown preset 'foo' (…)` or `ip_allowlist.cidrs[1]: …`."""
        _expect_mapping("guards", data)
        _no_unknown_fields("", data, {"ip_allowlist", "api_keys", "basic_auth", "signature"})
        return cls(
            ip_allowlist=_section(data, "ip_allowlist", _ip_allowlist_from_dict),
            api_keys=_section(data, "api_keys", _api_keys_from_dict),
            basic_auth=_section(data, "basic_auth", _basic_auth_from_dict),
            signature=_section(data, "signature", _signature_from_dict),
        )


def check_guards(
    config: GuardConfig, request: HttpRequest, secrets: Mapping[str, str], now: float
) -> GuardResult:
    """Run every configured guard on `request`; the first failure decides. `secrets` maps
    secret names to values; a name with no (or an empty) value never matches anything."""
    passed: list[str] = []
    if config.ip_allowlist is not None:
        if not config.ip_allowlist.allows(request.source_ip):
            shown = request.source_ip[:64] or "unknown"
            return _reject(403, "ip_allowlist", f"source address {shown} is not in the allowlist")
        passed.append("ip_allowlist")
    if config.api_keys is not None:
        failure = _check_api_key(config.api_keys, request, secrets)
        if failure is not None:
            return failure
        passed.append("api_keys")
    if config.basic_auth is not None:
        failure = _check_basic_auth(config.basic_auth, request, secrets)
        if failure is not None:
            return failure
        passed.append("basic_auth")
    if config.signature is not None:
        sig = config.signature
        values = _values(sig.secret_names, secrets)
        if not values:
            return _reject(401, "signature", "no signature secret available (check the secret names)")
        verdict = verify_preset(
            sig.preset, request, values, now=now, tolerance=sig.tolerance_seconds, hmac_options=sig.hmac
        )
        if not verdict.ok:
            return _reject(401, "signature", f"{sig.preset}: {verdict.reason}")
        passed.append("signature")
    return GuardResult(ok=True, reason=f"passed: {', '.join(passed)}" if passed else "no guards configured")


# --- checks --------------------------------------------------------------------------------


def _check_api_key(guard: ApiKeyGuard, request: HttpRequest, secrets: Mapping[str, str]) -> GuardResult | None:
    presented = request.header(guard.header)
    if not presented:
        return _reject(401, "api_keys", f"missing header {guard.header}")
    keys = _values(guard.secret_names, secrets)
    if not keys:
        return _reject(401, "api_keys", "no API key available (check the secret names)")
    given = _utf8(presented)
    # Compare against every key, without stopping at the first match.
    matches = [hmac.compare_digest(given, _utf8(key)) for key in keys]
    if not any(matches):
        return _reject(401, "api_keys", f"invalid API key in header {guard.header}")
    return None


def _check_basic_auth(
    guard: BasicAuthGuard, request: HttpRequest, secrets: Mapping[str, str]
) -> GuardResult | None:
    challenge = (("WWW-Authenticate", 'Basic realm="inlet", charset="UTF-8"'),)
    header = request.header("Authorization")
    if not header:
        return _reject(401, "basic_auth", "missing header Authorization", challenge)
    scheme, _, encoded = header.strip().partition(" ")
    if scheme.lower() != "basic":
        return _reject(401, "basic_auth", "Authorization is not Basic", challenge)
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True)
    except (ValueError, binascii.Error):
        return _reject(401, "basic_auth", "malformed Basic credentials", challenge)
    user, colon, password = decoded.partition(b":")
    if not colon:
        return _reject(401, "basic_auth", "malformed Basic credentials", challenge)
    expected = secrets.get(guard.password_secret_name)
    if not expected:
        return _reject(401, "basic_auth", "no Basic auth password available (check the secret name)", challenge)
    user_ok = hmac.compare_digest(user, _utf8(guard.username))
    password_ok = hmac.compare_digest(password, _utf8(expected))
    if not (user_ok and password_ok):
        return _reject(401, "basic_auth", "invalid Basic credentials", challenge)
    return None


def _reject(status: int, guard: str, reason: str, headers: tuple[tuple[str, str], ...] = ()) -> GuardResult:
    return GuardResult(ok=False, status=status, reason=reason, guard=guard, headers=headers)


def _values(names: tuple[str, ...], secrets: Mapping[str, str]) -> list[str]:
    return [value for value in (secrets.get(name) for name in names) if isinstance(value, str) and value]


def _utf8(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


def _parse_ip(address: str) -> tuple[int, int] | None:
    """(4 or 6, the address as an integer), or None. `inet_pton` is the fast, strict path
    (no leading zeros, no zone id); IPv4-mapped IPv6 becomes IPv4."""
    try:
        packed = socket.inet_pton(socket.AF_INET, address)
    except (OSError, ValueError):
        try:
            packed = socket.inet_pton(socket.AF_INET6, address)
        except (OSError, ValueError):
            return None
    value = int.from_bytes(packed, "big")
    if len(packed) == 4:
        return 4, value
    if value >> 32 == 0xFFFF:
        return 4, value & 0xFFFFFFFF
    return 6, value


# --- dict form -----------------------------------------------------------------------------

T = TypeVar("T")


def _section(data: Mapping[str, Any], name: str, build: Callable[[Mapping[str, Any]], T]) -> T | None:
    value = data.get(name)
    if value is None:
        return None
    _expect_mapping(name, value)
    try:
        return build(value)
    except ValueError as exc:
        raise ValueError(f"{name}.{exc}") from None


def _ip_allowlist_from_dict(data: Mapping[str, Any]) -> IpAllowlistGuard:
    _no_unknown_fields("", data, {"cidrs"})
    return IpAllowlistGuard(cidrs=_string_tuple("cidrs", data.get("cidrs")))


def _api_keys_from_dict(data: Mapping[str, Any]) -> ApiKeyGuard:
    _no_unknown_fields("", data, {"header", "secret_names"})
    return ApiKeyGuard(
        header=_string("header", data.get("header")),
        secret_names=_string_tuple("secret_names", data.get("secret_names")),
    )


def _basic_auth_from_dict(data: Mapping[str, Any]) -> BasicAuthGuard:
    _no_unknown_fields("", data, {"username", "password_secret_name"})
    return BasicAuthGuard(
        username=_string("username", data.get("username")),
        password_secret_name=_string("password_secret_name", data.get("password_secret_name")),
    )


def _signature_from_dict(data: Mapping[str, Any]) -> SignatureGuard:
    _no_unknown_fields("", data, {"preset", "secret_names", "tolerance_seconds", "hmac"})
    preset = _string("preset", data.get("preset"))
    if preset not in PRESETS:
        raise ValueError(f"preset: unknown preset {preset!r} (known: {', '.join(PRESETS)})")
    options = _section(data, "hmac", _hmac_from_dict)
    uses_timestamp = options.signed == "timestamp.body" if options is not None else preset in TIMESTAMPED_PRESETS
    if "tolerance_seconds" in data and not uses_timestamp:
        raise ValueError(f"tolerance_seconds: preset {preset!r} signs no timestamp")
    return SignatureGuard(
        preset=preset,
        secret_names=_string_tuple("secret_names", data.get("secret_names")),
        tolerance_seconds=data.get("tolerance_seconds", DEFAULT_TOLERANCE),
        hmac=options,
    )


def _hmac_from_dict(data: Mapping[str, Any]) -> HmacOptions:
    _no_unknown_fields("", data, {"header", "algorithm", "encoding", "prefix", "signed", "timestamp_header"})
    timestamp_header = data.get("timestamp_header")
    return HmacOptions(
        header=_string("header", data.get("header")),
        algorithm=data.get("algorithm", "sha256"),
        encoding=data.get("encoding", "hex"),
        prefix=data.get("prefix", ""),
        signed=data.get("signed", "body"),
        timestamp_header=None if timestamp_header is None else _string("timestamp_header", timestamp_header),
    )


def _expect_mapping(name: str, value: object) -> None:
    if not isinstance(value, Mapping):
        raise ValueError(f"{name}: must be an object")


def _no_unknown_fields(prefix: str, data: Mapping[str, Any], known: set[str]) -> None:
    unknown = sorted(str(key) for key in data if key not in known)
    if unknown:
        raise ValueError(f"{prefix}{unknown[0]}: unknown field (known: {', '.join(sorted(known))})")


def _string(name: str, value: object) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"{name}: must be a non-empty string")
    return value


def _string_tuple(name: str, value: object) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise ValueError(f"{name}: must be a list of strings")
    for index, item in enumerate(value):
        if not isinstance(item, str) or not item:
            raise ValueError(f"{name}[{index}]: must be a non-empty string")
    return tuple(value)


def _require_name(name: str, value: object) -> None:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{name}: must be a non-empty string")


def _require_names(name: str, value: object) -> None:
    if isinstance(value, str) or not isinstance(value, tuple) or not value:
        raise ValueError(f"{name}: must be a non-empty list of secret names")
    for index, item in enumerate(value):
        _require_name(f"{name}[{index}]", item)
