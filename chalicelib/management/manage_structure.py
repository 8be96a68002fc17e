"""Use cases: show a hook's data structure (with its fields, drift and a Python TypedDict),
set it by hand, have the next item redetermine it, and switch strict checking on or off."""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from chalicelib.clock import Clock, iso
from chalicelib.core.hooks import Hook
from chalicelib.core.ports import StructureStore
from chalicelib.core.structures import Structure
from chalicelib.errors import ConditionFailed, Conflict, InletError, Invalid
from chalicelib.intake.keep_structure import StructureKeeper
from chalicelib.observability import logger
from chalicelib.structure import DRIFT, SchemaError, compile_validator, field_paths, to_typeddict


class StructureManager:
    def __init__(self, store: StructureStore, keeper: StructureKeeper, clock: Clock) -> None:
        self._store = store
        self._keeper = keeper
        self._clock = clock

    def show(self, hook: Hook, python: bool = False) -> dict[str, Any]:
        structure = self._store.get(hook.id) or Structure(hook.id)
        return self._view(hook, structure, python)

    def set_schema(self, hook: Hook, request: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(request) - {"schema", "strict"})
        if unknown:
            raise Invalid(f"unknown field {unknown[0]!r}; fields: schema, strict", "unknown_field")
        schema = request.get("schema")
        if not isinstance(schema, dict):
            raise Invalid("field 'schema' must be a JSON Schema object", "invalid_schema")
        try:
            compile_validator(schema)
            field_paths(schema)
        except (SchemaError, ValueError, TypeError, RecursionError) as error:
            raise Invalid(f"schema cannot be used: {error}", "invalid_schema") from None
        strict = request.get("strict")
        if strict is not None and not isinstance(strict, bool):
            raise Invalid("field 'strict' must be true or false", "invalid_field")
        return self._view(hook, self._change(hook, lambda s: replace(
            s, schema=schema, redetermine=False, strict=s.strict if strict is None else strict)))

    def redetermine(self, hook: Hook) -> dict[str, Any]:
        return self._view(hook, self._change(hook, lambda s: replace(s, redetermine=True)))

    def set_strict(self, hook: Hook, request: dict[str, Any]) -> dict[str, Any]:
        strict = request.get("strict")
        if not isinstance(strict, bool) or set(request) != {"strict"}:
            raise Invalid('body must be {"strict": true} or {"strict": false}', "invalid_field")
        return self._view(hook, self._change(hook, lambda s: replace(s, strict=strict)))

    def forget_hook(self, hook: Hook) -> None:
        try:
            self._store.delete(hook.id)
        except InletError as error:
            logger.warning("structure of a deleted hook not removed", extra={"hook_id": hook.id, "error": str(error)})
        self._keeper.forget(hook.id)

    def _change(self, hook: Hook, change: Callable[[Structure], Structure]) -> Structure:
        for _ in range(3):
            current = self._store.get(hook.id) or Structure(hook.id)
            try:
                saved = self._store.save(replace(change(current), updated_at=iso(self._clock())), current.version)
            except ConditionFailed:
                continue
            self._keeper.forget(hook.id)
            return saved
        raise Conflict("the structure changed meanwhile; try again", "conflict")

    def _view(self, hook: Hook, structure: Structure, python: bool = False) -> dict[str, Any]:
        schema = structure.schema
        shown: dict[str, Any] = {
            "hook": hook.id, "name": hook.name, "schema": schema, "version": structure.version,
            "strict": structure.strict, "redetermine": structure.redetermine, "updated_at": structure.updated_at,
            "fields": field_paths(schema) if schema is not None else [],
            "drift": list(schema.get(DRIFT, [])) if schema is not None else [],
        }
        if python:
            shown["python"] = to_typeddict(schema, class_name(hook.name)) if schema is not None else None
        return shown


def class_name(hook_name: str) -> str:
    """A TypedDict name from a hook's name: "shop-orders" → "ShopOrdersItem"."""
    words = re.findall(r"[A-Za-z0-9]+", hook_name)
    name = "".join(w[:1].upper() + w[1:] for w in words) + "Item"
    return name if name[0].isalpha() else "Item"
