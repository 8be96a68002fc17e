"""Use case: SES (or the local SMTP listener) received a mail — route it by envelope recipient
to mailhooks, parse it once, filter it per hook, and accept one item per hook.

Routing uses the envelope recipients from the event (so Bcc works); a recipient that matches
no hook is logged as unroutable and dropped. Item ids derive from the SES message id and the
hook, so when Lambda retries an invocation the items already accepted are not made twice.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Protocol

from chalicelib.clock import Clock
from chalicelib.core.hooks import Hook
from chalicelib.core.items import RawInput
from chalicelib.core.ports import BlobStore
from chalicelib.core.items import QUARANTINED
from chalicelib.errors import ConditionFailed, QueueFull, Transient
from chalicelib.ids import derived_item_id
from chalicelib.intake.accept_item import Arrival, ItemIntake, StoredFile, blob_prefix
from chalicelib.mail.mail_options import MailOptions, filter_reason
from chalicelib.mail.routing import Route, route
from chalicelib.mail.ses_event import SesReceipt, receipts_from_event
from chalicelib.observability import correlate, logger, metrics_count

INBOUND_PREFIX = "inbound/"
# Virus verdicts that let a mail through: scanned clean, or not scanned at all (scanning off in
# the receipt rule, or the local stand-in). FAIL is dropped; anything else is quarantined.
CLEAN_OR_UNSCANNED = ("PASS", "DISABLED", "NOT_CHECKED", "MISSING")


class HookByToken(Protocol):
    def by_token(self, token: str) -> Hook | None: ...


@dataclass
class MailOutcome:
    accepted: list[str] = field(default_factory=list)
    filtered: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    unroutable: list[str] = field(default_factory=list)
    quarantined: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)


def _received(receipt: SesReceipt, clock: Clock) -> float:
    try:
        return datetime.fromisoformat(receipt.timestamp.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return clock()


def _addresses(values: Any) -> list[str]:
    if not isinstance(values, list):
        values = [values] if values else []
    return [v.get("address", "") for v in values if isinstance(v, dict)]


def _prefixed_keys(value: Any, prefix: str, keys: set[str]) -> Any:
    """Rewrite the parser's relative blob keys to the stored keys, at any depth."""
    if isinstance(value, dict):
        return {k: (f"{prefix}/{v}" if k == "key" and v in keys else _prefixed_keys(v, prefix, keys))
                for k, v in value.items()}
    if isinstance(value, list):
        return [_prefixed_keys(v, prefix, keys) for v in value]
    return value


