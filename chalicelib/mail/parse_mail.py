"""parse_mail: one raw RFC 5322 mail (as SES stores it in S3) into a JSON-safe item and blobs.

Owns: putting the pieces together. The stdlib builds the MIME tree; this module picks the
message's own text and html body, lists attachments and inline parts (with their decoded
bytes as blobs under stable keys), parses forwarded messages with the same parser, reads
the envelope headers, sets the auto-reply/bounce/multiple-From flags and collects every
defect. It never raises and never emits a string that UTF-8 cannot encode. It gives no
spam, virus or authentication verdicts: those come from the SES event, not the headers.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from email.message import Message
from typing import cast
from urllib.parse import unquote

from chalicelib.mail.addresses import Address
from chalicelib.mail.charsets import decode_text, scrub
from chalicelib.mail.defects import DefectLog
from chalicelib.mail.envelope import count_fields, read_envelope, repeated_ses_verdicts
from chalicelib.mail.headers import raw_values, unfold
from chalicelib.mail.mime_tree import (
    Leaf,
    body_payload,
    leaves,
    parse_headers_only,
    parse_tree,
    part_path,
    prepare_parts,
    release_body,
)
from chalicelib.mail.part_info import (
    charset_label,
    content_id,
    disposition,
    extension,
    filename,
)
from chalicelib.mail.reports import (
    RETURNED_HEADER_TYPES,
    STATUS_TYPES,
    is_auto_reply,
    read_bounce,
    report_type_of,
)
from chalicelib.mail.transfer import decode_transfer, transfer_encoding

# Forwarded messages inside forwarded messages are parsed down to this depth.
MAX_NESTING = 8
_BODY_TYPES = ("text/plain", "text/html")
_NESTED_MAIL_TYPES = frozenset({"message/rfc822", "message/global"})
_CID_REFERENCE = re.compile(r"cid:([^\"'\s<>)]+)", re.IGNORECASE)


@dataclass(frozen=True)
class MailBlob:
    """Bytes the caller stores under `<item prefix>/<key>`; `key` matches an entry's `key`."""

    key: str  # "attachments/1", "inline/1", nested: "attachments/2.1", "inline/2.1"
    content: bytes  # the decoded part bytes, byte-exact


@dataclass(frozen=True)
class ParsedMail:
    """The item to store (JSON-safe) and the blobs to store beside it.

    `item` keys (addresses are {"name": str | None, "address": str}):
      message_id     str | None, as written (with <>)
      from           [address], every From header's every mailbox
      sender         address | None;  reply_to, to, cc, bcc: [address]
      subject        str | None, RFC 2047 decoded
      date           "YYYY-MM-DDTHH:MM:SSZ" (UTC) | None (missing or unusable: see defects)
      headers        [{"name", "value"}] in order, unfolded and decoded, X-SES-* included
      size           int, bytes of the raw mail
      text, html     str | None, the message's own first text/plain and text/html
      attachments,   [{key, filename | None, generated_name, content_type, size,
      inline           content_id | None, disposition | None, sha256, charset (text/* only),
                       referenced_by_html (inline only), nested (message/rfc822 only:
                       the forwarded message's item, or None past MAX_NESTING)}]
      flags          {auto_reply, bounce, multiple_from, read_receipt,
                      duplicate_ses_verdict_headers}: bools
      bounce         None | {report_type, detected_by ("report" | "heuristic"),
                      recipients [failed addresses], delivery_status [per recipient:
                      final_recipient, original_recipient, action, status, diagnostic,
                      remote_mta], original_message_id, failed}
      defects        [str], at most MAX_DEFECTS plus a count of the rest
    """

    item: dict[str, object]
    blobs: list[MailBlob]


def parse_mail(raw: bytes) -> ParsedMail:
    """Parse one raw mail. Broken mail is read as far as it goes; defects are listed."""
    return _parse(raw, depth=0, number_prefix="")


