import random

from chalicelib.delivery.backoff import retry_delay


def test_delay_grows_exponentially_with_jitter_and_is_capped() -> None:
    rng = random.Random(7)
    for attempt, ceiling in ((1, 10), (2, 20), (3, 40), (4, 80)):
        delays = {retry_delay(attempt, 10, 900, rng) for _ in range(50)}
        assert min(delays) >= ceiling / 2 and max(delays) <= ceiling
        assert len(delays) > 1  # jitter
    assert retry_delay(30, 10, 900, rng) <= 900
    assert retry_delay(1, 0.1, 900, rng) == 1  # never under a second (SQS visibility granularity)
