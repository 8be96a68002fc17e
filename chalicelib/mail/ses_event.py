"""The SES receipt event, read defensively into plain data.

Two shapes arrive: the Lambda-action event (`Records[].ses`, headers only, no body — the raw
mail is read from S3 where the rule's S3 action put it) and an SNS notification of an S3
action (C48: `receipt.action` names the bucket and object key). Verdicts are taken only from
here, never from `X-SES-*` headers inside the message, which a sender can forge (C46); any
status string is accepted, including ones AWS adds later (C47).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

VERDICTS = ("spam", "virus", "spf", "dkim", "dmarc")


@dataclass(frozen=True)
class SesReceipt:
    message_id: str
    timestamp: str
    source: str
    recipients: tuple[str, ...]
    verdicts: dict[str, str] = field(default_factory=dict)
    headers_truncated: bool = False
    bucket: str | None = None
    object_key: str | None = None
    subject: str | None = None


def _verdict(receipt: dict[str, Any], name: str) -> str:
    value = receipt.get(f"{name}Verdict")
    status = value.get("status") if isinstance(value, dict) else None
    return str(status).upper() if status else "MISSING"


def _receipt(mail: dict[str, Any], receipt: dict[str, Any]) -> SesReceipt:
    raw_action, raw_common = receipt.get("action"), mail.get("commonHeaders")
    action: dict[str, Any] = raw_action if isinstance(raw_action, dict) else {}
    common: dict[str, Any] = raw_common if isinstance(raw_common, dict) else {}
    recipients = receipt.get("recipients") or mail.get("destination") or []
    return SesReceipt(
        message_id=str(mail.get("messageId") or ""), timestamp=str(mail.get("timestamp") or receipt.get("timestamp") or ""),
        source=str(mail.get("source") or ""),
        recipients=tuple(str(r) for r in recipients if isinstance(r, str)),
        verdicts={name: _verdict(receipt, name) for name in VERDICTS},
        headers_truncated=bool(mail.get("headersTruncated", False)),
        bucket=action.get("bucketName") if action.get("type") == "S3" else None,
        object_key=action.get("objectKey") if action.get("type") == "S3" else None,
        subject=common.get("subject") if isinstance(common.get("subject"), str) else None)


def receipts_from_event(event: Any) -> list[SesReceipt]:
    """Every mail in the event; malformed records are skipped (and counted by the caller)."""
    if not isinstance(event, dict):
        return []
    if isinstance(event.get("Records"), list):
        out = []
        for record in event["Records"]:
            ses = record.get("ses") if isinstance(record, dict) else None
            if isinstance(ses, dict) and isinstance(ses.get("mail"), dict):
                out.append(_receipt(ses["mail"], ses.get("receipt") or {}))
        return out
    if isinstance(event.get("mail"), dict):
        return [_receipt(event["mail"], event.get("receipt") or {})]
    return []
