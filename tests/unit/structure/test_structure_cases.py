"""Shared cases C19, C24 and C25 (bodies and expected values copied from the case files)."""
from __future__ import annotations

import json
from typing import Any

from chalicelib.structure import compile_validator, field_paths, learn


def _sorted_required(schema: Any) -> Any:
    if isinstance(schema, dict):
        return {k: sorted(v) if k == "required" else _sorted_required(v) for k, v in schema.items()}
    return schema


C19_BODY = (
    '[{"id":1,"entityType":"contact","eventType":"created"},'
    '{"id":2,"entityType":"payment","eventType":"updated","amount":9.5}]'
)
C19_EXPECTED_SCHEMA = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "entityType": {"type": "string"},
            "eventType": {"type": "string"},
            "amount": {"type": "number"},
        },
        "required": ["id", "entityType", "eventType"],
    },
}


def test_c19_top_level_array_gives_array_of_objects_with_optional_amount() -> None:
    # Given a batched sender's body: a JSON array of two events
    body = json.loads(C19_BODY)

    # When the structure is determined from it
    schema = learn(None, body)

    # Then it is the expected array schema (required compared as a set), and both fit
    assert _sorted_required(schema) == _sorted_required(C19_EXPECTED_SCHEMA)
    assert compile_validator(schema)(body) is None


C24_BODY = (
    '{"sonar.analysis.buildnumber":"1567096760967","sendungsnr.":"0000000000000000",'
    '"first name":"Ada","a":{"b":1},"a.b":2,"":"empty-key","$ref":"x"}'
)
C24_EXPECTED_FIELD_PATHS = [
    "/sonar.analysis.buildnumber", "/sendungsnr.", "/first name", "/a/b", "/a.b", "/", "/$ref",
]


def test_c24_keys_with_dots_spaces_dollar_and_empty_are_distinct_field_paths() -> None:
    # Given keys with dots, a trailing dot, a space, "$ref", the empty key, and "a.b" beside a→b
    body = json.loads(C24_BODY)

    # When the structure is determined and its fields listed
    schema = learn(None, body)
    paths = field_paths(schema)

    # Then every expected pointer is there, plus the parent "/a", and nothing else
    assert sorted(paths) == sorted([*C24_EXPECTED_FIELD_PATHS, "/a"])
    assert set(schema["properties"]) == set(body)
    assert compile_validator(schema)(body) is None


C25_BODIES = [
    '{"id":1,"discount":null,"items":[],"tags":"a, b"}',
    '{"id":2,"discount":{"code":"SPRING","amount":"5.00"},"items":[{"sku":"A","qty":1}],"tags":"c"}',
    '{"id":"3","discount":null,"items":[{"sku":"B","qty":2,"gift":true}]}',
]


def test_c25_three_bodies_widen_nulls_empty_arrays_and_flag_id_drift() -> None:
    # Given three bodies of one hook: null and [] first, filled later, id turning into a string
    bodies = [json.loads(body) for body in C25_BODIES]

    # When they are learned in order
    schema = None
    for body in bodies:
        schema = learn(schema, body)

    # Then id is integer|string with drift flagged
    assert schema is not None
    properties = schema["properties"]
    assert properties["id"] == {"type": ["integer", "string"]}
    assert schema["x-inlet-drift"] == ["/id"]
    # and discount is null|object{code:string,amount:string}
    assert properties["discount"] == {
        "type": ["null", "object"],
        "properties": {"code": {"type": "string"}, "amount": {"type": "string"}},
        "required": ["amount", "code"],
    }
    # and items is array<object{sku:string,qty:integer,gift?:boolean}>
    assert properties["items"] == {
        "type": "array",
        "items": {
            "type": "object",
            "properties": {"sku": {"type": "string"}, "qty": {"type": "integer"}, "gift": {"type": "boolean"}},
            "required": ["qty", "sku"],
        },
    }
    # and tags is a string that is optional (absent in request 3)
    assert properties["tags"] == {"type": "string"}
    assert sorted(schema["required"]) == ["discount", "id", "items"]
    # and every body still fits
    validate = compile_validator(schema)
    assert [validate(body) for body in bodies] == [None, None, None]
