"""Bodies sent with `Content-Encoding: gzip` or `deflate` are decoded before parsing (the raw,
encoded bytes are what is logged and what signatures cover); a decoded body may not exceed the
hook's size limit, so a small bomb cannot grow into a large one."""
from __future__ import annotations

import zlib

from chalicelib.webhooks.parse_body import BodyError

_WBITS = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}


class UnsupportedEncoding(ValueError):
    """A content coding Inlet does not decode; the message names it."""


def decoded_body(body: bytes, content_encoding: str | None, limit: int) -> bytes:
    codings = [c.strip().lower() for c in (content_encoding or "").split(",") if c.strip()]
    for coding in reversed(codings):  # applied in order, so undone last-first
        if coding == "identity":
            continue
        if coding not in _WBITS:
            raise UnsupportedEncoding(f"Content-Encoding {coding!r} is not supported (use gzip, deflate or none)")
        decompressor = zlib.decompressobj(_WBITS[coding])
        try:
            out = decompressor.decompress(body, limit + 1)
        except zlib.error as error:
            raise BodyError(f"body is not valid {coding}: {error}") from None
        if len(out) > limit or decompressor.unconsumed_tail:
            raise BodyError(f"decoded {coding} body is over this hook's limit of {limit} bytes")
        body = out
    return body
