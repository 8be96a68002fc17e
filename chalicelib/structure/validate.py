"""Checking an item against its hook's data structure.

Owns `compile_validator()` and `ValidationProblem`. A schema is compiled by fastjsonschema
once and kept in an LRU keyed by its canonical JSON, so a warm Lambda compiles each schema
once. The returned function never raises: it answers None (the item fits) or the first
problem found, naming the field as a JSON Pointer with the concrete array index, e.g.
`field "/items/0/qty" must be integer` or `field "/items/0/sku" is required`.
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from fastjsonschema import JsonSchemaValueException

from .compiler import CACHE_SIZE, SchemaError, canonical, compile_canonical
from .pointer import child, from_tokens

__all__ = ["SchemaError", "ValidationProblem", "Validator", "compile_validator"]

_ROOT_NAME = "data"


@dataclass(frozen=True)
class ValidationProblem:
    """Why an item does not fit: the field (JSON Pointer, "" is the whole item), the
    JSON Schema keyword that failed ("type", "required", "format", ...) and a message."""

    field: str
    rule: str
    message: str


Validator = Callable[[object], ValidationProblem | None]


def compile_validator(schema: dict[str, Any]) -> Validator:
    """A function telling whether an item fits `schema`; raises `SchemaError` for a schema
    fastjsonschema cannot compile (a hand-set schema → 400)."""
    return _validator(canonical(schema))


@lru_cache(maxsize=CACHE_SIZE)
def _validator(canonical_schema: str) -> Validator:
    validate = compile_canonical(canonical_schema, True)

    def check(item: object) -> ValidationProblem | None:
        try:
            validate(item)
        except JsonSchemaValueException as exc:
            return _problem(exc, item)
        except Exception as exc:  # never raise on what a sender sent: fail closed
            return ValidationProblem("", "error", f"item could not be checked: {type(exc).__name__}")
        return None

    return check


def _problem(exc: JsonSchemaValueException, item: object) -> ValidationProblem:
    rule = exc.rule or "schema"
    try:
        pointer = _pointer(exc, item)
        if rule == "required":
            missing = _first(k for k in _as_list(exc.rule_definition) if k not in _as_dict(exc.value))
            if missing is not None:
                field = child(pointer, missing)
                return ValidationProblem(field, rule, f"{_subject(field)} is required")
        if rule == "additionalProperties":
            extra = _first(_unexpected_keys(exc))
            if extra is not None:
                field = child(pointer, extra)
                return ValidationProblem(field, rule, f"{_subject(field)} is not allowed")
        name = exc.name or ""
        detail = exc.message[len(name):] if exc.message.startswith(name) else f": {exc.message}"
        return ValidationProblem(pointer, rule, f"{_subject(pointer)}{detail}")
    except Exception:  # a message we could not map still names the rule
        return ValidationProblem("", rule, f"item does not fit its data structure ({rule})")


def _subject(pointer: str) -> str:
    return f"field {json.dumps(pointer, ensure_ascii=False)}" if pointer else "item"


def _pointer(exc: JsonSchemaValueException, item: object) -> str:
    """The failing field as a JSON Pointer.

    fastjsonschema names it like `data.a.b[0]`, which is ambiguous when keys hold dots or
    brackets; the item itself tells which reading is real (the one that reaches the very
    value that failed)."""
    name = exc.name or _ROOT_NAME
    if name.startswith(_ROOT_NAME):
        readings = _readings(name[len(_ROOT_NAME):], item, [])
        first: list[str | int] | None = None
        for tokens, value in readings:
            if value is exc.value:
                return from_tokens(tokens)
            if first is None:
                first = tokens
        if first is not None:
            return from_tokens(first)
    return from_tokens(exc.path[1:])


def _readings(rest: str, node: object, tokens: list[str | int]) -> Iterator[tuple[list[str | int], object]]:
    """Every way `rest` (".key" and "[index]" steps) walks down `node`: (tokens, value)."""
    if not rest:
        yield tokens, node
        return
    if rest[0] == "[" and isinstance(node, list):
        match = re.match(r"\[(\d+)\]", rest)
        if match and int(match.group(1)) < len(node):
            index = int(match.group(1))
            yield from _readings(rest[match.end():], node[index], [*tokens, index])
    if rest[0] == "." and isinstance(node, dict):
        for key, value in node.items():
            if isinstance(key, str) and rest.startswith(key, 1):
                yield from _readings(rest[1 + len(key):], value, [*tokens, key])


def _unexpected_keys(exc: JsonSchemaValueException) -> list[str]:
    definition = _as_dict(exc.definition)
    known = _as_dict(definition.get("properties"))
    patterns = list(_as_dict(definition.get("patternProperties")))
    return [
        key for key in _as_dict(exc.value)
        if key not in known and not any(re.search(pattern, key) for pattern in patterns)
    ]


def _first(values: Iterable[str]) -> str | None:
    return next(iter(values), None)


def _as_dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _as_list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []
