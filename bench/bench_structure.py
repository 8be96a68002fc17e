"""Benchmark of the structure module: learn() and validation per item, as ratios to json.loads.

Run: `.venv/bin/python bench/bench_structure.py`. A script, not a test: every number is
measured in this run on this machine, and only the ratios are meant to travel. Each ratio
is the median over several rounds of (time of the operation / time of json.loads of the
same body), both timed back to back in the round, so load from other processes on the
machine cancels out as far as it can.

Bodies, built from the real payloads in tests/fixtures/realhooks:
- 1 KB:        the Stripe `customer.updated` event, compact (one event as a sender posts it).
- 1 MB mixed:  a JSON array cycling through all twelve payloads (a batch of unlike events).
- 1 MB same:   a JSON array of GitHub `pull_request` events (a batch of like events).

Columns:
- learn first:   learn(None, item), the hook's first item.
- learn fits:    learn(schema, item) for an item that adds nothing, once the schema has
                 proved stable (the steady state: one compiled check, no genson walk).
- learn widens:  learn(schema, item) for an item with one new field: the check fails, then
                 genson rebuilds the schema and merges the item.
- validate:      one check by the compiled validator of compile_validator(schema), reused.
- one-offs (milliseconds, not ratios): "stable" is the learn() call that finds a schema
  stable and compiles its shortcut; "compile" is the first compile_validator(schema).
"""
from __future__ import annotations

import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from chalicelib.structure import compile_validator, learn  # noqa: E402
from chalicelib.structure.compiler import compile_canonical  # noqa: E402
from chalicelib.structure.infer import _checkers  # noqa: E402
from chalicelib.structure.validate import _validator  # noqa: E402

REALHOOKS = ROOT / "tests" / "fixtures" / "realhooks"
MEGABYTE = 1024 * 1024
ROUNDS = 7
ROUND_SECONDS = 0.05


def _payload(name: str) -> Any:
    return json.loads((REALHOOKS / f"{name}.json").read_bytes())


def _compact(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def _batch(payloads: list[Any]) -> bytes:
    batch: list[Any] = []
    size = 2
    while size < MEGABYTE:
        payload = payloads[len(batch) % len(payloads)]
        batch.append(payload)
        size += len(_compact(payload)) + 1
    return _compact(batch)


def _bodies() -> dict[str, bytes]:
    everything = [_payload(path.stem) for path in sorted(REALHOOKS.glob("*.json"))]
    return {
        "1 KB": _compact(_payload("stripe-customer-updated")),
        "1 MB mixed": _batch(everything),
        "1 MB same": _batch([_payload("github-pull-request-opened")]),
    }


def _per_call(action: Callable[[], object], calls: int) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        action()
    return (time.perf_counter() - start) / calls


def _calls_for(action: Callable[[], object]) -> int:
    once = max(_per_call(action, 1), 1e-7)
    return max(1, min(5000, int(ROUND_SECONDS / once)))


def _ratio(action: Callable[[], object], baseline: Callable[[], object]) -> tuple[float, float]:
    """Median of per-round ratios action/baseline, and the median baseline seconds."""
    action_calls, baseline_calls = _calls_for(action), _calls_for(baseline)
    ratios, baselines = [], []
    for _ in range(ROUNDS):
        base = _per_call(baseline, baseline_calls)
        ratios.append(_per_call(action, action_calls) / base)
        baselines.append(base)
    return statistics.median(ratios), statistics.median(baselines)


def _widened(body: bytes) -> Any:
    """The same item with one field it never had: learning it must change the schema."""
    item = json.loads(body)
    target = item[-1] if isinstance(item, list) else item
    target["x_new_field"] = {"added": True}
    return item


def _milliseconds(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return (time.perf_counter() - start) * 1e3


def main() -> None:
    print(f"{'body':<11} {'bytes':>9} {'json.loads':>11} | {'learn first':>11} {'learn fits':>10} "
          f"{'learn widens':>12} {'validate':>8} | {'stable':>8} {'compile':>8}")
    for label, body in _bodies().items():
        item, widened = json.loads(body), _widened(body)
        loads = lambda: json.loads(body)  # noqa: E731

        _checkers.clear()
        compile_canonical.cache_clear()
        _validator.cache_clear()
        schema = learn(None, item)
        stable_ms = _milliseconds(lambda: learn(schema, item))  # proves stable: compiles the shortcut
        assert learn(schema, item) is schema and learn(schema, widened) is not schema
        compile_ms = _milliseconds(lambda: compile_validator(schema))
        validate = compile_validator(schema)
        assert validate(item) is None

        first, loads_seconds = _ratio(lambda: learn(None, item), loads)
        fits, _ = _ratio(lambda: learn(schema, item), loads)
        widens, _ = _ratio(lambda: learn(schema, widened), loads)
        check, _ = _ratio(lambda: validate(item), loads)
        print(
            f"{label:<11} {len(body):>9,} {loads_seconds * 1e3:>9.3f}ms | "
            f"{first:>10.1f}x {fits:>9.1f}x {widens:>11.1f}x {check:>7.1f}x | "
            f"{stable_ms:>6.1f}ms {compile_ms:>6.1f}ms"
        )
    print("ratios: time per item / json.loads of the same body (median of paired rounds)")


if __name__ == "__main__":
    main()
