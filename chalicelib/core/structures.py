"""A hook's data structure as stored: its JSON Schema and how it is kept.

`schema` is None until the first item determines it. `version` counts writes (0: never
stored) and guards against two writers; `redetermine` makes the next item replace the
schema; `strict` makes the ingest refuse items that do not fit (400 naming the field).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Structure:
    hook_id: str
    schema: dict[str, Any] | None = None
    version: int = 0
    strict: bool = False
    redetermine: bool = False
    updated_at: str = ""

    def to_doc(self) -> dict[str, Any]:
        return {"schema": self.schema, "strict": self.strict, "redetermine": self.redetermine,
                "updated_at": self.updated_at}

    @classmethod
    def from_doc(cls, hook_id: str, version: int, doc: dict[str, Any]) -> "Structure":
        schema = doc.get("schema")
        return cls(hook_id=hook_id, schema=schema if isinstance(schema, dict) else None, version=version,
                   strict=bool(doc.get("strict", False)), redetermine=bool(doc.get("redetermine", False)),
                   updated_at=str(doc.get("updated_at", "")))
