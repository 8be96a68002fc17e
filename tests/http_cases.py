"""The HTTP cases of tests/fixtures/cases as requests, with the hook each needs and what the
item must hold; shared by the route tests (Chalice test client) and the local stack tests."""
from __future__ import annotations

import base64
import json
from typing import Any

from support import FIXTURES, load_case

HTTP_CASES = sorted(p.name[:3] for p in (FIXTURES / "cases").glob("C*.json")
                    if json.loads(p.read_text()).get("kind") == "http")

# Options and secrets of the hook a case is sent to. Signed cases replay fixed timestamps
# (1700000000), so their tolerance is off, as the cases README says.
HOOK_SETUP: dict[str, tuple[dict[str, Any], dict[str, str]]] = {
    "C09": ({"guards": {"signature": {"preset": "github", "secret_names": ["github"]}},
             "parse_json_form_fields": True, "idempotency": {"header": "X-GitHub-Delivery"}},
            {"github": "gh-test-secret"}),
    "C10": ({"guards": {"signature": {"preset": "stripe", "secret_names": ["stripe"], "tolerance_seconds": None}},
             "idempotency": {"pointer": "/id"}},
            {"stripe": "whsec_test_secret"}),
    "C12": ({"guards": {"signature": {"preset": "slack", "secret_names": ["slack"], "tolerance_seconds": None}}},
            {"slack": "slack-test-signing-secret"}),
    "C13": ({"parse_json_form_fields": True}, {}),
    "C21": ({}, {}),
    "C27": ({"parse_json_form_fields": True}, {}),
}

# Other hook fields: C21 is refused by the hook's own limit through the test client (the local
# stack refuses it earlier, at Lambda's payload limit, as AWS does).
HOOK_FIELDS: dict[str, dict[str, Any]] = {"C21": {"max_body_bytes": 4 * 1024 * 1024}}


def case_body(case: dict[str, Any]) -> bytes:
    if case.get("body_base64"):
        return base64.b64decode(case["body_base64"])
    if case.get("body_generate"):
        spec = case["body_generate"]
        return bytes([int(spec["byte"], 16)]) * int(spec["size_bytes"])
    return (case.get("body") or "").encode("utf-8")


def case_query(case: dict[str, Any]) -> str:
    return "?" + case["path"].split("?", 1)[1] if "?" in case["path"] else ""


def expected_status(case: dict[str, Any]) -> int:
    expected = case["expected"]
    return int(expected.get("status", 400))


def expected_data(name: str, case: dict[str, Any]) -> Any:
    """What the item's data must equal (None: a case checked otherwise)."""
    expected = case["expected"]
    if name == "C07":
        return {k: v if len(v) > 1 else v[0] for k, v in expected["query_multi"].items()}
    if name == "C15":
        return expected["fields"]
    if name == "C16":
        return {"text": expected["decoded_text"]}
    if name == "C19":
        return {"body": json.loads(case["body"])}
    if name == "C22":
        return expected["structured_view"]
    if name == "C24":
        return json.loads(case["body"])
    if name == "C27":
        body = json.loads(case["body"])
        return {**body, "Message": json.loads(body["Message"])}  # the nested level, parsed by option
    if "parsed" in expected:
        return expected["parsed"]
    return None


def contains(subset: Any, whole: Any) -> bool:
    """Whether `subset` (dicts compared key by key, anything else by equality) is in `whole`."""
    if isinstance(subset, dict):
        return isinstance(whole, dict) and all(k in whole and contains(v, whole[k]) for k, v in subset.items())
    return bool(subset == whole)


__all__ = ["HOOK_FIELDS", "HOOK_SETUP", "HTTP_CASES", "case_body", "case_query", "contains", "expected_data", "expected_status",
           "load_case"]
