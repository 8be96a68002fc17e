"""Python `TypedDict` source for a hook's data structure, for scenario authors.

Owns `to_typeddict()`. The source compiles and imports on Python 3.11 as it is:

- Each object with properties becomes its own class, named after where it sits: the item
  is `Item`, its `discount` object `ItemDiscount`, the elements of its `items` array
  `ItemItemsItem`. Classes come before the classes that use them.
- A field missing from `required` is `NotRequired[...]`; several types are a union,
  `None` last (`ItemDiscount | None`); an array is `list[...]` (`list[Any]` while its
  elements are unknown); an object without properties is `dict[str, Any]`; `{}` is `Any`.
- Keys that are not plain ASCII identifiers (or are keywords, or start with `__`) use the
  functional form `TypedDict("Name", {"first name": str})`; keys are kept as they are.
- An item that is not an object (a top-level array or scalar) gets an alias:
  `Item = list[ItemItem]`.
"""
from __future__ import annotations

import json
import keyword
import re
from typing import Any

from .pointer import EVERY_ELEMENT, child

_TYPING_NAMES = ("Any", "NotRequired", "TypedDict")
_SCALARS = {"string": "str", "integer": "int", "number": "float", "boolean": "bool", "null": "None"}
_WORD = re.compile(r"[A-Za-z0-9]+")


def to_typeddict(schema: dict[str, Any], name: str = "Item") -> str:
    """Python source declaring `name` (a TypedDict, or an alias) for items of `schema`."""
    if not (name.isascii() and name.isidentifier() and not keyword.iskeyword(name)) or name in _TYPING_NAMES:
        raise ValueError(f"{name!r} cannot name a Python class")
    writer = _Writer(reserved=(*_TYPING_NAMES, name))
    if _is_plain_object(schema):
        writer.object_class(schema, name, "")
    else:
        writer.blocks.append(f"{name} = {writer.annotation(schema, name, '')}")
    used = [n for n in _TYPING_NAMES if re.search(rf"\b{n}\b", "\n".join(writer.blocks))]
    header = [f"from typing import {', '.join(used)}", "", ""] if used else []
    return "\n".join(header) + "\n\n\n".join(writer.blocks) + "\n"


def _is_plain_object(schema: object) -> bool:
    return isinstance(schema, dict) and schema.get("type") == "object" and bool(schema.get("properties"))


def _type_names(schema: dict[str, Any]) -> list[str]:
    declared = schema.get("type")
    names = [declared] if isinstance(declared, str) else list(declared) if isinstance(declared, list) else []
    return sorted(names, key=lambda t: t == "null")  # None last


def _pascal(key: str) -> str:
    return "".join(word[:1].upper() + word[1:] for word in _WORD.findall(key)) or "Field"


def _class_syntax_ok(key: str) -> bool:
    return key.isascii() and key.isidentifier() and not keyword.iskeyword(key) and not key.startswith("__")


class _Writer:
    """Collects class definitions, children first, with names that never repeat."""

    def __init__(self, reserved: tuple[str, ...]) -> None:
        self.blocks: list[str] = []
        self._taken = set(reserved)

    def _claim(self, wanted: str) -> str:
        candidate, number = wanted, 2
        while candidate in self._taken:
            candidate, number = f"{wanted}{number}", number + 1
        self._taken.add(candidate)
        return candidate

    def annotation(self, schema: object, suggested: str, pointer: str) -> str:
        if not isinstance(schema, dict):
            return "Any"
        parts: list[str] = []
        for branch in schema.get("anyOf", ()):
            parts.append(self.annotation(branch, suggested, pointer))
        for type_name in _type_names(schema):
            if type_name == "array":
                parts.append(self._list(schema.get("items"), suggested, pointer))
            elif type_name == "object":
                if schema.get("properties"):
                    parts.append(self.object_class(schema, self._claim(suggested), pointer))
                else:
                    parts.append("dict[str, Any]")
            else:
                parts.append(_SCALARS.get(type_name, "Any"))
        unique = list(dict.fromkeys(parts))
        if "Any" in unique:
            return "Any"
        return " | ".join(sorted(unique, key=lambda part: part == "None")) if unique else "Any"

    def _list(self, items: object, suggested: str, pointer: str) -> str:
        if isinstance(items, dict):
            return f"list[{self.annotation(items, suggested + 'Item', child(pointer, EVERY_ELEMENT))}]"
        if isinstance(items, list) and items:
            elements = [self.annotation(item, f"{suggested}Item{i}", child(pointer, i)) for i, item in enumerate(items)]
            return f"list[{' | '.join(dict.fromkeys(elements))}]"
        return "list[Any]"

    def object_class(self, schema: dict[str, Any], class_name: str, pointer: str) -> str:
        """Declares `class_name` for an object schema with properties; returns the name."""
        self._taken.add(class_name)
        required = set(schema.get("required") or ())
        fields: list[tuple[str, str]] = []
        for key, subschema in schema["properties"].items():
            annotation = self.annotation(subschema, class_name + _pascal(key), child(pointer, key))
            fields.append((key, annotation if key in required else f"NotRequired[{annotation}]"))
        where = f"# fields at {json.dumps(pointer, ensure_ascii=True)}" if pointer else "# the item"
        if all(_class_syntax_ok(key) for key, _ in fields):
            body = [f"    {key}: {annotation}" for key, annotation in fields]
            self.blocks.append("\n".join([where, f"class {class_name}(TypedDict):", *body]))
        else:
            body = [f"    {key!r}: {annotation}," for key, annotation in fields]
            self.blocks.append("\n".join([where, f"{class_name} = TypedDict({class_name!r}, {{", *body, "})"]))
        return class_name
