"""genson plug-ins that give learned schemas Inlet's conventions.

Owns how one schema node is built from samples and merged with what was known before:

- Several types at one place are one `"type"` list, sorted, never `anyOf`: a field seen as
  null and as an object is `{"type": ["null", "object"], "properties": ..., "required": ...}`.
  Keywords that only apply to one type (properties/required to objects, items to arrays,
  format to strings) sit beside the list, as JSON Schema allows.
- Every object lists `"required"`, even when empty: "nothing is required" is knowledge,
  and an object that only ever arrived empty must not make later fields required.
- `integer` means what the validator means by it (JSON Schema): 3 and 3.0 are integers,
  9.5 turns the field into `number`. Integers of any size stay integers.
- Strings keep a `"format"` (date-time, email, uri) only while every string seen fits it.
- Structure deeper than `MAX_DEPTH` nested levels is described as `{}` (any value), so a
  learned schema always compiles (Python limits how deeply generated code can nest) and
  learning never recurses without bound.
"""
from __future__ import annotations

from typing import Any, ClassVar

from genson import SchemaNode
from genson.schema.strategies import Boolean, List, Null, Number, Object, String, Tuple

from .formats import FORMAT_CHECKS, formats_of

MAX_DEPTH = 16

# Keywords that constrain only one kind of value; any other keyword applies to every type.
_KEYWORD_TYPES: dict[str, frozenset[str]] = {}
for _types, _keywords in (
    (("object",), ("properties", "patternProperties", "additionalProperties", "required",
                   "minProperties", "maxProperties", "propertyNames", "dependencies",
                   "dependentRequired", "dependentSchemas", "unevaluatedProperties")),
    (("array",), ("items", "additionalItems", "prefixItems", "contains", "minContains",
                  "maxContains", "minItems", "maxItems", "uniqueItems", "unevaluatedItems")),
    (("string",), ("format", "pattern", "minLength", "maxLength", "contentEncoding",
                   "contentMediaType")),
    (("integer", "number"), ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
                             "multipleOf")),
):
    for _keyword in _keywords:
        _KEYWORD_TYPES[_keyword] = frozenset(_types)


def _for_type(schema: dict[str, Any], type_name: str) -> dict[str, Any]:
    """The part of a multi-type schema that speaks about one type."""
    part: dict[str, Any] = {"type": type_name}
    for keyword, value in schema.items():
        if keyword != "type" and type_name in _KEYWORD_TYPES.get(keyword, (type_name,)):
            part[keyword] = value
    return part


class _String(String):
    """Strings, with the formats every sample so far has fitted."""

    def __init__(self, node_class: type[SchemaNode]) -> None:
        super().__init__(node_class)
        self._formats: frozenset[str] | None = None  # None: no string seen yet

    def _narrow(self, formats: frozenset[str]) -> None:
        self._formats = formats if self._formats is None else self._formats & formats

    def add_schema(self, schema: dict[str, Any]) -> None:
        known = schema.get("format")
        if known is None or known in FORMAT_CHECKS:
            super().add_schema({k: v for k, v in schema.items() if k != "format"})
            self._narrow(frozenset((known,)) if known else frozenset())
        else:  # a format Inlet does not manage was set by hand: kept as written
            super().add_schema(schema)
            self._narrow(frozenset())

    def add_object(self, obj: str) -> None:
        if self._formats is None:
            self._formats = formats_of(obj)
        elif self._formats and not all(FORMAT_CHECKS[f](obj) for f in self._formats):
            self._formats = frozenset(f for f in self._formats if FORMAT_CHECKS[f](obj))

    def to_schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = super().to_schema()
        for name in FORMAT_CHECKS:
            if self._formats and name in self._formats:
                schema["format"] = name
                break
        return schema


class _Number(Number):
    """Numbers: `integer` until a value with a fractional part arrives."""

    def add_object(self, obj: int | float) -> None:
        if isinstance(obj, float) and not obj.is_integer():
            self._type = "number"


class _Object(Object):
    """Objects one level deeper, always with a `required` list."""

    def __init__(self, node_class: type[SchemaNode]) -> None:
        super().__init__(_deeper(node_class))

    def to_schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = super().to_schema()
        schema.setdefault("required", [])
        return schema


class _List(List):
    def __init__(self, node_class: type[SchemaNode]) -> None:
        super().__init__(_deeper(node_class))


class _Tuple(Tuple):
    def __init__(self, node_class: type[SchemaNode]) -> None:
        super().__init__(_deeper(node_class))


class Node(SchemaNode):
    """A schema node at depth 0 (the item itself); `_deeper` gives the class one level down."""

    STRATEGIES = (Null, Boolean, _Number, _String, _List, _Tuple, _Object)
    DEPTH: ClassVar[int] = 0

    def __init__(self) -> None:
        super().__init__()
        self._by_type: dict[type, Any] = {}

    def add_object(self, obj: object) -> Node:
        # genson asks every strategy `match_object` for every value; which one answers
        # depends only on the value's type (active strategies are only ever appended), so
        # remember it per type (a large item is walked about a quarter faster).
        strategy = self._by_type.get(type(obj))
        if strategy is None:
            strategy = self._by_type[type(obj)] = self._get_strategy_for_object(obj)
        strategy.add_object(obj)
        return self

    def to_schema(self) -> dict[str, Any]:
        parts = [strategy.to_schema() for strategy in self._active_strategies]
        if len(parts) == 1:
            only: dict[str, Any] = parts[0]
            return only
        merged: dict[str, Any] = {}
        types: list[str] = []
        for part in parts:
            type_name = part.get("type")
            if not isinstance(type_name, str):
                return _genson_to_schema(self)  # a type-less hand-set part: leave genson's anyOf
            types.append(type_name)
            for keyword, value in part.items():
                if keyword == "type":
                    continue
                if keyword in merged and merged[keyword] != value:
                    return _genson_to_schema(self)
                merged[keyword] = value
        return {"type": sorted(types), **merged} if types else {}

    def _get_subschemas(self, schema: dict[str, Any]) -> list[dict[str, Any]]:
        if "anyOf" in schema:  # keywords beside anyOf apply to every branch
            beside = {k: v for k, v in schema.items() if k != "anyOf"}
            return [part for branch in schema["anyOf"] for part in self._get_subschemas({**beside, **branch})]
        type_names = schema.get("type")
        parts = [_for_type(schema, t) for t in type_names] if isinstance(type_names, list) else [schema]
        return [
            {**part, "required": []} if part.get("type") == "object" and "required" not in part else part
            for part in parts
        ]


def _genson_to_schema(node: SchemaNode) -> dict[str, Any]:
    schema: dict[str, Any] = SchemaNode.to_schema(node)
    return schema


class Anything(SchemaNode):
    """Below `MAX_DEPTH`: any value, described as `{}`; samples are not looked at."""

    def add_schema(self, schema: object) -> Anything:
        return self

    def add_object(self, obj: object) -> Anything:
        return self

    def to_schema(self) -> dict[str, Any]:
        return {}

    def __len__(self) -> int:
        return 1


_NODE_AT_DEPTH: list[type[SchemaNode]] = [Node] + [
    type(f"Node{depth}", (Node,), {"DEPTH": depth}) for depth in range(1, MAX_DEPTH + 1)
] + [Anything]


def _deeper(node_class: type[SchemaNode]) -> type[SchemaNode]:
    depth: int = getattr(node_class, "DEPTH", MAX_DEPTH)
    return _NODE_AT_DEPTH[depth + 1]

