"""to_typeddict(): Python TypedDict source that compiles and imports on Python 3.11."""
from __future__ import annotations

import importlib.util
import sys
import types
import typing
from pathlib import Path
from typing import Any

import pytest

from chalicelib.structure import learn, to_typeddict
from structure_fixtures import ALL, realhook


def _import(source: str, tmp_path: Path, module_name: str) -> types.ModuleType:
    path = tmp_path / f"{module_name}.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(module_name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[module_name]
    return module


C25 = [
    {"id": 1, "discount": None, "items": [], "tags": "a, b"},
    {"id": 2, "discount": {"code": "SPRING", "amount": "5.00"}, "items": [{"sku": "A", "qty": 1}], "tags": "c"},
    {"id": "3", "discount": None, "items": [{"sku": "B", "qty": 2, "gift": True}]},
]


def test_nested_objects_optional_and_nullable_fields_become_typed_classes(tmp_path: Path) -> None:
    # Given the C25 schema
    schema = None
    for body in C25:
        schema = learn(schema, body)
    assert schema is not None

    # When it is rendered and the source imported
    module = _import(to_typeddict(schema, "Order"), tmp_path, "c25_types")

    # Then nested objects are classes, optional fields NotRequired, nullable ones "| None"
    order = module.Order
    hints = typing.get_type_hints(order)
    assert hints["id"] == int | str
    assert hints["discount"] == module.OrderDiscount | None
    assert hints["items"] == types.GenericAlias(list, (module.OrderItemsItem,))
    assert order.__required_keys__ == frozenset({"id", "discount", "items"})
    assert order.__optional_keys__ == frozenset({"tags"})
    assert module.OrderItemsItem.__optional_keys__ == frozenset({"gift"})


def test_keys_that_are_not_identifiers_use_the_functional_syntax(tmp_path: Path) -> None:
    # Given the C24 keys (dots, a space, "$ref", the empty key) plus a keyword and a quote
    body = {"sonar.analysis.buildnumber": "1", "first name": "Ada", "a": {"b": 1}, "a.b": 2, "": "e", "$ref": "x", "class": 1, 'q"': 1}
    schema = learn(None, body)

    # When it is rendered and imported
    source = to_typeddict(schema)
    module = _import(source, tmp_path, "c24_types")

    # Then every key is kept exactly
    assert "Item = TypedDict('Item', {" in source
    assert set(typing.get_type_hints(module.Item)) == set(body)
    assert typing.get_type_hints(module.ItemA) == {"b": int}


def test_top_level_array_and_scalar_items_get_an_alias(tmp_path: Path) -> None:
    # Given items that are not objects
    batch = learn(None, [{"id": 1}, {"id": 2, "amount": 9.5}])
    scalar = learn(learn(None, None), "text")

    # When they are rendered and imported
    batch_module = _import(to_typeddict(batch), tmp_path, "batch_types")
    scalar_module = _import(to_typeddict(scalar), tmp_path, "scalar_types")

    # Then the name is an alias of the element list or of the scalar type
    assert batch_module.Item == types.GenericAlias(list, (batch_module.ItemItem,))
    assert batch_module.ItemItem.__optional_keys__ == frozenset({"amount"})
    assert scalar_module.Item == str | None


def test_unknown_elements_and_empty_objects_are_any(tmp_path: Path) -> None:
    # Given an empty array and an empty object
    schema = learn(None, {"tags": [], "meta": {}})

    # When rendered and imported
    module = _import(to_typeddict(schema), tmp_path, "any_types")

    # Then they are list[Any] and dict[str, Any]
    assert typing.get_type_hints(module.Item) == {"tags": list[Any], "meta": dict[str, Any]}


def test_class_names_never_collide(tmp_path: Path) -> None:
    # Given two keys whose class names would be the same
    schema = learn(None, {"a_b": {"x": 1}, "a-b": {"y": 2}})

    # When rendered and imported
    module = _import(to_typeddict(schema), tmp_path, "collide_types")

    # Then each object has its own class
    hints = typing.get_type_hints(module.Item)
    assert hints["a_b"] is not hints["a-b"]


@pytest.mark.parametrize("name", ALL)
def test_every_real_payload_renders_importable_typeddicts(name: str, tmp_path: Path) -> None:
    # Given the schema learned from a real payload
    schema = learn(None, realhook(name))

    # When it is rendered
    source = to_typeddict(schema, "Event")

    # Then it compiles and imports
    compile(source, f"{name}.py", "exec")
    module = _import(source, tmp_path, name.replace("-", "_"))
    assert typing.get_type_hints(module.Event)


@pytest.mark.parametrize("name", ["", "1x", "class", "Any", "has space"])
def test_names_that_cannot_be_classes_are_refused(name: str) -> None:
    # Given a name that is not a usable identifier
    # When it is used
    # Then ValueError says so
    with pytest.raises(ValueError):
        to_typeddict({"type": "object"}, name)


