"""The webhook route end to end inside one process: Chalice test client, moto, real handlers."""
from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

import pytest
from chalice.deploy.validate import validate_configuration
from chalice.config import Config

from support import load_case

from .conftest import Inlet, captured, failures_left


def case_request(inlet: Inlet, hook: dict[str, Any], case: dict[str, Any]) -> Any:
    body = base64.b64decode(case["body_base64"]) if case.get("body_base64") else (case.get("body") or "").encode()
    headers = dict(case["headers"])
    query = "?" + case["path"].split("?", 1)[1] if "?" in case["path"] else ""
    return inlet.post(hook, body, headers, case["method"], query)


def delivered_data(inlet: Inlet) -> Any:
    inlet.drain()
    assert len(captured) == 1
    return captured[0]["data"]


def test_a_json_request_is_answered_logged_queued_and_delivered_as_sent(inlet: Inlet) -> None:
    # Given
    hook = inlet.create_hook()
    payload = {"event": "order.created", "order": {"id": 1001, "total": 19.99, "tags": ["a", None]}}
    # When
    response = inlet.post(hook, json.dumps(payload), {"Content-Type": "application/json"})
    # Then
    body = json.loads(response.body)
    assert response.status_code == 200 and body["status"] == "queued" and len(body["id"]) == 26
    assert delivered_data(inlet) == payload
    status, logs = inlet.api("GET", "/hooks/orders/logs")
    assert logs["entries"][0]["id"] == body["id"] and logs["entries"][0]["status"] == "delivered"
    assert logs["entries"][0]["attempts"][0]["ok"] is True


@pytest.mark.parametrize("name", ["C01", "C02", "C05", "C07", "C22"])
def test_http_cases_parse_to_their_expected_data(inlet: Inlet, name: str) -> None:
    # Given
    case = load_case(name)
    hook = inlet.create_hook()
    # When
    response = case_request(inlet, hook, case)
    # Then
    assert response.status_code == case["expected"]["status"]
    data = delivered_data(inlet)
    expected = case["expected"]
    if "parsed" in expected:
        assert data == expected["parsed"]
    if "query_multi" in expected:
        assert data == {k: v if len(v) > 1 else v[0] for k, v in expected["query_multi"].items()}
    if "structured_view" in expected:
        assert data == expected["structured_view"]


def test_c01_declared_charset_and_media_type_are_recorded(inlet: Inlet) -> None:
    hook = inlet.create_hook()
    response = case_request(inlet, hook, load_case("C01"))
    status, entry = inlet.api("GET", f"/hooks/orders/logs/{json.loads(response.body)['id']}")
    assert entry["meta"]["content_type"] == load_case("C01")["expected"]["content_type"]
    assert entry["meta"]["format"] == "form"


def test_c22_a_get_webhook_records_its_format_as_query(inlet: Inlet) -> None:
    hook = inlet.create_hook()
    response = case_request(inlet, hook, load_case("C22"))
    status, entry = inlet.api("GET", f"/hooks/orders/logs/{json.loads(response.body)['id']}")
    assert entry["meta"]["format"] == "query"


def test_c05_a_missing_content_type_is_sniffed(inlet: Inlet) -> None:
    hook = inlet.create_hook()
    response = case_request(inlet, hook, load_case("C05"))
    status, entry = inlet.api("GET", f"/hooks/orders/logs/{json.loads(response.body)['id']}")
    assert entry["meta"]["sniffed"] is True and entry["meta"]["content_type"] is None


def test_c04_invalid_json_is_a_named_400_with_the_raw_body_logged(inlet: Inlet) -> None:
    # Given
    case = load_case("C04")
    hook = inlet.create_hook()
    # When
    response = case_request(inlet, hook, case)
    # Then
    body = json.loads(response.body)
    assert response.status_code == 400 and body["error"] == "invalid_body"
    assert body["message"].startswith(case["expected"]["parse_error"])
    inlet.drain()
    assert captured == []
    status, logs = inlet.api("GET", "/hooks/orders/logs")
    entry = logs["entries"][0]
    assert entry["status"] == "rejected" and entry["response_status"] == 400
    status, full = inlet.api("GET", f"/hooks/orders/logs/{entry['id']}")
    assert full["raw"]["body_text"] == case["body"]


