"""Charset labels as mail carries them, and turning bytes into text without ever failing.

Owns: reading a declared charset label (typos, junk suffixes, labels Python lacks, labels
that lie about their bytes), guessing the charset of undeclared 8-bit bytes (UTF-8, then
windows-1252), and scrubbing lone surrogates so no string leaving the parser breaks UTF-8.
"""
from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

# Labels seen in the wild that name a charset Python knows under another name; no defect.
_EQUIVALENTS: dict[str, str] = {
    "iso-8859-8-i": "iso-8859-8",
    "iso-8859-8-e": "iso-8859-8",
    "iso-8859-6-i": "iso-8859-6",
    "iso-8859-6-e": "iso-8859-6",
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "ksc5601": "cp949",
    "euc-kr": "cp949",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "x-sjis": "cp932",
    "sjis": "cp932",
    "windows-31j": "cp932",
    "big5": "big5hkscs",
    "x-x-big5": "big5hkscs",
    "tis-620": "cp874",
    "iso-8859-11": "cp874",
    "windows-874": "cp874",
    "x-mac-roman": "mac-roman",
    "macintosh": "mac-roman",
    "x-mac-cyrillic": "mac-cyrillic",
}

# Misspellings of a real charset; decoded as the intended one, with a defect.
_TYPOS: dict[str, str] = {
    "uft-8": "utf-8",
    "utf-8x": "utf-8",
    "utf8mb4": "utf-8",
    "x-utf-8": "utf-8",
    "unicode-1-1-utf-8": "utf-8",
    "ut-8": "utf-8",
    "iso8859": "iso-8859-1",
    "iso-8859": "iso-8859-1",
    "latin": "iso-8859-1",
}

# Labels that declare nothing: the bytes are sniffed (UTF-8, then windows-1252).
_NO_CHARSET = frozenset(
    {"unknown-8bit", "x-unknown", "unknown", "none", "default", "charset", "8bit",
     "binary", "x-user-defined", "_autodetect", "_autodetect_all", "auto"}
)

# Codecs that are not charsets a mail could mean; they turn escapes into surrogates or fail.
_REFUSED_CODECS = frozenset(
    {"unicode-escape", "raw-unicode-escape", "idna", "punycode", "undefined", "mbcs", "oem"}
)

