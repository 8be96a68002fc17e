"""Data structures of hooks: a JSON Schema of a hook's items, learned, checked and typed.

Pure: genson and fastjsonschema only, no I/O. `learn` determines and refines the schema
item by item (conventions in `infer`), `field_paths` lists its fields as JSON Pointers,
`compile_validator` checks items against it (cached per schema), `to_typeddict` renders it
as Python `TypedDict`s.
"""
from .compiler import SchemaError
from .fields import field_paths
from .infer import DRIFT, learn
from .typeddict import to_typeddict
from .validate import ValidationProblem, Validator, compile_validator

__all__ = [
    "DRIFT",
    "SchemaError",
    "ValidationProblem",
    "Validator",
    "compile_validator",
    "field_paths",
    "learn",
    "to_typeddict",
]
