"""Fetching a URL over HTTPS (the SNS SubscribeURL that confirms a subscription). The
caller has already checked the host; this only refuses anything but https, follows no
redirect, and bounds the time."""
from __future__ import annotations

import urllib.error
import urllib.request
from typing import Any

from chalicelib.errors import Transient


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class HttpsUrlFetcher:
    def __init__(self, timeout: float = 5.0) -> None:
        self._timeout = timeout
        self._opener = urllib.request.build_opener(_NoRedirect)

    def fetch(self, url: str) -> int:
        if not url.startswith("https://"):
            raise ValueError("only https URLs are fetched")
        request = urllib.request.Request(url, method="GET", headers={"User-Agent": "Inlet"})
        try:
            with self._opener.open(request, timeout=self._timeout) as response:
                response.read(64 * 1024)
                return int(response.status)
        except urllib.error.HTTPError as error:
            return int(error.code)
        except (urllib.error.URLError, OSError) as error:
            raise Transient(f"could not reach {url.split('?', 1)[0]}: {error}") from None
