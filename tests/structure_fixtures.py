"""Reads the real-world webhook payloads copied under tests/fixtures/realhooks (see its README)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

REALHOOKS = Path(__file__).resolve().parent / "fixtures" / "realhooks"
ALL = sorted(path.stem for path in REALHOOKS.glob("*.json"))
GITHUB = [name for name in ALL if name.startswith("github-")]


def realhook(name: str) -> Any:
    """The payload as a sender's JSON parser would give it."""
    return json.loads((REALHOOKS / f"{name}.json").read_bytes())
