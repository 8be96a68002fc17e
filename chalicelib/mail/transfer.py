"""Content-Transfer-Encoding: a part's body text back to its bytes, repairing what breaks.

Owns: base64 (padding repaired, padding inside the data decoded chunk by chunk, text that
is not base64 kept raw), quoted-printable (decoded whole to bytes before any charset is
applied) and the identity encodings. The stdlib's parser hands bodies over as `str` with
8-bit bytes surrogate-escaped; every function here takes that form and never raises.
"""
from __future__ import annotations

import binascii
import re

_NOT_BASE64 = re.compile(rb"[^A-Za-z0-9+/=\s]")
_BASE64_CHUNK = re.compile(rb"[A-Za-z0-9+/]+=*")
_NOT_BASE64_OR_PAD = re.compile(rb"[^A-Za-z0-9+/=]")
# An encoded CR right before a hard line break: the break already is the CRLF.
_QP_CR_BEFORE_BREAK = re.compile(rb"=0[dD](?=\r?\n)")
_IDENTITY = frozenset({"", "7bit", "8bit", "binary", "7-bit", "8-bit"})
# More than this share of characters outside the alphabet means the body is not base64.
_MAX_JUNK_RATIO = 0.01


def to_bytes(payload: str | bytes) -> bytes:
    """The original bytes of a body the stdlib decoded as ASCII with surrogateescape."""
    if isinstance(payload, bytes):
        return payload
    return payload.encode("utf-8", errors="surrogateescape")


def transfer_encoding(value: str | None) -> str:
    """The encoding token of a Content-Transfer-Encoding value (`" Base64; x"` -> `"base64"`)."""
    if not value:
        return ""
    token = value.strip().split(";", 1)[0].split()
    return token[0].lower() if token else ""


def decode_transfer(payload: str | bytes, encoding: str) -> tuple[bytes, list[str]]:
    """Decode a body given the token from `transfer_encoding`; returns bytes and defects."""
    if encoding == "base64":
        return decode_base64(payload)
    if encoding == "quoted-printable":
        return decode_quoted_printable(to_bytes(payload)), []
    data = to_bytes(payload)
    if encoding in _IDENTITY:
        return data, []
    return data, [f"unknown Content-Transfer-Encoding {encoding!r}, body kept as is"]


def decode_quoted_printable(data: bytes) -> bytes:
    """Quoted-printable to bytes; `=0D` before a hard line break does not double the CR."""
    if b"=0" in data:
        data = _QP_CR_BEFORE_BREAK.sub(b"", data)
    return binascii.a2b_qp(data)


def decode_base64(payload: str | bytes) -> tuple[bytes, list[str]]:
    """Base64 to bytes. Well-formed input takes one C call on the text as given (no copy)."""
    data = payload
    if isinstance(data, str) and not data.isascii():
        data = to_bytes(data)
    if _padding_only_at_end(data):
        try:
            return binascii.a2b_base64(data), []
        except (binascii.Error, ValueError):
            pass
    return _repair_base64(data.encode("ascii") if isinstance(data, str) else data)


def _padding_only_at_end(data: str | bytes) -> bool:
    """False when `=` appears before the end (the stdlib would stop decoding there)."""
    if isinstance(data, str):
        at = data.find("=")
        return at == -1 or not data[at:].strip("= \t\r\n")
    at = data.find(b"=")
    return at == -1 or not data[at:].strip(b"= \t\r\n")


def _repair_base64(data: bytes) -> tuple[bytes, list[str]]:
    junk = len(_NOT_BASE64.findall(data))
    if junk > _MAX_JUNK_RATIO * len(data):
        return data, ["body is not valid base64, kept undecoded"]
    chunks = _BASE64_CHUNK.findall(_NOT_BASE64_OR_PAD.sub(b"", data))
    decoded: list[bytes] = []
    defects: list[str] = []
    for chunk in chunks:
        symbols = chunk.rstrip(b"=")
        if len(symbols) % 4 == 1:
            symbols = symbols[:-1]
            defects.append("base64 had a stray final character, dropped")
        if symbols:
            decoded.append(binascii.a2b_base64(symbols + b"=" * (-len(symbols) % 4)))
    if len(chunks) > 1:
        defects.append("base64 with padding inside the data, decoded chunk by chunk")
    elif not defects:
        defects.append("base64 padding repaired")
    return b"".join(decoded), defects
