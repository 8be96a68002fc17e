"""Learning a hook's data structure (a JSON Schema of its items) one item at a time.

Owns `learn()`. The first item determines the schema; each later item refines it and never
narrows it. The conventions (see `nodes` for how genson is taught them):

- Several types at one place are a sorted `"type"` list, never `anyOf`:
  null then string → `{"type": ["null", "string"]}`; null then an object →
  `{"type": ["null", "object"], "properties": {...}, "required": [...]}`.
- A field missing from some items stays in `properties` and leaves `required`.
- An empty array says nothing about its elements (`{"type": "array"}`, no `items`); the
  first non-empty one gives `items`. Elements of one array are merged into one `items`.
- Type drift: when a later item brings a new kind of value where one was already known
  (integer then string; object then string; but not null → anything, and not integer →
  number), the field's JSON Pointer is added to the top-level `"x-inlet-drift"` list
  (sorted, present only when not empty, never shrinks). Inside arrays the pointer token `*`
  stands for every element: "/items/*/qty".
- Strings keep `"format"` (date-time, email, uri) while every string seen fits it.
- Keys are kept exactly as sent ("a.b", "first name", "$ref", ""); the schema is plain JSON,
  and the same items in the same order give the same schema.
- On a hand-set schema, learning manages type, properties, required, items and the three
  formats; any other keyword (title, description, enum, pattern, minimum...) is kept as
  written, even when a new item breaks it: loosening a person's rule is for a person.

Speed: learning costs a genson walk of the item plus a rebuild of the known schema, so it
is skipped when it would change nothing. Once an item has left a schema unchanged (the
schema proved stable), a validator of that schema "closed" to what it knows (no new keys,
no elements where none were seen, every known format) is compiled and kept in an LRU keyed
by canonical JSON; later items that pass it are not walked at all. A schema still in flux
never pays for a compile. Whenever an item adds nothing, `learn` returns the very same dict
it was given, so a caller can skip saving it (`new is old`).
"""
from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from fastjsonschema import JsonSchemaException
from genson import SchemaGenerationError

from .compiler import CACHE_SIZE, SchemaError, canonical, compile_canonical
from .nodes import MAX_DEPTH, Node
from .pointer import EVERY_ELEMENT, child

DRIFT = "x-inlet-drift"
_ROOT_ONLY = ("$schema", DRIFT)

Schema = dict[str, Any]


def learn(schema: Schema | None, sample: object) -> Schema:
    """The hook's schema after seeing one more item (`schema` None: this is the first).

    When the item adds nothing, `schema` itself is returned (callers can skip saving it)."""
    if schema is None:
        return _build(None, sample)
    key = _key(schema)
    check = _checkers.get(key) if key is not None else None
    if check is not None and key is not None:
        _checkers.move_to_end(key)
        if check(sample):
            return schema
    learned = _build(schema, sample)
    if learned != schema:
        return learned
    if check is None and key is not None:
        _remember(key, _closed_checker(key))  # the schema proved stable: worth compiling
    return schema


def _build(schema: Schema | None, sample: object) -> Schema:
    """genson's merge of the known schema and the sample, with the drift it revealed."""
    node = Node()
    known: Schema | None = None
    if schema is not None:
        known = {k: v for k, v in schema.items() if k not in _ROOT_ONLY}
        try:
            node.add_schema(known)
        except (SchemaGenerationError, AttributeError, TypeError) as exc:
            raise SchemaError(f"cannot learn on top of this schema: {exc}") from exc
    node.add_object(sample)
    learned: Schema = node.to_schema()
    if schema is None or known is None:
        return learned

    drift = set(schema.get(DRIFT, ()))
    _find_drift(known, learned, "", drift)
    result: Schema = {"$schema": schema["$schema"]} if "$schema" in schema else {}
    result.update(learned)
    if drift:
        result[DRIFT] = sorted(drift)
    return result


# Compiled "closed" checkers of schemas that proved stable, least recently used first.
_checkers: OrderedDict[str, Callable[[object], bool]] = OrderedDict()


def _key(schema: Schema) -> str | None:
    try:
        return canonical(schema)
    except SchemaError:
        return None


def _remember(key: str, check: Callable[[object], bool]) -> None:
    _checkers[key] = check
    while len(_checkers) > CACHE_SIZE:
        _checkers.popitem(last=False)


def _closed_checker(canonical_schema: str) -> Callable[[object], bool]:
    """True for a sample that learning would not change the schema for (fastjsonschema)."""
    closed = _closed({k: v for k, v in json.loads(canonical_schema).items() if k not in _ROOT_ONLY}, 0)
    try:
        validate = compile_canonical(canonical(closed), False)
    except SchemaError:
        return lambda sample: False

    def check(sample: object) -> bool:
        try:
            validate(sample)
        except JsonSchemaException:
            return False
        except Exception:  # an input the validator trips over: let genson handle it
            return False
        return True

    return check


def _closed(schema: object, depth: int) -> object:
    """`schema`, accepting only what it already describes: no new keys, no elements in
    arrays whose elements are unknown, nothing where no type is known yet."""
    if depth > MAX_DEPTH:
        return True  # learning never looks below this depth
    if not isinstance(schema, dict):
        return schema
    out = dict(schema)
    if "anyOf" in schema:
        out["anyOf"] = [_closed(branch, depth) for branch in schema["anyOf"]]
        return out
    types = _types(schema)
    if not types:
        return False
    if "object" in types:
        out["properties"] = {k: _closed(v, depth + 1) for k, v in schema.get("properties", {}).items()}
        if "patternProperties" in schema:
            out["patternProperties"] = {
                k: _closed(v, depth + 1) for k, v in schema["patternProperties"].items()
            }
        out["additionalProperties"] = False
    if "array" in types:
        items = schema.get("items")
        if isinstance(items, dict):
            out["items"] = _closed(items, depth + 1)
        elif isinstance(items, list):
            out["items"] = [_closed(item, depth + 1) for item in items]
            out["additionalItems"] = False
        else:
            out["maxItems"] = 0
    return out


def _types(schema: Schema) -> set[str]:
    declared = schema.get("type")
    if isinstance(declared, str):
        return {declared}
    if isinstance(declared, list):
        return {t for t in declared if isinstance(t, str)}
    return set()


def _kinds(schema: object) -> set[str]:
    """The non-null kinds of value a schema allows; integer counts as number."""
    if not isinstance(schema, dict):
        return set()
    kinds = _types(schema)
    for branch in schema.get("anyOf", ()):
        kinds |= _kinds(branch)
    kinds.discard("null")
    if "integer" in kinds:
        kinds.discard("integer")
        kinds.add("number")
    return kinds


def _find_drift(old: object, new: object, pointer: str, found: set[str]) -> None:
    if old == new or not isinstance(old, dict) or not isinstance(new, dict):
        return  # an unchanged part (most of it, usually) has no drift: skip it whole
    old_kinds = _kinds(old)
    if old_kinds and not _kinds(new) <= old_kinds:
        found.add(pointer)
    old_properties, new_properties = old.get("properties"), new.get("properties")
    if isinstance(old_properties, dict) and isinstance(new_properties, dict):
        for key, old_property in old_properties.items():
            if key in new_properties:
                _find_drift(old_property, new_properties[key], child(pointer, key), found)
    old_items, new_items = old.get("items"), new.get("items")
    if isinstance(old_items, dict) and isinstance(new_items, dict):
        _find_drift(old_items, new_items, child(pointer, EVERY_ELEMENT), found)