def test_c15_multipart_files_are_stored_byte_exact(inlet: Inlet) -> None:
    case = load_case("C15")
    hook = inlet.create_hook()
    response = case_request(inlet, hook, case)
    assert response.status_code == 200
    data = delivered_data(inlet)
    assert data == case["expected"]["fields"]
    attachment = captured[0]["attachments"][0]
    expected = case["expected"]["files"][0]
    assert {k: attachment[k] for k in expected} == expected
    import boto3
    stored = boto3.client("s3", region_name="us-east-1").get_object(Bucket="inlet-data", Key=attachment["key"])
    assert hashlib.sha256(stored["Body"].read()).hexdigest() == expected["sha256"]


def test_c16_a_non_utf8_text_body_is_decoded_by_its_charset_and_kept_raw(inlet: Inlet) -> None:
    case = load_case("C16")
    hook = inlet.create_hook()
    response = case_request(inlet, hook, case)
    assert delivered_data(inlet) == {"text": case["expected"]["decoded_text"]}
    status, entry = inlet.api("GET", f"/hooks/orders/logs/{json.loads(response.body)['id']}")
    assert entry["raw"]["sha256"] == case["expected"]["raw_sha256"]


def test_c19_a_top_level_array_is_kept_whole(inlet: Inlet) -> None:
    case = load_case("C19")
    hook = inlet.create_hook()
    case_request(inlet, hook, case)
    assert delivered_data(inlet) == {"body": json.loads(case["body"])}


def test_c24_keys_with_dots_spaces_dollars_and_empty_names_survive(inlet: Inlet) -> None:
    case = load_case("C24")
    hook = inlet.create_hook()
    case_request(inlet, hook, case)
    assert delivered_data(inlet) == json.loads(case["body"])


def test_c27_json_sent_as_text_plain_is_parsed(inlet: Inlet) -> None:
    case = load_case("C27")
    hook = inlet.create_hook()
    case_request(inlet, hook, case)
    assert delivered_data(inlet) == json.loads(case["body"])


def test_any_other_body_is_a_byte_exact_binary_attachment(inlet: Inlet) -> None:
    hook = inlet.create_hook()
    blob = bytes(range(256)) * 4
    inlet.post(hook, blob, {"Content-Type": "application/pdf"})
    assert delivered_data(inlet) == {}
    attachment = captured[0]["attachments"][0]
    assert attachment["sha256"] == hashlib.sha256(blob).hexdigest() and attachment["content_type"] == "application/pdf"


def test_an_empty_body_is_an_empty_item(inlet: Inlet) -> None:
    hook = inlet.create_hook()
    assert inlet.post(hook, b"", {"Content-Type": "application/json"}, method="DELETE").status_code == 200
    assert delivered_data(inlet) == {}


def test_unknown_and_deleted_hooks_answer_404_and_410(inlet: Inlet) -> None:
    hook = inlet.create_hook()
    unknown = inlet.client.http.post("/hooks/" + "x" * 32, body=b"{}")
    assert unknown.status_code == 404 and json.loads(unknown.body)["error"] == "unknown_hook"
    assert inlet.client.http.post("/hooks/../../etc", body=b"{}").status_code in (403, 404)
    inlet.api("DELETE", "/hooks/orders")
    gone = inlet.post(hook, "{}", {"Content-Type": "application/json"})
    assert gone.status_code == 410 and json.loads(gone.body)["error"] == "hook_deleted"


def test_a_body_over_the_hooks_limit_is_413_and_logged(inlet: Inlet) -> None:
    hook = inlet.create_hook(max_body_bytes=1000)
    response = inlet.post(hook, "x" * 1001, {"Content-Type": "text/plain"})
    assert response.status_code == 413 and "1001 bytes" in json.loads(response.body)["message"]
    status, logs = inlet.api("GET", "/hooks/orders/logs")
    assert logs["entries"][0]["status"] == "rejected"


