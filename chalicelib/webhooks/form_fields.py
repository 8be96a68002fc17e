"""Form and query pairs to a structured item: repeated keys become arrays, PHP-style brackets nest.

`tags[]=a&tags[]=b` → {"tags": ["a", "b"]}; `meta[source]=ads` → {"meta": {"source": "ads"}};
`tag=a&tag=b` → {"tag": ["a", "b"]}. A key whose brackets conflict with another (`a=1&a[b]=2`)
is kept literally, so nothing is lost; so is a key nested deeper than `MAX_DEPTH` brackets
(PHP stops at 64), which would otherwise build data too deep to store.
"""
from __future__ import annotations

import re
from typing import Any, Iterable

_BRACKETS = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])+)$")
MAX_DEPTH = 32


def _split_key(key: str) -> list[str] | None:
    match = _BRACKETS.match(key)
    if not match:
        return None
    parts = re.findall(r"\[([^\[\]]*)\]", match.group(2))
    if len(parts) > MAX_DEPTH:
        return None
    return [match.group(1), *parts]


def _put(target: dict[str, Any], path: list[str], value: str) -> bool:
    """Place value at path; False if the path collides with an existing scalar."""
    node: Any = target
    for index, part in enumerate(path):
        last = index == len(path) - 1
        next_is_append = not last and path[index + 1] == ""
        if part == "":
            if not isinstance(node, list):
                return False
            if last:
                node.append(value)
                return True
            child: Any = [] if next_is_append else {}
            node.append(child)
            node = child
            continue
        if not isinstance(node, dict):
            return False
        if last:
            if part in node:
                existing = node[part]
                if isinstance(existing, list) and all(isinstance(v, str) for v in existing):
                    existing.append(value)
                elif isinstance(existing, str):
                    node[part] = [existing, value]
                else:
                    return False
            else:
                node[part] = value
            return True
        child = node.get(part)
        if child is None:
            child = [] if next_is_append else {}
            node[part] = child
        elif next_is_append and not isinstance(child, list):
            return False
        elif not next_is_append and not isinstance(child, dict):
            return False
        node = child
    return True


def structure_pairs(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Turn ordered (key, value) pairs into a structured dict (see module docstring)."""
    result: dict[str, Any] = {}
    for key, value in pairs:
        path = _split_key(key) or [key]
        if not _put(result, path, value):
            existing = result.get(key)
            if existing is None:
                result[key] = value
            elif isinstance(existing, list):
                existing.append(value)
            else:
                result[key] = [existing, value]
    return result
