"""Header fields of one MIME part: raw 8-bit repair, unfolding, and the Date.

Owns: rewriting a part's raw 8-bit header values (which CPython keeps as lone surrogates)
into real text before anything reads them (and cutting absurdly long parameter headers),
unfolding values, and reading a Date header into ISO 8601 UTC (comments such as "(EDT)"
ignored, impossible times such as hour 27 reported as a defect, never raised).
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from email.message import Message
from email.utils import parsedate_tz

from chalicelib.mail.charsets import decode_8bit_header

MAX_PARAMETER_HEADER = 16_000
_PARAMETER_HEADERS = frozenset({"content-type", "content-disposition"})
_FOLD = re.compile(r"\r?\n(?=[ \t])|\r(?=[ \t])")
_STRAY_BREAK = re.compile(r"[\r\n]+")
_COMMENT = re.compile(r"\([^()]*\)")
_MAX_DATE_CHARS = 200  # a real Date is about 40 characters
_MAX_COMMENT_NESTING = 5


def repair_8bit_headers(part: Message) -> list[str]:
    """Decode raw 8-bit header values in place (UTF-8, else windows-1252); keeps order.

    Afterwards the stdlib's accessors (`get_param`, `get_filename`, ...) see plain text.
    Content-Type and Content-Disposition values are also cut to `MAX_PARAMETER_HEADER`
    characters: the stdlib's parameter parser is quadratic in their length.
    """
    fields = list(part.raw_items())
    if all(value.isascii() and len(value) <= MAX_PARAMETER_HEADER for _, value in fields):
        return []
    defects: list[str] = []
    repaired: list[tuple[str, str]] = []
    for name, value in fields:
        text, fallback = decode_8bit_header(value)
        if fallback:
            defects.append(f"8-bit header {name} is not UTF-8, decoded as {fallback}")
        if len(text) > MAX_PARAMETER_HEADER and name.lower() in _PARAMETER_HEADERS:
            text = text[:MAX_PARAMETER_HEADER]
            defects.append(f"{name} longer than {MAX_PARAMETER_HEADER} characters, cut")
        repaired.append((name, text))
    _replace_all(part, repaired)
    return defects


def _replace_all(part: Message, fields: list[tuple[str, str]]) -> None:
    """Swap in new header values, order kept, in linear time.

    `Message` has no public bulk setter and deleting field by field is quadratic (a mail
    with thousands of 8-bit headers took seconds), so the list every stdlib `Message`
    keeps its headers in is updated in place; the public route stays as a fallback.
    """
    stored = getattr(part, "_headers", None)
    if isinstance(stored, list) and len(stored) == len(fields):
        stored[:] = fields
        return
    for name in {name for name, _ in fields}:
        del part[name]
    for name, text in fields:
        part.set_raw(name, text)


def unfold(value: str) -> str:
    """One logical line: folding line breaks removed, stray CR/LF turned into spaces."""
    return _STRAY_BREAK.sub(" ", _FOLD.sub("", value)).strip()


def raw_values(part: Message, name: str) -> list[str]:
    """Every value of a header field in order, unfolded, as plain `str` (never `Header`)."""
    wanted = name.lower()
    return [unfold(value) for field, value in part.raw_items() if field.lower() == wanted]


def parse_date(value: str) -> tuple[str | None, list[str]]:
    """An RFC 5322 date as `YYYY-MM-DDTHH:MM:SSZ`, or None with a defect when unusable."""
    shown = value if len(value) <= _MAX_DATE_CHARS else value[:_MAX_DATE_CHARS] + "..."
    if len(value) > _MAX_DATE_CHARS:
        return None, [f"Date {shown!r} unparseable (too long)"]
    cleaned = value
    for _ in range(_MAX_COMMENT_NESTING):
        if not _COMMENT.search(cleaned):
            break
        cleaned = _COMMENT.sub(" ", cleaned)
    try:
        parts = parsedate_tz(cleaned)
    except Exception:  # the stdlib date parser has raised on odd input before
        parts = None
    if parts is None:
        return None, [f"Date {shown!r} unparseable"]
    year, month, day, hour, minute, second = parts[:6]
    offset = parts[9] or 0  # the stdlib reads a missing or unknown zone as UTC, and so do we
    try:
        local = datetime(year, month, day, hour, minute, min(second, 59))
        moment = local - timedelta(seconds=offset)
    except (ValueError, OverflowError):
        return None, [f"Date {shown!r} is not a real time"]
    return (
        f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}T"
        f"{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}Z",
        [],
    )
