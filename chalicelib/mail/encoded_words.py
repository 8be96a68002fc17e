"""RFC 2047 encoded-words in header values, decoded the way real mail needs.

Owns: decoding `=?charset?B|Q?text?=` words with adjacent words of one charset joined as
bytes before charset-decoding (senders split multibyte characters across words), charset
labels such as `NONE` or typos, short base64 padding; and, for address headers, turning
encoded display names into quoted strings so a decoded comma is not read as a separator.
"""
from __future__ import annotations

import binascii
import re

from chalicelib.mail.charsets import decode_text
from chalicelib.mail.transfer import decode_base64

_WORD = r"=\?([^?\s]*)\?([bBqQ])\?([^?]*)\?="
_ENCODED_WORD = re.compile(_WORD)
# In structured headers a word may not hold quotes, parens or spaces (keeps quoting sound).
_STRUCTURED_RUN = re.compile(
    r"=\?[^?\s\"()]*\?[bBqQ]\?[^?\s\"()]*\?=(?:[ \t]*=\?[^?\s\"()]*\?[bBqQ]\?[^?\s\"()]*\?=)*"
)
_LINE_BREAKS = re.compile(r"[\r\n]+")


def _word_bytes(encoding: str, text: str) -> tuple[bytes, list[str]]:
    if encoding in "bB":
        return decode_base64(text)
    return binascii.a2b_qp(text.encode("utf-8"), header=True), []


def decode_header_text(value: str) -> tuple[str, list[str]]:
    """Decode every encoded-word in an unfolded header value; other text is kept as is."""
    if "=?" not in value:
        return value, []
    out: list[str] = []
    defects: list[str] = []
    run_charset: str | None = None  # charset of the encoded bytes waiting to be decoded
    run: list[bytes] = []
    after_word = False
    position = 0

    def flush() -> None:
        nonlocal run_charset, run
        if run_charset is not None:
            decoded = decode_text(b"".join(run), run_charset)
            out.append(_LINE_BREAKS.sub(" ", decoded.text))
            defects.extend(f"{note} (encoded-word)" for note in decoded.defects)
        run_charset, run = None, []

    for match in _ENCODED_WORD.finditer(value):
        between = value[position:match.start()]
        charset = match.group(1).split("*", 1)[0]  # RFC 2231 language suffix: utf-8*en
        data, notes = _word_bytes(match.group(2), match.group(3))
        defects.extend(f"{note} (encoded-word)" for note in notes)
        if not (after_word and not between.strip(" \t")):
            flush()
            out.append(between)
        elif charset.lower() != (run_charset or "").lower():
            flush()  # adjacent words: the whitespace between them is dropped
        if run_charset is None:
            run_charset = charset
        run.append(data)
        after_word = True
        position = match.end()
    flush()
    out.append(value[position:])
    return "".join(out), defects


def _escape(text: str) -> str:
    return re.sub(r'([\\"()])', r"\\\1", text)


def quote_encoded_words(value: str) -> tuple[str, list[str]]:
    """Replace encoded-words in an address header with quoted strings of their text.

    `=?UTF-8?B?Rm9vLCBCYXI=?= <a@x>` becomes `"Foo, Bar" <a@x>`, which a structured parser
    reads as one mailbox; a word already inside quotes is replaced by its escaped text.
    """
    if "=?" not in value:
        return value, []
    out: list[str] = []
    defects: list[str] = []
    in_quotes = False
    comment_depth = 0
    i = 0
    while i < len(value):
        if value.startswith("=?", i):
            match = _STRUCTURED_RUN.match(value, i)
            if match:
                text, notes = decode_header_text(match.group(0))
                defects.extend(notes)
                escaped = _escape(text)
                out.append(escaped if in_quotes else f'"{escaped}"')
                i = match.end()
                continue
        char = value[i]
        if char == "\\":
            out.append(value[i:i + 2])
            i += 2
            continue
        if char == '"' and comment_depth == 0:
            in_quotes = not in_quotes
        elif char == "(" and not in_quotes:
            comment_depth += 1
        elif char == ")" and not in_quotes and comment_depth:
            comment_depth -= 1
        out.append(char)
        i += 1
    return "".join(out), defects