@dataclass
class _Content:
    text: str | None = None
    html: str | None = None
    attachments: list[dict[str, object]] = field(default_factory=list)
    inline: list[dict[str, object]] = field(default_factory=list)
    blobs: list[MailBlob] = field(default_factory=list)
    status_body: bytes | None = None
    returned_headers: bytes | None = None


def _parse(raw: bytes, depth: int, number_prefix: str) -> ParsedMail:
    defects = DefectLog()
    try:
        return _parse_tree_into_item(raw, depth, number_prefix, defects)
    except Exception as error:  # last resort: a bug must not lose the mail
        defects.add(f"internal error {type(error).__name__}: mail kept as raw bytes only")
        return ParsedMail(item=_empty_item(len(raw), defects.as_list()), blobs=[])


def _read_tree(raw: bytes, defects: DefectLog) -> Message:
    try:
        return parse_tree(raw)
    except RecursionError:  # absurdly deep multipart nesting exhausts the stdlib's parser
        defects.add("MIME structure nested too deep, body read as plain text")
        return parse_headers_only(raw)


def _parse_tree_into_item(
    raw: bytes, depth: int, number_prefix: str, defects: DefectLog
) -> ParsedMail:
    root = _read_tree(raw, defects)
    defects.extend(prepare_parts(root))
    fields = [(name, unfold(value)) for name, value in root.raw_items()]
    item = read_envelope(root, fields, defects)
    senders = cast(list[Address], item["from"])
    content = _content(root, depth, number_prefix, defects)
    report_type = report_type_of(root)
    subject = item["subject"]
    bounce = read_bounce(
        report_type,
        content.status_body,
        content.returned_headers,
        [str(sender["address"]) for sender in senders],
        subject if isinstance(subject, str) else None,
    )
    if bounce and bounce["detected_by"] == "heuristic":
        defects.add("bounce recognised by sender and subject only (not an RFC 3464 report)")
    item.update(
        size=len(raw),
        text=content.text,
        html=content.html,
        attachments=content.attachments,
        inline=content.inline,
        flags={
            "auto_reply": is_auto_reply(fields),
            "bounce": bool(bounce and bounce["failed"]),
            "multiple_from": count_fields(fields, "from") > 1 or len(senders) > 1,
            "read_receipt": report_type == "disposition-notification",
            # A tamper signal for the verdict code elsewhere, not a verdict: SES adds one of
            # each, so a repeated one was written by the sender.
            "duplicate_ses_verdict_headers": repeated_ses_verdicts(fields),
        },
        bounce=bounce,
        defects=defects.as_list(),
    )
    return ParsedMail(item=_json_safe_item(item), blobs=content.blobs)


def _is_body(content_type: str, part_disposition: str | None, name: str | None) -> bool:
    """A body is text or html that is neither marked as an attachment nor named like a file."""
    return content_type in _BODY_TYPES and part_disposition in (None, "inline") and not name


def _content(root: Message, depth: int, number_prefix: str, defects: DefectLog) -> _Content:
    content = _Content()
    others: list[tuple[Leaf, str, str | None, str | None]] = []
    for leaf in leaves(root):
        where = part_path(leaf.path)
        content_type = "text/plain" if leaf.broken_multipart else leaf.part.get_content_type()
        part_disposition = None if leaf.broken_multipart else disposition(leaf.part)
        name, notes = filename(leaf.part)
        defects.extend(notes, where=where)
        is_body = _is_body(content_type, part_disposition, name)
        if is_body and content_type == "text/plain" and content.text is None:
            content.text = _decode_body(leaf.part, where, defects)
        elif is_body and content_type == "text/html" and content.html is None:
            content.html = _decode_body(leaf.part, where, defects)
        else:
            others.append((leaf, content_type, part_disposition, name))
    referenced = {unquote(cid).lower() for cid in _CID_REFERENCE.findall(content.html or "")}
    for leaf, content_type, part_disposition, name in others:
        _add_part(content, leaf, content_type, part_disposition, name, referenced,
                  depth, number_prefix, defects)
    return content


