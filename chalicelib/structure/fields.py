"""The fields a hook's data structure knows, as JSON Pointers.

Owns `field_paths()`: every property at any depth, in schema order, parents before
children. Keys are escaped per RFC 6901 only (`~0`, `~1`), so "a.b" gives "/a.b" while a
nested a→b gives "/a/b", and the empty key gives "/". Inside arrays the token `*` stands for
every element ("/items/*/sku"); a fixed-position (tuple) array uses the position ("/pair/0").
Array elements that are not objects are not fields of their own.
"""
from __future__ import annotations

from typing import Any

from .pointer import EVERY_ELEMENT, child


def field_paths(schema: dict[str, Any]) -> list[str]:
    """JSON Pointer of every field the schema knows, without duplicates."""
    found: dict[str, None] = {}
    _walk(schema, "", found)
    return list(found)


def _walk(schema: object, pointer: str, found: dict[str, None]) -> None:
    if not isinstance(schema, dict):
        return
    properties = schema.get("properties")
    if isinstance(properties, dict):
        for key, subschema in properties.items():
            path = child(pointer, key)
            found[path] = None
            _walk(subschema, path, found)
    items = schema.get("items")
    if isinstance(items, dict):
        _walk(items, child(pointer, EVERY_ELEMENT), found)
    elif isinstance(items, list):
        for position, item in enumerate(items):
            _walk(item, child(pointer, position), found)
    for branch in schema.get("anyOf", ()):
        _walk(branch, pointer, found)
