"""learn(): how a hook's schema is determined by its first item and refined by later ones."""
from __future__ import annotations

import copy
import json
from typing import Any

from chalicelib.structure import compile_validator, learn
from chalicelib.structure.compiler import canonical
from chalicelib.structure.infer import _checkers
from chalicelib.structure.nodes import MAX_DEPTH


def _learn_all(*items: Any) -> dict[str, Any]:
    schema = None
    for item in items:
        schema = learn(schema, item)
    assert schema is not None
    return schema


def test_first_item_determines_types_and_required_fields() -> None:
    # Given a first item with every JSON type
    item = {"s": "x", "i": 1, "f": 1.5, "b": True, "n": None, "o": {"k": "v"}, "a": ["x"]}

    # When the schema is determined from it
    schema = learn(None, item)

    # Then each field has its type and all are required
    assert schema == {
        "type": "object",
        "properties": {
            "s": {"type": "string"},
            "i": {"type": "integer"},
            "f": {"type": "number"},
            "b": {"type": "boolean"},
            "n": {"type": "null"},
            "o": {"type": "object", "properties": {"k": {"type": "string"}}, "required": ["k"]},
            "a": {"type": "array", "items": {"type": "string"}},
        },
        "required": ["a", "b", "f", "i", "n", "o", "s"],
    }


def test_field_seen_null_then_string_becomes_a_nullable_type_list() -> None:
    # Given a field that was null and is now a string
    # When both are learned
    schema = _learn_all({"x": None}, {"x": "y"})

    # Then the field's type is the sorted list, and this is not drift
    assert schema["properties"]["x"] == {"type": ["null", "string"]}
    assert "x-inlet-drift" not in schema


def test_field_seen_null_then_object_keeps_one_type_list_beside_properties() -> None:
    # Given a field that was null and is now an object
    # When both are learned
    schema = _learn_all({"x": None}, {"x": {"k": 1}})

    # Then it is one schema (no anyOf) whose object keywords sit beside the type list
    assert schema["properties"]["x"] == {
        "type": ["null", "object"],
        "properties": {"k": {"type": "integer"}},
        "required": ["k"],
    }


def test_empty_array_does_not_freeze_the_element_schema() -> None:
    # Given an array that was empty, then held objects
    first = learn(None, {"items": []})

    # When the filled one is learned
    schema = learn(first, {"items": [{"sku": "A"}]})

    # Then the empty array said nothing about elements, and the objects give them
    assert first["properties"]["items"] == {"type": "array"}
    assert schema["properties"]["items"] == {
        "type": "array",
        "items": {"type": "object", "properties": {"sku": {"type": "string"}}, "required": ["sku"]},
    }


def test_field_missing_from_a_later_item_becomes_optional_not_deleted() -> None:
    # Given a field present in the first item only
    # When a second item without it is learned
    schema = _learn_all({"a": 1, "b": 2}, {"a": 3})

    # Then it is still described, and no longer required
    assert schema["properties"]["b"] == {"type": "integer"}
    assert schema["required"] == ["a"]


def test_field_added_by_a_later_item_is_optional() -> None:
    # Given a field that first appears in the second item
    # When both are learned
    schema = _learn_all({"a": 1}, {"a": 2, "b": "new"})

    # Then it is described but not required
    assert schema["properties"]["b"] == {"type": "string"}
    assert schema["required"] == ["a"]


def test_object_that_arrived_empty_does_not_make_later_fields_required() -> None:
    # Given an object that was empty in the first item
    # When a filled one is learned
    schema = _learn_all({"o": {}}, {"o": {"k": 1}})

    # Then its new field is optional
    assert schema["properties"]["o"] == {"type": "object", "properties": {"k": {"type": "integer"}}, "required": []}


def test_type_drift_keeps_both_types_and_flags_the_pointer() -> None:
    # Given an id that was an integer and is now a string, deep inside an array
    # When both are learned
    schema = _learn_all({"id": 1, "rows": [{"qty": 1}]}, {"id": "2", "rows": [{"qty": "2"}]})

    # Then both types are kept and both places are flagged, sorted
    assert schema["properties"]["id"] == {"type": ["integer", "string"]}
    assert schema["properties"]["rows"]["items"]["properties"]["qty"] == {"type": ["integer", "string"]}
    assert schema["x-inlet-drift"] == ["/id", "/rows/*/qty"]


