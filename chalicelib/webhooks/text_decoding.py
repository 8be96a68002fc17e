"""Bytes to text for bodies: the declared charset when Python knows it, else UTF-8, else
windows-1252 (which maps every byte), so decoding never fails."""
from __future__ import annotations

import codecs


def known_charset(label: str | None) -> str | None:
    """The codec name for a charset label, or None when Python does not know it."""
    if not label:
        return None
    try:
        return codecs.lookup(label.strip().strip('"')).name
    except LookupError:
        return None


def decode_text(body: bytes, charset: str | None) -> tuple[str, str]:
    """Decode body; returns (text, charset actually used)."""
    codec = known_charset(charset)
    if codec is not None:
        try:
            return body.decode(codec), codec
        except UnicodeDecodeError:
            pass
    try:
        return body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return body.decode("cp1252", errors="replace"), "cp1252"
