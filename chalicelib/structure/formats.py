"""The string formats Inlet recognises: `date-time`, `email` and `uri`.

Owns one definition of each format, used both when learning (a format is kept only while
every string seen in that field passes its check) and when validating (the same checks are
handed to fastjsonschema as custom formats), so a learned format never rejects a string
that taught it. Each check starts from fastjsonschema's own regular expression and only adds
conditions on top:

- date-time: RFC 3339 (`2019-05-15T15:20:38Z`, `...:08.000+02:00`), fastjsonschema's regex,
  which also checks calendar days. Epoch numbers and decimal strings such as
  "1477958101.000004" are not date-times.
- email: fastjsonschema's regex, plus a domain that is a valid hostname and an unquoted
  local part (no whitespace, no `:;,<>()[]"\\`), so "git@github.com:owner/repo.git",
  "Jane <jane@example.com>" and "mailto:jane@example.com" are not emails.
- uri: fastjsonschema's regex, plus an RFC 3986 scheme (starts with a letter) and either an
  authority (`scheme://host...`) or one of the opaque schemes mailto, urn, tel, data, so
  "12:30" or "Re:x" are not URIs.
"""
from __future__ import annotations

import re
from collections.abc import Callable

from fastjsonschema.draft04 import CodeGeneratorDraft04

_LIBRARY_REGEXES = CodeGeneratorDraft04.FORMAT_REGEXS
_DATE_TIME = re.compile(_LIBRARY_REGEXES["date-time"])
_EMAIL = re.compile(_LIBRARY_REGEXES["email"])
_HOSTNAME = re.compile(_LIBRARY_REGEXES["hostname"])
_URI = re.compile(_LIBRARY_REGEXES["uri"])
_LOCAL_PART = re.compile(r'[^\s@:;,<>()\[\]"\\]+\Z')  # unquoted: no whitespace or specials
_URI_WITH_AUTHORITY = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://[^/?#\s]")
_URI_OPAQUE = re.compile(r"(?:mailto|urn|tel|data):\S", re.IGNORECASE)


def is_date_time(value: str) -> bool:
    """RFC 3339 date-time with a valid calendar day."""
    return len(value) >= 20 and value[4:5] == "-" and _DATE_TIME.match(value) is not None


def is_email(value: str) -> bool:
    """An address `local@host.domain`: unquoted local part, hostname domain."""
    at = value.rfind("@")
    if at <= 0:
        return False
    return (
        _EMAIL.match(value) is not None
        and _LOCAL_PART.match(value[:at]) is not None
        and _HOSTNAME.match(value[at + 1:]) is not None
    )


def is_uri(value: str) -> bool:
    """An absolute URI with an authority, or a mailto/urn/tel/data URI."""
    if ":" not in value or _URI.match(value) is None:
        return False
    return _URI_WITH_AUTHORITY.match(value) is not None or _URI_OPAQUE.match(value) is not None


# In order of preference: when a field's strings fit several formats, the first one is kept.
FORMAT_CHECKS: dict[str, Callable[[str], bool]] = {
    "date-time": is_date_time,
    "email": is_email,
    "uri": is_uri,
}


def formats_of(value: str) -> frozenset[str]:
    """Every recognised format this string fits."""
    return frozenset(name for name, check in FORMAT_CHECKS.items() if check(value))
