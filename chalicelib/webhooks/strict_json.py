"""JSON as RFC 8259 has it, and nothing Python's `json` lets through beyond that: `NaN`,
`Infinity` and numbers too large for a double (`1e400` → inf) are refused, and so are `\\ud800`
escapes that leave an unpaired surrogate, which no UTF-8 store or receiver can hold. Every JSON
text a sender controls is read through `loads` so no such value reaches the log or a scenario."""
from __future__ import annotations

import json
import math
import re
from typing import Any

_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


class StrictJsonError(ValueError):
    """The text is JSON to Python but not valid JSON data; the message says what."""


def _no_constant(name: str) -> Any:
    raise StrictJsonError(f"{name} is not a JSON number")


def _finite(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise StrictJsonError(f"number {text[:40]} is out of range")
    return value


def _has_lone_surrogate(value: Any) -> bool:
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, dict):
        return any(_has_lone_surrogate(k) or _has_lone_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_lone_surrogate(v) for v in value)
    return False


def loads(text: str) -> Any:
    """`json.loads`, strict; raises `json.JSONDecodeError` or `StrictJsonError` (both ValueError)."""
    value = json.loads(text, parse_constant=_no_constant, parse_float=_finite)
    if _SURROGATE_ESCAPE.search(text) and _has_lone_surrogate(value):
        raise StrictJsonError("a \\u escape leaves an unpaired surrogate (not a Unicode character)")
    return value
