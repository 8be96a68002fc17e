"""Properties of learn() over random JSON values (hypothesis)."""
from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.structure import compile_validator, learn, to_typeddict
from chalicelib.structure.infer import _build

_LOOK_ALIKES = st.sampled_from([
    "2019-05-15T15:20:38Z", "2021-09-08T00:15:08.000+02:00", "octocat@github.com",
    "https://api.github.com/x", "mailto:a@b.co", "1477958101.000004", "", "a.b", "$ref",
])
_SCALARS = (
    st.none() | st.booleans() | st.integers() | st.integers(min_value=2**31, max_value=2**64)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=12) | _LOOK_ALIKES
)
_KEYS = st.text(max_size=6) | st.sampled_from(["a", "a.b", "", "$ref", "~/", "id", "a[0]", 'q"', "class", "__x"])
JSON = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_KEYS, inner, max_size=4),
    max_leaves=25,
)
SETTINGS = settings(deadline=None, max_examples=150, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(JSON)
def test_schema_learned_from_a_value_validates_it(value: Any) -> None:
    # Given any JSON value
    # When its structure is learned
    schema = learn(None, value)

    # Then it is plain JSON and the value fits
    assert json.loads(json.dumps(schema)) == schema
    assert compile_validator(schema)(value) is None


@SETTINGS
@given(JSON, JSON)
def test_schema_learned_from_two_values_validates_both(first: Any, second: Any) -> None:
    # Given two JSON values learned in order
    # When the second refines the schema of the first
    schema = learn(learn(None, first), second)

    # Then both fit
    validate = compile_validator(schema)
    assert validate(first) is None
    assert validate(second) is None


@SETTINGS
@given(JSON, JSON)
def test_shortcut_for_fitting_items_gives_what_a_full_merge_gives(first: Any, second: Any) -> None:
    # Given a learned schema that proved stable (learning its own item again changed nothing)
    schema = learn(None, first)
    assert learn(schema, first) is schema

    # When another value is learned through the compiled shortcut and by a full genson merge
    quick = learn(schema, second)
    full = _build(schema, second)

    # Then both give the same schema, and learning the same value again changes nothing
    assert quick == full
    assert learn(quick, second) is quick


@SETTINGS
@given(JSON, JSON)
def test_learned_schemas_render_as_compilable_typeddicts(first: Any, second: Any) -> None:
    # Given a schema learned from two values
    schema = learn(learn(None, first), second)

    # When it is rendered as TypedDicts
    source = to_typeddict(schema)

    # Then the source compiles and runs
    exec(compile(source, "<typeddict>", "exec"), {})
