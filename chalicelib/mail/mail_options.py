"""Per-mailhook filters, from `hook.options["mail"]`: drop mail with a virus verdict of FAIL
(default on), require SPF/DKIM/DMARC to pass (off by default), a sender allowlist
(addresses or domains), and skipping auto-replies and bounces (off by default)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from chalicelib.errors import Invalid

CHECKS = ("spf", "dkim", "dmarc")
_KNOWN = {"drop_virus", "require_pass", "allow_senders", "skip_auto_replies", "skip_bounces"}


@dataclass(frozen=True)
class MailOptions:
    drop_virus: bool = True
    require_pass: tuple[str, ...] = ()
    allow_senders: tuple[str, ...] = ()
    skip_auto_replies: bool = False
    skip_bounces: bool = False

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> "MailOptions":
        if data is None:
            return cls()
        if not isinstance(data, Mapping):
            raise Invalid("options.mail must be an object", "invalid_option")
        unknown = set(data) - _KNOWN
        if unknown:
            raise Invalid(f"options.mail: unknown field {sorted(unknown)[0]!r} (known: {', '.join(sorted(_KNOWN))})",
                          "invalid_option")
        for flag in ("drop_virus", "skip_auto_replies", "skip_bounces"):
            if flag in data and not isinstance(data[flag], bool):
                raise Invalid(f"options.mail.{flag} must be true or false", "invalid_option")
        require = data.get("require_pass", [])
        if not isinstance(require, list) or any(check not in CHECKS for check in require):
            raise Invalid(f"options.mail.require_pass must be a list of {', '.join(CHECKS)}", "invalid_option")
        senders = data.get("allow_senders", [])
        if not isinstance(senders, list) or not all(isinstance(s, str) and s.strip() for s in senders):
            raise Invalid("options.mail.allow_senders must be a list of addresses or domains", "invalid_option")
        return cls(drop_virus=data.get("drop_virus", True), require_pass=tuple(require),
                   allow_senders=tuple(s.strip().lower().lstrip("@") for s in senders),
                   skip_auto_replies=data.get("skip_auto_replies", False),
                   skip_bounces=data.get("skip_bounces", False))


def filter_reason(options: MailOptions, verdicts: Mapping[str, str], senders: list[str],
                  flags: Mapping[str, Any]) -> str | None:
    """Why this mail must not be delivered to the hook, or None. `senders` are the envelope
    sender and the From addresses; an allowlist entry matches an address or its domain."""
    if options.drop_virus and verdicts.get("virus") == "FAIL":
        return "virus verdict FAIL"
    for check in options.require_pass:
        if verdicts.get(check) != "PASS":
            return f"{check.upper()} verdict is {verdicts.get(check, 'MISSING')}, PASS required"
    if options.allow_senders:
        allowed = set(options.allow_senders)
        if not any(s.lower() in allowed or s.lower().rpartition("@")[2] in allowed for s in senders if s):
            return "sender not on the allowlist"
    if options.skip_auto_replies and flags.get("auto_reply"):
        return "auto-reply skipped"
    if options.skip_bounces and flags.get("bounce"):
        return "bounce skipped"
    return None
