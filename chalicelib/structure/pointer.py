"""JSON Pointers (RFC 6901) for the fields of a hook's data structure.

Owns the one spelling of a field's path used across structure inference, validation
problems and drift flags: `~` is written `~0`, `/` is written `~1`, every other character
(dots, spaces, `$`, the empty key) is kept as it is, so a key "a.b" and a nested a→b never
collide. Inside an array the token `*` stands for "every element" (field paths describe
the schema, not one item); validation problems use the concrete index instead.
"""
from __future__ import annotations

from collections.abc import Iterable

EVERY_ELEMENT = "*"


def escape(token: str) -> str:
    """One reference token, escaped: "a/b~c" → "a~1b~0c"."""
    return token.replace("~", "~0").replace("/", "~1")


def child(pointer: str, token: str | int) -> str:
    """The pointer one level below `pointer`: child("/a", "b.c") → "/a/b.c"."""
    return f"{pointer}/{escape(str(token))}"


def from_tokens(tokens: Iterable[str | int]) -> str:
    """The pointer made of these raw tokens; no tokens is the whole document ("")."""
    return "".join("/" + escape(str(token)) for token in tokens)