def _payload_bytes(part: Message, where: str, defects: DefectLog) -> bytes:
    payload = body_payload(part)
    if payload is None:
        return b""
    declared = raw_values(part, "content-transfer-encoding")
    encoding = transfer_encoding(declared[0] if declared else None)
    data, notes = decode_transfer(payload, encoding)
    defects.extend(notes, where=where)
    release_body(part)
    return data


def _decode_body(part: Message, where: str, defects: DefectLog) -> str:
    decoded = decode_text(_payload_bytes(part, where, defects), charset_label(part))
    defects.extend(decoded.defects, where=where)
    return decoded.text


def _add_part(
    content: _Content,
    leaf: Leaf,
    content_type: str,
    part_disposition: str | None,
    name: str | None,
    referenced: set[str],
    depth: int,
    number_prefix: str,
    defects: DefectLog,
) -> None:
    where = part_path(leaf.path)
    cid = content_id(leaf.part)
    shown_inline = part_disposition in (None, "inline") and (
        leaf.in_related or (cid is not None and cid.lower() in referenced)
    )
    is_inline = shown_inline and content_type not in _NESTED_MAIL_TYPES
    entries = content.inline if is_inline else content.attachments
    kind = "inline" if is_inline else "attachment"
    number = f"{number_prefix}{len(entries) + 1}"
    key = f"{'inline' if is_inline else 'attachments'}/{number}"
    data = _payload_bytes(leaf.part, where, defects)
    content.blobs.append(MailBlob(key=key, content=data))
    entry: dict[str, object] = {
        "key": key,
        "filename": name,
        "generated_name": f"{kind}-{len(entries) + 1}.{extension(content_type)}",
        "content_type": content_type,
        "size": len(data),
        "content_id": cid,
        "disposition": part_disposition,
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    if content_type.startswith("text/"):
        # The charset the bytes really are in (labels lie or are misspelt), for serving them.
        decoded = decode_text(data, charset_label(leaf.part))
        defects.extend(decoded.defects, where=where)
        entry["charset"] = decoded.charset
    if is_inline:
        entry["referenced_by_html"] = cid is not None and cid.lower() in referenced
    if content_type in _NESTED_MAIL_TYPES:
        entry["nested"] = _nested(data, depth, f"{number}.", where, content, defects)
    if content_type in STATUS_TYPES and content.status_body is None:
        content.status_body = data
    if content_type in RETURNED_HEADER_TYPES and content.returned_headers is None:
        content.returned_headers = data
    entries.append(entry)


def _nested(
    data: bytes, depth: int, number_prefix: str, where: str, content: _Content, defects: DefectLog
) -> dict[str, object] | None:
    if depth + 1 > MAX_NESTING:
        defects.add(f"forwarded message nested too deep, not parsed, in {where}")
        return None
    nested = _parse(data, depth + 1, number_prefix)
    content.blobs.extend(nested.blobs)
    return nested.item


def _empty_item(size: int, defects: list[str]) -> dict[str, object]:
    return {
        "size": size,
        "message_id": None, "from": [], "sender": None, "reply_to": [], "to": [], "cc": [],
        "bcc": [], "subject": None, "date": None, "headers": [], "text": None, "html": None,
        "attachments": [], "inline": [], "bounce": None, "defects": defects,
        "flags": {"auto_reply": False, "bounce": False, "multiple_from": False,
                  "read_receipt": False, "duplicate_ses_verdict_headers": False},
    }


def _json_safe_item(item: dict[str, object]) -> dict[str, object]:
    return {key: _json_safe(value) for key, value in item.items()}


def _json_safe(value: object) -> object:
    """Belt and braces: no lone surrogate survives, whatever path produced the string."""
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {scrub(str(k)): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    return value
