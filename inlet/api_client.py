"""A small client for Inlet's management API (`INLET_API_URL`), used by the CLI."""
from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request
from typing import Any


class ApiError(Exception):
    def __init__(self, status: int, body: Any) -> None:
        message = body.get("message") if isinstance(body, dict) else str(body)
        super().__init__(f"{status}: {message}")
        self.status = status
        self.body = body


def default_api_url() -> str:
    return os.environ.get("INLET_API_URL") or f"http://127.0.0.1:{os.environ.get('INLET_HTTP_PORT', '8000')}"


class ApiClient:
    def __init__(self, base_url: str | None = None, timeout: float = 30) -> None:
        self.base_url = (base_url or default_api_url()).rstrip("/")
        self.timeout = timeout

    def call(self, method: str, path: str, body: Any = None, query: dict[str, Any] | None = None) -> Any:
        url = f"{self.base_url}/api{path}"
        if query:
            url += "?" + urllib.parse.urlencode({k: v for k, v in query.items() if v is not None})
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(url, data=data, method=method,
                                         headers={"Content-Type": "application/json", "Accept": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            raw = error.read()
            try:
                parsed: Any = json.loads(raw)
            except ValueError:
                parsed = raw.decode("utf-8", "replace")
            raise ApiError(error.code, parsed) from None
        except urllib.error.URLError as error:
            raise ApiError(0, {"message": f"cannot reach the Inlet API at {self.base_url}: {error.reason}"}) from None

    def hook_path(self, ref: str) -> str:
        return "/hooks/" + urllib.parse.quote(ref, safe="")
