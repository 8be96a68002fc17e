"""A small client for Inlet's management API (`INLET_API_URL`), used by the CLI.

In AWS the API uses the IAM authorizer: requests to an `*.amazonaws.com` host (or any host when
INLET_API_SIGV4=1, e.g. behind a custom domain) are signed with SigV4 (service `execute-api`)
using the default AWS credentials (AWS_PROFILE, environment, SSO, instance role…)."""
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
        super().__init__(f"{status}: {message}" if status else str(message))
        self.status = status
        self.body = body


def default_api_url() -> str:
    return os.environ.get("INLET_API_URL") or f"http://127.0.0.1:{os.environ.get('INLET_HTTP_PORT', '8000')}"


def needs_sigv4(url: str) -> bool:
    flag = os.environ.get("INLET_API_SIGV4", "").lower()
    if flag in ("0", "false", "no"):
        return False
    host = (urllib.parse.urlsplit(url).hostname or "").lower()
    return flag in ("1", "true", "yes") or host.endswith(".amazonaws.com")


def signing_region(url: str) -> str:
    """`<api id>.execute-api.<region>.amazonaws.com` names its region; otherwise the environment's."""
    parts = (urllib.parse.urlsplit(url).hostname or "").split(".")
    if len(parts) >= 4 and parts[1] == "execute-api":
        return parts[2]
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"


def sigv4_headers(method: str, url: str, headers: dict[str, str], body: bytes | None,
                  credentials: Any = None) -> dict[str, str]:
    """`headers` plus the SigV4 ones (Authorization, X-Amz-Date, X-Amz-Security-Token)."""
    import botocore.session
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest

    if credentials is None:
        credentials = botocore.session.Session().get_credentials()
    if credentials is None:
        raise ApiError(0, {"message": f"{url} is an AWS endpoint (IAM-signed) but no AWS credentials were found; "
                                      "set AWS_PROFILE or run `aws configure`"})
    request = AWSRequest(method=method, url=url, data=body or b"", headers=dict(headers))
    SigV4Auth(credentials, "execute-api", signing_region(url)).add_auth(request)
    return dict(request.headers.items())


class ApiClient:
    def __init__(self, base_url: str | None = None, timeout: float = 30) -> None:
        self.base_url = (base_url or default_api_url()).rstrip("/")
        self.timeout = timeout

    def call(self, method: str, path: str, body: Any = None, query: dict[str, Any] | None = None) -> Any:
        url = f"{self.base_url}/api{path}"
        if query:
            url += "?" + urllib.parse.urlencode({k: v for k, v in query.items() if v is not None})
        data = None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if needs_sigv4(url):
            headers = sigv4_headers(method, url, headers, data)
        request = urllib.request.Request(url, data=data, method=method, headers=headers)
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
