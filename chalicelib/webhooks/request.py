"""The HTTP request as Inlet sees it: plain data, built by `app.py` from the API Gateway event.

Nothing here knows Chalice or AWS; parsing, guards and handshakes take this type.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class HttpRequest:
    """One request that reached `/hooks/{token}`, with every repeated value kept in order."""

    method: str
    path: str
    headers: tuple[tuple[str, str], ...] = ()
    query: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    source_ip: str = ""
    public_url: str = ""
    request_id: str = ""
    _lower: dict[str, list[str]] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for name, value in self.headers:
            self._lower.setdefault(name.lower(), []).append(value)

    def header(self, name: str) -> str | None:
        """The last value of a header (as API Gateway's single-value view), case-insensitive."""
        values = self._lower.get(name.lower())
        return values[-1] if values else None

    def header_values(self, name: str) -> list[str]:
        """Every value of a header, in the order received."""
        return list(self._lower.get(name.lower(), ()))

    @property
    def content_type(self) -> str | None:
        return self.header("content-type")
