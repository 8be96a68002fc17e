"""Learning and validating the real-world payloads under tests/fixtures/realhooks."""
from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from chalicelib.structure import compile_validator, field_paths, learn
from structure_fixtures import ALL, GITHUB, realhook


@pytest.mark.parametrize("name", ALL)
def test_schema_learned_from_a_payload_validates_it(name: str) -> None:
    # Given a real payload
    payload = realhook(name)

    # When its structure is learned
    schema = learn(None, payload)

    # Then the schema is plain JSON and the payload fits it
    assert json.loads(json.dumps(schema)) == schema
    assert compile_validator(schema)(payload) is None


def test_all_github_payloads_learned_in_turn_still_validate_each() -> None:
    # Given every GitHub event learned into one schema, one after the other
    schema = None
    for name in GITHUB:
        schema = learn(schema, realhook(name))
    assert schema is not None

    # When each payload is validated against the result
    validate = compile_validator(schema)
    problems = {name: validate(realhook(name)) for name in GITHUB}

    # Then all fit, and fields seen in one event only are optional
    assert problems == {name: None for name in GITHUB}
    assert "zen" in schema["properties"] and "zen" not in schema["required"]


@pytest.mark.parametrize(
    ("name", "path", "value", "expected_rule"),
    [
        ("github-workflow-job-completed-failure", ["workflow_job", "run_id"], "2202229078", "type"),
        ("github-workflow-job-completed-failure", ["workflow_job", "steps", 3, "number"], "4", "type"),
        ("github-push", ["repository", "updated_at"], "not a date", "format"),
        ("slack-message-event-callback", ["event", "blocks", 0, "type"], 5, "type"),
        ("stripe-customer-updated", ["data", "object", "sources", "data"], {"not": "a list"}, "type"),
        ("aws-sns-cloudwatch-alarm", ["Records", 0, "Sns", "MessageAttributes"], [], "type"),
        ("slack-reaction-added", ["event", "item", "ts"], 1477958101.000004, "type"),
    ],
)
def test_mutated_payload_fails_naming_the_changed_field(
    name: str, path: list[Any], value: Any, expected_rule: str
) -> None:
    # Given a schema learned from a payload, and a copy with one field's type changed
    payload = realhook(name)
    schema = learn(None, payload)
    mutated = copy.deepcopy(payload)
    parent = mutated
    for token in path[:-1]:
        parent = parent[token]
    parent[path[-1]] = value

    # When the copy is validated
    problem = compile_validator(schema)(mutated)

    # Then the problem names exactly that field
    pointer = "".join(f"/{token}" for token in path)
    assert problem is not None
    assert (problem.field, problem.rule) == (pointer, expected_rule)
    assert problem.message.startswith(f'field "{pointer}" must be')


def test_quirks_of_the_real_payloads_are_described_faithfully() -> None:
    # Given payloads with epoch ints beside ISO strings, big ints, decimal-string timestamps
    push = learn(None, realhook("github-push"))["properties"]["repository"]["properties"]
    job = learn(None, realhook("github-workflow-job-completed-failure"))["properties"]["workflow_job"]["properties"]
    reaction = learn(None, realhook("slack-reaction-added"))["properties"]["event"]["properties"]

    # When their fields are looked at
    # Then each keeps its own type
    assert push["created_at"] == {"type": "integer"}
    assert push["updated_at"] == {"type": "string", "format": "date-time"}
    assert job["run_id"] == {"type": "integer"}
    assert job["steps"]["items"]["properties"]["completed_at"] == {"type": "string", "format": "date-time"}
    assert reaction["event_ts"] == {"type": "string"}


def test_empty_string_placeholders_and_empty_arrays_leave_room_for_real_values() -> None:
    # Given the Slack sample whose values are mostly "" placeholders, then a real-looking event
    schema = learn(None, realhook("slack-message-event-callback"))
    filled = copy.deepcopy(realhook("slack-message-event-callback"))
    filled["type"] = "event_callback"
    filled["event"]["ts"] = "1477958101.000004"

    # When the real-looking one is learned on top
    again = learn(schema, filled)

    # Then nothing changed: strings stay strings, no format was guessed from ""
    assert again is schema
    assert schema["properties"]["type"] == {"type": "string"}


def test_field_paths_of_a_deep_payload_reach_into_arrays() -> None:
    # Given the deepest payload (Slack blocks in arrays of objects)
    schema = learn(None, realhook("slack-message-event-callback"))

    # When its fields are listed
    paths = field_paths(schema)

    # Then fields inside array elements are there, with "*" for the element
    assert "/event/blocks/*/type" in paths
    assert "/event/blocks/*/elements/*/type" in paths
