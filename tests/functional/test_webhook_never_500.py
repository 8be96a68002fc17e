"""Property: whatever a sender sends, the webhook answers without a 5xx, and every 4xx names
its problem in JSON."""
from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import Inlet

MEDIA_TYPES = st.sampled_from([
    None, "application/json", "Application/JSON; Charset=utf-8", "application/vnd.api+json",
    "application/x-www-form-urlencoded", "application/x-www-form-urlencoded; charset=latin-1",
    "multipart/form-data", "multipart/form-data; boundary=xyz", "text/plain; charset=bogus",
    "text/xml", "image/png", "", ";;;", "text/plain; charset=\"utf-8\"", "application/json; charset=utf-16"])
BODIES = st.one_of(st.binary(max_size=300), st.text(max_size=300).map(str.encode),
                   st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=10),
                                lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=5), c,
                                                                                     max_size=3),
                                max_leaves=10).map(lambda v: json.dumps(v).encode()))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=BODIES, media_type=MEDIA_TYPES, method=st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE"]),
       query=st.text(alphabet="ab[]=&%2xyz", max_size=20))
def test_no_input_yields_a_5xx(inlet: Inlet, body: bytes, media_type: str | None, method: str, query: str) -> None:
    if not hasattr(inlet, "hook"):
        inlet.hook = inlet.create_hook()  # type: ignore[attr-defined]
    headers = {} if media_type is None else {"Content-Type": media_type}
    response = inlet.post(inlet.hook, body, headers, method, "?" + query if query else "")  # type: ignore[attr-defined]
    assert response.status_code < 500
    answer = json.loads(response.body)
    if response.status_code >= 400:
        assert answer["error"] and answer["message"]
    else:
        assert answer["status"] == "queued"