_LABEL_TOKEN = re.compile(r"[^\s;,\"']+")
_C1_BYTES = re.compile(rb"[\x80-\x9f]")
_USABLE_UTF8 = re.compile(r"[^\x00-\x7f\ufffd]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def _latin1_for_undefined(error: UnicodeError) -> tuple[str, int]:
    """Map the five bytes windows-1252 leaves undefined to their Latin-1 code points."""
    if not isinstance(error, UnicodeDecodeError):
        raise error
    return error.object[error.start:error.end].decode("latin-1"), error.end


codecs.register_error("inlet.latin1", _latin1_for_undefined)


def decode_cp1252(data: bytes) -> str:
    """windows-1252 as browsers read it: never fails, undefined bytes become C1 controls."""
    return data.decode("cp1252", errors="inlet.latin1")


def decode_undeclared(data: bytes) -> tuple[str, str]:
    """Text whose charset nobody declared: UTF-8 if it is valid, else windows-1252."""
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return decode_cp1252(data), "cp1252"


def first_token(label: str | None) -> str:
    """The charset name out of a label such as `"utf-8; foo"` or `' UTF-8  x9q'`, lowercased."""
    if not label:
        return ""
    match = _LABEL_TOKEN.search(label)
    return match.group(0).lower() if match else ""


def _codec_for(token: str) -> str | None:
    """The Python codec name for a charset token, or None when Python has no such text codec."""
    try:
        info = codecs.lookup(token)
    except (LookupError, ValueError):  # ValueError: a NUL inside the label
        return None
    if info.name.replace("_", "-") in _REFUSED_CODECS:
        return None
    try:
        b"a".decode(info.name)
    except LookupError:  # a bytes-to-bytes codec such as "base64" or "zlib"
        return None
    except UnicodeError:  # a real text codec that cannot end after one byte (utf-16)
        pass
    return info.name


@dataclass(frozen=True)
class Decoded:
    """Text decoded from bytes, the Python codec that produced it, and what was wrong."""

    text: str
    charset: str
    defects: list[str]


def decode_text(data: bytes, label: str | None) -> Decoded:
    """Decode bytes declared with `label` (None when the part declared no charset); never raises.

    The text may still need `scrub` if an exotic codec produced surrogates.
    """
    defects: list[str] = []
    token = first_token(label)
    if label is not None and label.strip().strip("\"'").lower() != token:
        defects.append(f"charset {label!r} has extra text, read as {token or 'undeclared'!r}")
    if not token:
        if label is not None and not defects:
            defects.append("charset label is empty, read as undeclared")
        return _undeclared(data, defects)
    if token in _NO_CHARSET:
        text, used = decode_undeclared(data)
        defects.append(f"charset {token!r} declares nothing, decoded as {used}")
        return Decoded(text, used, defects)
    codec = _codec_for(_EQUIVALENTS.get(token, token))
    if codec is None and token in _TYPOS:
        codec = _codec_for(_TYPOS[token])
        defects.append(f"charset {token!r} unknown, decoded as {_TYPOS[token]}")
    if codec is None:
        text, used = decode_undeclared(data)
        defects.append(f"charset {token!r} unknown, decoded as {used}")
        return Decoded(text, used, defects)
    return _decode_declared(data, token, codec, defects)


def _undeclared(data: bytes, defects: list[str]) -> Decoded:
    if data.isascii():
        return Decoded(data.decode("ascii"), "ascii", defects)
    text, used = decode_undeclared(data)
    defects.append(f"undeclared 8-bit text, decoded as {used}")
    return Decoded(text, used, defects)


def _decode_declared(data: bytes, token: str, codec: str, defects: list[str]) -> Decoded:
    if codec == "ascii":
        if data.isascii():
            return Decoded(data.decode("ascii"), "ascii", defects)
        text, used = decode_undeclared(data)
        defects.append(f"charset {token!r} but 8-bit bytes, decoded as {used}")
        return Decoded(text, used, defects)
    if codec == "iso8859-1":
        if _C1_BYTES.search(data):
            defects.append(f"charset {token!r} holds windows-1252 bytes, decoded as cp1252")
            return Decoded(decode_cp1252(data), "cp1252", defects)
        return Decoded(data.decode("latin-1"), codec, defects)
    if codec == "utf-8":
        try:
            return Decoded(data.decode("utf-8-sig"), codec, defects)
        except UnicodeDecodeError:
            return _broken_utf8(data, token, defects)
    try:
        return Decoded(data.decode(codec), codec, defects)
    except UnicodeDecodeError:
        defects.append(f"invalid {token!r} bytes replaced")
        return Decoded(data.decode(codec, errors="replace"), codec, defects)
    except Exception:  # a codec that is broken in itself must not break the parse
        text, used = decode_undeclared(data)
        defects.append(f"charset {token!r} failed to decode, decoded as {used}")
        return Decoded(text, used, defects)


def _broken_utf8(data: bytes, token: str, defects: list[str]) -> Decoded:
    """UTF-8 with bad bytes: replace them, unless nothing was UTF-8 at all (then cp1252)."""
    replaced = data.decode("utf-8", errors="replace")
    if _USABLE_UTF8.search(replaced):
        defects.append(f"invalid {token!r} bytes replaced")
        return Decoded(replaced, "utf-8", defects)
    defects.append(f"charset {token!r} holds no UTF-8, decoded as cp1252")
    return Decoded(decode_cp1252(data), "cp1252", defects)


def decode_8bit_header(value: str) -> tuple[str, str | None]:
    """Undo the stdlib's surrogateescape on a raw 8-bit header: UTF-8, else windows-1252.

    Returns the text and the charset used when it was not UTF-8 (None otherwise).
    """
    if value.isascii():
        return value, None
    raw = value.encode("utf-8", errors="surrogateescape")
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError:
        return decode_cp1252(raw), "cp1252"


def scrub(text: str) -> str:
    """Replace lone surrogates (which UTF-8 cannot encode) with U+FFFD."""
    if text.isascii():
        return text
    return _SURROGATE.sub("\ufffd", text)
