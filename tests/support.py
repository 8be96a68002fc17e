"""Helpers shared by the tests: fixture files and a clock moved by hand."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def load_case(name: str) -> dict[str, Any]:
    matches = sorted((FIXTURES / "cases").glob(f"{name}*.json"))
    assert matches, f"no case fixture {name}"
    return json.loads(matches[0].read_text())


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