class MailReceiver:
    def __init__(self, hooks: HookByToken, intake: ItemIntake, blobs: BlobStore, clock: Clock,
                 mail_domain: str, parse: Callable[[bytes], Any]) -> None:
        self._hooks = hooks
        self._intake = intake
        self._blobs = blobs
        self._clock = clock
        self._domain = mail_domain
        self._parse = parse

    def receive_event(self, event: Any) -> dict[str, Any]:
        receipts = receipts_from_event(event)
        if not receipts:
            logger.error("mail event without a readable SES record", extra={"event_keys": list(event or {})[:10]})
            return {"mails": 0}
        outcomes = [self.receive(receipt) for receipt in receipts]
        return {"mails": len(outcomes),
                **{name: sum(len(getattr(o, name)) for o in outcomes)
                   for name in ("accepted", "filtered", "duplicates", "unroutable", "quarantined", "rejected")}}

    def _routes(self, receipt: SesReceipt, outcome: MailOutcome) -> list[tuple[Route, Hook, list[str]]]:
        """One entry per hook reached (two addresses of one hook make one item)."""
        by_hook: dict[str, tuple[Route, Hook, list[str]]] = {}
        for recipient in receipt.recipients:
            found = route(recipient, self._domain)
            hook = self._hooks.by_token(found.token) if found else None
            if found is None or hook is None or hook.channel != "mail":
                outcome.unroutable.append(recipient)
                logger.warning("unroutable recipient dropped", extra={"recipient": recipient,
                                                                      "ses_message_id": receipt.message_id})
                continue
            if hook.id in by_hook:
                by_hook[hook.id][2].append(found.recipient)
            else:
                by_hook[hook.id] = (found, hook, [found.recipient])
        return list(by_hook.values())

    def receive(self, receipt: SesReceipt) -> MailOutcome:
        outcome = MailOutcome()
        targets = self._routes(receipt, outcome)
        if not targets:
            metrics_count("MailUnroutable", len(outcome.unroutable))
            return outcome
        key = receipt.object_key or f"{INBOUND_PREFIX}{receipt.message_id}"
        try:
            raw = self._blobs.get(key)
        except KeyError:
            raise Transient(f"raw mail {key} is not in the bucket (yet)") from None
        parsed = self._parse(raw)
        for found, hook, recipients in targets:
            self._deliver_to(hook, found, recipients, receipt, raw, parsed, outcome)
        return outcome

    def _deliver_to(self, hook: Hook, found: Route, recipients: list[str], receipt: SesReceipt, raw: bytes,
                    parsed: Any, outcome: MailOutcome) -> None:
        received = _received(receipt, self._clock)
        item_id = derived_item_id(received, f"{receipt.message_id}:{hook.id}")
        correlate(item_id)
        blob_keys = {blob.key for blob in parsed.blobs}
        prefix = blob_prefix(hook, item_id)
        item = _prefixed_keys(parsed.item, prefix, blob_keys)
        data = {**item,
                "envelope": {"mail_from": receipt.source, "recipients": recipients, "tag": found.tag},
                "verdicts": dict(receipt.verdicts), "ses_message_id": receipt.message_id}
        meta = {"format": "mail", "headers_truncated": receipt.headers_truncated}
        described = {b["key"]: b for b in [*item.get("attachments", []), *item.get("inline", [])]
                     if isinstance(b, dict) and "key" in b}
        files = tuple(StoredFile(blob.content, described.get(f"{prefix}/{blob.key}", {}).get(
            "content_type") or "application/octet-stream",
            described.get(f"{prefix}/{blob.key}", {}).get("filename"), name=blob.key) for blob in parsed.blobs)
        lane = ""
        arrival = Arrival(item_id=item_id, received=received, body=raw,
                          raw=RawInput(content_type="message/rfc822", size=len(raw), sha256="", method="SMTP",
                                       source_ip=""),
                          data=data, meta=meta, files=files, lane=lane, channel="mail")
        options = MailOptions.from_dict(hook.options.get("mail"))
        if options.drop_virus and receipt.verdicts.get("virus") not in CLEAN_OR_UNSCANNED + ("FAIL",):
            outcome.quarantined.append(item_id)
            logger.warning("mail quarantined", extra={"hook_id": hook.id, "item_id": item_id,
                                                      "virus_verdict": receipt.verdicts.get("virus")})
            self._intake.record(hook, arrival, QUARANTINED,
                                f"quarantined: virus verdict {receipt.verdicts.get('virus')}", 200, keep_files=True)
            return
        # A From header is the sender's to write: it vouches for the sender only under DMARC.
        senders = [receipt.source, *(_addresses(item.get("from")) if receipt.verdicts.get("dmarc") == "PASS" else [])]
        reason = filter_reason(options, receipt.verdicts, senders, item.get("flags") or {})
        if reason is not None:
            outcome.filtered.append(item_id)
            logger.info("mail filtered", extra={"hook_id": hook.id, "item_id": item_id, "reason": reason})
            self._intake.reject(hook, Arrival(item_id=item_id, received=received, body=raw, raw=arrival.raw,
                                              data=data, meta=meta, channel="mail"), 200, f"filtered: {reason}")
            return
        try:
            self._intake.accept(hook, arrival)
        except ConditionFailed:
            outcome.duplicates.append(item_id)
            return
        except QueueFull:
            # SES has taken the mail already: it is logged as rejected (raw mail kept for the
            # retention), and the other hooks of this mail still get theirs.
            outcome.rejected.append(item_id)
            return
        outcome.accepted.append(item_id)
        logger.info("mail accepted", extra={"hook_id": hook.id, "item_id": item_id, "size": len(raw),
                                            "attachments": len(parsed.blobs)})
