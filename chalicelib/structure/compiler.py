"""Turning a schema into a fastjsonschema validation function, once per schema.

Owns the canonical JSON form of a schema (the cache key), the `SchemaError` raised for a
schema that cannot be compiled, and the settings every compiled function shares: Inlet's
own string formats, and no fetching of remote `$ref`s (a hand-set schema must never make a
Lambda open a URL or a file).
"""
from __future__ import annotations

import json
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import fastjsonschema

from .formats import FORMAT_CHECKS

CACHE_SIZE = 128


class SchemaError(ValueError):
    """The schema is not a JSON Schema that Inlet can compile; a hand-set schema → 400."""


def canonical(schema: object) -> str:
    """The schema as compact JSON with sorted keys: equal schemas give equal strings."""
    try:
        return json.dumps(schema, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise SchemaError(f"schema is not plain JSON: {exc}") from exc


def _refuse_remote(uri: str) -> Any:
    raise SchemaError(f"schema refers to {uri!r}: only local references ('#/...') are allowed")


# urllib can open these schemes; fastjsonschema asks a handler first, so none is ever opened.
_NO_REMOTE_REFS = {scheme: _refuse_remote for scheme in ("", "http", "https", "ftp", "file", "data")}


def compile_schema(schema: object, *, detailed: bool) -> Callable[[object], object]:
    """A fastjsonschema function for `schema`; it raises `JsonSchemaValueException` on bad data.

    `detailed=False` gives faster exceptions without the field name (for yes/no checks).
    """
    return compile_canonical(canonical(schema), detailed)


@lru_cache(maxsize=CACHE_SIZE)
def compile_canonical(canonical_schema: str, detailed: bool) -> Callable[[object], object]:
    schema = json.loads(canonical_schema)
    if not isinstance(schema, (dict, bool)):
        raise SchemaError("a schema must be a JSON object (or true/false)")
    try:
        compiled: Callable[[object], object] = fastjsonschema.compile(
            schema,
            handlers=_NO_REMOTE_REFS,
            formats=FORMAT_CHECKS,
            detailed_exceptions=detailed,
        )
    except SchemaError:
        raise
    except Exception as exc:  # fastjsonschema raises many kinds (definition, regex, syntax, recursion)
        raise SchemaError(f"schema cannot be compiled: {exc}") from exc
    return compiled
