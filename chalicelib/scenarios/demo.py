"""The demo scenario: prints each item it receives (to the console locally, CloudWatch in AWS)."""
from __future__ import annotations

import json
import sys
from typing import Any

from chalicelib.scenarios import scenario


@scenario("demo")
def print_item(item: dict[str, Any]) -> None:
    print(f"[demo scenario] item {item['id']} from hook {item['hook']['name']}:\n"
          + json.dumps(item["data"], indent=2, ensure_ascii=False), flush=True, file=sys.stdout)