def test_drift_flags_stay_after_later_items() -> None:
    # Given a schema with drift flagged
    drifted = _learn_all({"id": 1}, {"id": "2"})

    # When more items arrive, one of them adding a field
    schema = _learn_all(drifted, {"id": 3}, {"id": "4", "new": True})

    # Then the flag is still there
    assert schema["x-inlet-drift"] == ["/id"]


def test_integer_then_fraction_becomes_number_without_drift() -> None:
    # Given an amount that was 1 and then 9.5
    # When both are learned
    schema = _learn_all({"amount": 1}, {"amount": 9.5})

    # Then it is a number, not drift
    assert schema["properties"]["amount"] == {"type": "number"}
    assert "x-inlet-drift" not in schema


def test_float_without_fraction_counts_as_integer_as_the_validator_does() -> None:
    # Given 3 then 3.0 (JSON Schema calls both integers)
    # When both are learned
    schema = _learn_all({"n": 3}, {"n": 3.0})

    # Then it stays integer
    assert schema["properties"]["n"] == {"type": "integer"}


def test_integers_above_int32_stay_integers() -> None:
    # Given a run_id above 2**31 - 1 (as in GitHub's workflow_job event)
    # When it is learned
    schema = learn(None, {"run_id": 2202229078, "huge": 2**70})

    # Then it is an integer
    assert schema["properties"]["run_id"] == {"type": "integer"}
    assert schema["properties"]["huge"] == {"type": "integer"}


def test_decimal_string_timestamps_stay_plain_strings() -> None:
    # Given Slack's decimal-string timestamp
    # When it is learned
    schema = learn(None, {"ts": "1477958101.000004"})

    # Then it is a string with no format
    assert schema["properties"]["ts"] == {"type": "string"}


def test_recognised_formats_are_kept_while_every_sample_fits() -> None:
    # Given strings that fit date-time, email and uri
    item = {"at": "2019-05-15T15:20:38Z", "who": "octocat@github.com", "url": "https://api.github.com/x"}

    # When they are learned
    schema = learn(None, item)

    # Then each has its format
    properties = schema["properties"]
    assert properties["at"] == {"type": "string", "format": "date-time"}
    assert properties["who"] == {"type": "string", "format": "email"}
    assert properties["url"] == {"type": "string", "format": "uri"}


def test_format_is_dropped_when_one_string_does_not_fit() -> None:
    # Given a date-time field, then an empty-string placeholder in it
    # When both are learned
    schema = _learn_all({"at": "2019-05-15T15:20:38Z"}, {"at": ""})

    # Then the field is a plain string and both still fit
    assert schema["properties"]["at"] == {"type": "string"}
    assert compile_validator(schema)({"at": ""}) is None


def test_format_survives_null() -> None:
    # Given a date-time field that is sometimes null
    # When both are learned
    schema = _learn_all({"at": "2019-05-15T15:20:38.000Z"}, {"at": None})

    # Then the format stays beside the nullable type list
    assert schema["properties"]["at"] == {"type": ["null", "string"], "format": "date-time"}


def test_polymorphic_array_elements_merge_into_one_item_schema() -> None:
    # Given one array holding objects of different shapes (Slack blocks)
    blocks = [{"type": "divider"}, {"type": "section", "text": {"text": "hi"}}, {"type": "image", "image_url": "https://x.y/i.png"}]

    # When it is learned
    schema = learn(None, {"blocks": blocks})

    # Then elements share one object schema where only the common key is required
    element = schema["properties"]["blocks"]["items"]
    assert list(element["properties"]) == ["type", "text", "image_url"]
    assert element["required"] == ["type"]


