"""Pure rules: lane keys of sequential hooks and when an interval run is due."""
from __future__ import annotations

import pytest

from chalicelib.core.hooks import Hook, validated
from chalicelib.errors import Invalid
from chalicelib.ids import first_item_id_at, item_id_time
from chalicelib.queueing.lanes import DEFAULT_LANE, lane_for, parse_path
from chalicelib.queueing.schedule import due_run, latest_run_time

T = 1_800_000_000.0  # a multiple of 15 minutes


def test_a_json_path_header_or_sender_picks_the_lane() -> None:
    data = {"customer": {"id": 42}, "lines": [{"sku": "A-1"}], "key with space": "x", "from": [{"address": "A@B.io"}]}
    assert lane_for("$.customer.id", data) == "42"
    assert lane_for("$.lines[0].sku", data) == "A-1"
    assert lane_for("$['key with space']", data) == "x"
    assert lane_for("header:X-Shop", data, [("x-shop", "shop-9")]) == "shop-9"
    assert lane_for("sender", data) == "a@b.io"
    assert lane_for("sender", {}, meta={"sender": "s@x.io"}) == "s@x.io"


def test_a_missing_key_joins_the_default_lane_and_odd_values_get_a_stable_safe_name() -> None:
    assert lane_for("$.customer.id", {"other": 1}) == DEFAULT_LANE
    assert lane_for("$.customer.id", [1, 2]) == DEFAULT_LANE
    odd = lane_for("$.name", {"name": "Zoë & Co, a very long name " * 4})
    assert odd.startswith("h:") and odd == lane_for("$.name", {"name": "Zoë & Co, a very long name " * 4})
    assert len("hk_123456789012#" + odd) <= 128


@pytest.mark.parametrize("path", ["customer.id", "$", "$.a..b", "$.a[x]"])
def test_a_bad_json_path_is_named(path: str) -> None:
    with pytest.raises(Invalid):
        parse_path(path)


def test_hook_settings_are_checked() -> None:
    base = Hook(id="hk_1", name="orders", token="t" * 32, scenario="demo", processing="sequential")
    for changes, code in [({"queue_limit": 0}, "invalid_queue_limit"), ({"cron": "every day"}, "invalid_cron"),
                          ({"cron": "* * * * *", "every_seconds": 60}, "invalid_trigger"),
                          ({"max_per_run": 0}, "invalid_max_per_run"), ({"on_failure": "skip"}, "invalid_on_failure"),
                          ({"order_by": "sender"}, "invalid_order_by"),
                          ({"order_by": "$.a", "processing": "parallel"}, "not_sequential")]:
        with pytest.raises(Invalid) as error:
            base.with_changes(**changes)
        assert error.value.code == code
    assert validated(base).queue_limit == 10_000 and base.max_per_run == 10 and base.on_failure == "continue"


def test_every_n_runs_on_multiples_of_n_and_cron_on_its_times() -> None:
    assert latest_run_time(900, "", T + 899) == T
    assert latest_run_time(900, "", T + 900) == T + 900
    assert latest_run_time(0, "*/15 * * * *", T + 60) == T
    assert latest_run_time(0, "", T) is None


def test_a_run_is_due_once_and_only_shortly_after_its_time() -> None:
    # Given a 15-minute hook that last ran at T
    assert due_run(900, "", T + 60, last_run=T, grace=120) is None           # already ran
    assert due_run(900, "", T + 900, last_run=T, grace=120) == T + 900      # the next run time
    assert due_run(900, "", T + 900 + 119, last_run=T, grace=120) == T + 900
    assert due_run(900, "", T + 900 + 121, last_run=T, grace=120) is None   # too late: wait for the next
    assert due_run(0, "*/5 * * * *", T + 301, last_run=T, grace=120) == T + 300


def test_item_id_bounds_by_time() -> None:
    assert item_id_time(first_item_id_at(T + 1.5)) == T + 1.5
