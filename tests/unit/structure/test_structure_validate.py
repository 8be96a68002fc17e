"""compile_validator(): items checked against a schema, problems named by JSON Pointer."""
from __future__ import annotations

from typing import Any

import pytest

from chalicelib.structure import SchemaError, ValidationProblem, compile_validator, learn

ORDER = learn(None, {"id": 1, "items": [{"sku": "A", "qty": 1}], "at": "2019-05-15T15:20:38Z"})


def test_fitting_item_gives_no_problem() -> None:
    # Given a learned schema
    validate = compile_validator(ORDER)

    # When an item of the same shape is checked
    problem = validate({"id": 2, "items": [{"sku": "B", "qty": 3}], "at": "2020-02-29T00:00:00+01:00"})

    # Then there is no problem
    assert problem is None


def test_wrong_type_names_the_field_with_its_array_index() -> None:
    # Given an item whose second line has a string quantity
    item = {"id": 2, "items": [{"sku": "A", "qty": 1}, {"sku": "B", "qty": "2"}], "at": "2020-01-01T00:00:00Z"}

    # When it is checked
    problem = compile_validator(ORDER)(item)

    # Then the field, the rule and the message say so
    assert problem == ValidationProblem("/items/1/qty", "type", 'field "/items/1/qty" must be integer')


def test_missing_required_field_is_named() -> None:
    # Given an item line without its sku
    item = {"id": 2, "items": [{"qty": 1}], "at": "2020-01-01T00:00:00Z"}

    # When it is checked
    problem = compile_validator(ORDER)(item)

    # Then the missing field itself is named
    assert problem == ValidationProblem("/items/0/sku", "required", 'field "/items/0/sku" is required')


def test_format_mismatch_is_named() -> None:
    # Given a date-time field holding something else
    item = {"id": 2, "items": [], "at": "yesterday"}

    # When it is checked
    problem = compile_validator(ORDER)(item)

    # Then the format rule is named
    assert problem == ValidationProblem("/at", "format", 'field "/at" must be date-time')


def test_wrong_item_type_is_about_the_item() -> None:
    # Given a top-level array where an object is expected
    # When it is checked
    problem = compile_validator(ORDER)([1, 2])

    # Then the problem is about the whole item
    assert problem == ValidationProblem("", "type", "item must be object")


def test_keys_with_dots_and_slashes_are_told_apart_in_problems() -> None:
    # Given a schema with "a.b", nested a→b, "x/y" and "[0]" keys
    schema = learn(None, {"a": {"b": 1}, "a.b": "s", "x/y": {"[0]": 1}})
    validate = compile_validator(schema)

    # When each of them is wrong in turn
    nested = validate({"a": {"b": "no"}, "a.b": "s", "x/y": {"[0]": 1}})
    dotted = validate({"a": {"b": 1}, "a.b": 2, "x/y": {"[0]": 1}})
    slashed = validate({"a": {"b": 1}, "a.b": "s", "x/y": {"[0]": "no"}})

    # Then each problem points at its own field, escaped as RFC 6901 says
    assert nested is not None and nested.field == "/a/b"
    assert dotted is not None and dotted.field == "/a.b"
    assert slashed is not None and slashed.field == "/x~1y/[0]"


def test_unexpected_field_is_named_when_the_schema_forbids_extras() -> None:
    # Given a hand-set schema that allows no other fields
    schema = {"type": "object", "properties": {"id": {"type": "integer"}}, "additionalProperties": False}

    # When an item with an extra field is checked
    problem = compile_validator(schema)({"id": 1, "extra": True})

    # Then the extra field is named
    assert problem == ValidationProblem("/extra", "additionalProperties", 'field "/extra" is not allowed')


@pytest.mark.parametrize("item", [None, b"bytes", {1, 2}, object(), float("nan"), {"id": {"deep": [[[]]]}}, "x" * 100_000])
def test_never_raises_on_any_input(item: Any) -> None:
    # Given any Python value, JSON or not
    validate = compile_validator(ORDER)

    # When it is checked
    problem = validate(item)

    # Then the answer is a problem, not an exception
    assert isinstance(problem, ValidationProblem)


def test_same_schema_is_compiled_once() -> None:
    # Given two equal schemas built separately, keys in another order
    first = {"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "integer"}}}
    second = {"properties": {"b": {"type": "integer"}, "a": {"type": "string"}}, "type": "object"}

    # When validators are asked for
    # Then the cached one is reused
    assert compile_validator(first) is compile_validator(second)


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "no-such-type"},
        {"type": "string", "pattern": "("},
        {"properties": []},
        {"$ref": "#/definitions/missing"},
        {"type": "object", "properties": {"x": {"type": "number", "minimum": float("nan")}}},
        {"not-json": {1, 2}},
    ],
)
def test_schema_that_cannot_compile_raises_schema_error(schema: Any) -> None:
    # Given a broken hand-set schema
    # When it is compiled
    # Then a SchemaError (a ValueError, so a 400) says why
    with pytest.raises(SchemaError):
        compile_validator(schema)


@pytest.mark.parametrize("ref", ["http://169.254.169.254/latest/meta-data", "https://example.com/s.json", "file:///etc/passwd", "other.json"])
def test_remote_references_are_refused_without_being_opened(ref: str) -> None:
    # Given a hand-set schema that refers to something outside itself
    schema = {"type": "object", "properties": {"x": {"$ref": ref}}}

    # When it is compiled
    # Then it is refused as a SchemaError (no URL or file is opened)
    with pytest.raises(SchemaError):
        compile_validator(schema)
