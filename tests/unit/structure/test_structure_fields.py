"""field_paths(): every field a schema knows, as an RFC 6901 JSON Pointer."""
from __future__ import annotations

from chalicelib.structure import field_paths, learn


def test_nested_fields_and_array_elements_are_listed_parents_first() -> None:
    # Given a schema with an object and an array of objects
    schema = learn(None, {"customer": {"name": "Ada"}, "items": [{"sku": "A"}], "tags": ["x"]})

    # When its fields are listed
    paths = field_paths(schema)

    # Then parents come before children and array elements use "*"
    assert paths == ["/customer", "/customer/name", "/items", "/items/*/sku", "/tags"]


def test_tilde_and_slash_in_keys_are_escaped() -> None:
    # Given keys holding "~" and "/"
    schema = learn(None, {"a/b": 1, "m~n": {"~/": 2}})

    # When its fields are listed
    paths = field_paths(schema)

    # Then they are escaped as ~0 and ~1
    assert paths == ["/a~1b", "/m~0n", "/m~0n/~0~1"]


def test_fields_seen_in_only_some_items_are_still_listed() -> None:
    # Given a field that later items dropped, and one only they had
    schema = learn(learn(None, {"old": 1}), {"new": {"deep": True}})

    # When its fields are listed
    # Then all are there
    assert field_paths(schema) == ["/old", "/new", "/new/deep"]


def test_scalar_item_has_no_fields() -> None:
    # Given a schema for a scalar item
    # When its fields are listed
    # Then there are none
    assert field_paths(learn(None, 42)) == []
