"""Exponential backoff with jitter: attempt n waits between half and all of base·2^(n-1), capped."""
from __future__ import annotations

import math
import random


def retry_delay(attempt: int, base: float, cap: float, rng: random.Random | None = None) -> int:
    """Seconds to wait after failed attempt number `attempt` (1-based); at least 1."""
    ceiling = min(cap, base * (2 ** max(0, attempt - 1)))
    jittered = ceiling / 2 + (rng or random).uniform(0, ceiling / 2)
    return max(1, math.ceil(jittered))