def test_a_request_without_accept_header_gets_a_json_answer(inlet: Inlet) -> None:
    hook = inlet.create_hook()
    response = inlet.post(hook, "{}", {"Content-Type": "application/json"})
    assert response.status_code == 200 and "id" in json.loads(response.body)


def test_a_failing_scenario_is_retried_and_the_attempts_logged(inlet: Inlet) -> None:
    import time
    hook = inlet.create_hook(name="flaky")
    failures_left["flaky"] = 2
    inlet.post(hook, '{"n":1}', {"Content-Type": "application/json"})
    for _ in range(10):
        inlet.drain()
        if captured:
            break
        time.sleep(1.1)
    assert len(captured) == 1
    status, logs = inlet.api("GET", "/hooks/flaky/logs")
    assert [a["ok"] for a in logs["entries"][0]["attempts"]] == [False, False, True]


def test_the_route_configuration_passes_chalices_deploy_validation() -> None:
    import app
    for stage in ("dev", "prod"):
        config = Config.create(chalice_stage=stage, chalice_app=app.app, project_dir=".",
                               config_from_disk=json.load(open(".chalice/config.json")))
        validate_configuration(config)


@pytest.mark.parametrize("body, content_type, problem", [
    (b'{"a":"\\ud800"}', "application/json", "unpaired surrogate"),
    (b'{"\\udfff":1}', "application/json", "unpaired surrogate"),
    (b'{"a": NaN}', "application/json", "NaN is not a JSON number"),
    (b'{"a": -Infinity}', "application/json", "-Infinity is not a JSON number"),
    (b'{"a": 1e400}', "application/json", "out of range"),
])
def test_json_that_is_not_valid_json_data_is_a_named_400_not_a_5xx(inlet: Inlet, body: bytes, content_type: str,
                                                                   problem: str) -> None:
    # Given: text Python's json accepts but no UTF-8 store or JSON receiver can hold
    hook = inlet.create_hook()
    # When
    response = inlet.post(hook, body, {"Content-Type": content_type})
    # Then
    answer = json.loads(response.body)
    assert response.status_code == 400 and answer["error"] == "invalid_body" and problem in answer["message"]
    status, logs = inlet.api("GET", "/hooks/orders/logs")
    assert logs["entries"][0]["status"] == "rejected"


def test_text_that_looks_like_json_but_holds_a_lone_surrogate_stays_text(inlet: Inlet) -> None:
    hook = inlet.create_hook()
    response = inlet.post(hook, b'{"a":"\\udfff"}', {"Content-Type": "text/plain"})
    assert response.status_code == 200
    assert delivered_data(inlet) == {"text": '{"a":"\\udfff"}'}


def test_gzip_and_deflate_bodies_are_decoded_and_other_encodings_named(inlet: Inlet) -> None:
    import gzip
    import zlib
    hook = inlet.create_hook()
    payload = {"event": "compressed", "n": 1}
    assert inlet.post(hook, gzip.compress(json.dumps(payload).encode()),
                      {"Content-Type": "application/json", "Content-Encoding": "gzip"}).status_code == 200
    assert delivered_data(inlet) == payload
    deflated = inlet.post(hook, zlib.compress(b'{"a":1}'), {"Content-Type": "application/json",
                                                            "Content-Encoding": "deflate"})
    assert deflated.status_code == 200
    brotli = inlet.post(hook, b"\x00\x01", {"Content-Type": "application/json", "Content-Encoding": "br"})
    assert brotli.status_code == 415 and json.loads(brotli.body)["error"] == "unsupported_encoding"
    broken = inlet.post(hook, b"not gzip", {"Content-Type": "application/json", "Content-Encoding": "gzip"})
    assert broken.status_code == 400 and "not valid gzip" in json.loads(broken.body)["message"]


def test_a_decoded_body_may_not_outgrow_the_hooks_limit(inlet: Inlet) -> None:
    import gzip
    hook = inlet.create_hook(max_body_bytes=10_000)
    bomb = gzip.compress(b"{" + b" " * 1_000_000 + b"}")
    response = inlet.post(hook, bomb, {"Content-Type": "application/json", "Content-Encoding": "gzip"})
    assert response.status_code == 400 and "over this hook's limit" in json.loads(response.body)["message"]
