"""The envelope fields of a mail's top-level header: who, what, when, and every header.

Owns: message_id, from/sender/reply_to/to/cc/bcc, subject, date and the ordered, decoded
header list; notes on repeated single-use fields; and spotting repeated X-SES-*-Verdict
headers (a sign the sender wrote some of them: never a verdict in itself).
"""
from __future__ import annotations

from collections import Counter
from email.message import Message

from chalicelib.mail.addresses import Address, parse_addresses
from chalicelib.mail.defects import DefectLog
from chalicelib.mail.encoded_words import decode_header_text
from chalicelib.mail.headers import parse_date, raw_values

_SINGLE_FIELDS = ("subject", "date", "message-id", "sender", "to", "cc", "reply-to")


def read_envelope(
    root: Message, fields: list[tuple[str, str]], defects: DefectLog
) -> dict[str, object]:
    """The envelope keys of the item; `fields` are the root's unfolded (name, value) pairs."""
    for name in _SINGLE_FIELDS:
        count = count_fields(fields, name)
        if count > 1:
            defects.add(f"{count} {name} headers, the first is used")
    if count_fields(fields, "from") > 1:
        defects.add(f"{count_fields(fields, 'from')} From headers, all kept")

    def addresses(name: str) -> list[Address]:
        found, notes = parse_addresses(name, raw_values(root, name))
        defects.extend(notes)
        return found

    senders = addresses("Sender")
    message_ids = raw_values(root, "message-id")
    return {
        "message_id": message_ids[0] if message_ids else None,
        "from": addresses("From"),
        "sender": senders[0] if senders else None,
        "reply_to": addresses("Reply-To"),
        "to": addresses("To"),
        "cc": addresses("Cc"),
        "bcc": addresses("Bcc"),
        "subject": _subject(root, defects),
        "date": _date(root, defects),
        "headers": [_header_entry(name, value, defects) for name, value in fields],
    }


def count_fields(fields: list[tuple[str, str]], name: str) -> int:
    return sum(1 for field_name, _ in fields if field_name.lower() == name)


def repeated_ses_verdicts(fields: list[tuple[str, str]]) -> bool:
    """True when an X-SES-*-Verdict header appears twice (SES adds each one once)."""
    counts = Counter(
        key for key in (name.lower() for name, _ in fields)
        if key.startswith("x-ses-") and key.endswith("-verdict")
    )
    return any(count > 1 for count in counts.values())


def _subject(root: Message, defects: DefectLog) -> str | None:
    values = raw_values(root, "subject")
    if not values:
        return None
    text, notes = decode_header_text(values[0])
    defects.extend(notes, where="Subject")
    return text


def _date(root: Message, defects: DefectLog) -> str | None:
    values = raw_values(root, "date")
    if not values:
        return None
    date, notes = parse_date(values[0])
    defects.extend(notes)
    return date


def _header_entry(name: str, value: str, defects: DefectLog) -> dict[str, object]:
    text, notes = decode_header_text(value)
    defects.extend(notes, where=name)
    return {"name": name, "value": text}