def test_top_level_scalars_and_mixed_arrays_are_fine() -> None:
    # Given items that are not objects
    # When they are learned
    # Then they get plain schemas
    assert learn(None, "text") == {"type": "string"}
    assert learn(None, None) == {"type": "null"}
    assert learn(None, [1, "a", None]) == {"type": "array", "items": {"type": ["integer", "null", "string"]}}
    assert learn(learn(None, 1), "x") == {"type": ["integer", "string"], "x-inlet-drift": [""]}


def test_schema_is_plain_json_and_deterministic() -> None:
    # Given the same items learned twice
    items = [{"b": 1, "a": [{"x": None}]}, {"a": [{"x": "2019-05-15T15:20:38Z"}], "c": "d"}]

    # When each run serialises its schema
    first = json.dumps(_learn_all(*items))
    second = json.dumps(_learn_all(*copy.deepcopy(items)))

    # Then both runs give the same JSON text
    assert first == second
    assert json.loads(first) == _learn_all(*items)


def test_item_that_adds_nothing_returns_the_same_schema_object() -> None:
    # Given a schema and an item of exactly its shape
    schema = learn(None, {"a": 1, "b": [{"c": "2019-05-15T15:20:38Z"}], "d": None})

    # When it is learned
    again = learn(schema, {"a": 5, "b": [{"c": "2020-01-01T00:00:00Z"}, {"c": "2021-01-01T00:00:00+01:00"}], "d": None})

    # Then the very same dict comes back (callers can skip saving it)
    assert again is schema


def test_shortcut_is_compiled_only_for_a_schema_that_proved_stable() -> None:
    # Given schemas that each item so far has changed
    first = learn(None, {"a": 1, "flux": 1})
    second = learn(first, {"a": 2, "flux": 2, "b": [1]})

    # When an item leaves the second one unchanged
    third = learn(second, {"a": 3, "flux": 3, "b": []})

    # Then only the stable schema got a compiled shortcut
    assert third is second
    assert canonical(first) not in _checkers
    assert canonical(second) in _checkers


def test_item_that_fits_loosely_still_refines_the_schema() -> None:
    # Given a schema whose array elements are still unknown and whose field has a format
    schema = learn(None, {"tags": [], "at": "2019-05-15T15:20:38Z"})

    # When items bring elements, a new key, and a string that is not a date-time
    refined = learn(schema, {"tags": ["x"], "at": "2019-05-15T15:20:38Z"})
    extended = learn(refined, {"tags": [], "at": "2019-05-15T15:20:38Z", "new": 1})
    plain = learn(extended, {"tags": [], "at": "yesterday"})

    # Then each one changes the schema
    assert refined["properties"]["tags"] == {"type": "array", "items": {"type": "string"}}
    assert "new" in extended["properties"]
    assert plain["properties"]["at"] == {"type": "string"}


def test_hand_set_keywords_are_kept_as_written_when_learning() -> None:
    # Given a hand-set schema with a description, a title, an enum and $schema
    schema = {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": "Order",
        "type": "object",
        "properties": {
            "id": {"type": "integer", "description": "order number"},
            "state": {"type": "string", "enum": ["open", "paid"]},
        },
    }

    # When an item with a new field and a state outside the enum is learned
    learned = learn(schema, {"id": 1, "state": "void", "note": "x"})

    # Then the hand-set keywords are still there and "no required" stays "nothing required"
    assert learned["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert learned["title"] == "Order"
    assert learned["properties"]["id"] == {"type": "integer", "description": "order number"}
    assert learned["properties"]["state"] == {"type": "string", "enum": ["open", "paid"]}
    assert learned["required"] == []


def test_structure_below_max_depth_is_any_value_and_still_compiles() -> None:
    # Given an item nested far deeper than MAX_DEPTH, arrays and objects mixed
    deep: Any = 1
    for level in range(200):
        deep = [deep] if level % 2 else {"k": deep, "n": None}

    # When it is learned
    schema = learn(None, deep)

    # Then the schema stops at MAX_DEPTH with {} and validates the item
    node: Any = schema
    for _ in range(MAX_DEPTH + 1):
        node = node["items"] if "items" in node else node["properties"]["k"]
    assert node == {}
    assert compile_validator(schema)(deep) is None
