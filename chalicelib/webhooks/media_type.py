"""Media types matched the way RFC 9110 says: case-insensitive, parameters apart, `+json` suffixes."""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from email.message import Message


@dataclass(frozen=True)
class MediaType:
    type: str  # lowercased "type/subtype"
    params: dict[str, str] = field(default_factory=dict)  # names lowercased, values as sent

    @property
    def charset(self) -> str | None:
        value = self.params.get("charset", "").strip().strip('"').strip()
        return value or None

    @property
    def is_json(self) -> bool:
        return self.type in ("application/json", "text/json") or self.type.endswith("+json")

    @property
    def is_form(self) -> bool:
        return self.type == "application/x-www-form-urlencoded"

    @property
    def is_multipart_form(self) -> bool:
        return self.type == "multipart/form-data"

    @property
    def is_xml(self) -> bool:
        return self.type in ("application/xml", "text/xml") or self.type.endswith("+xml")

    @property
    def is_text(self) -> bool:
        return self.type.startswith("text/")


def parse_media_type(header: str | None) -> MediaType | None:
    """Parse a Content-Type header; None when absent or blank."""
    if header is None or not header.strip():
        return None
    return _parse(header)


@functools.lru_cache(maxsize=512)
def _parse(header: str) -> MediaType:
    """Senders repeat the same few headers, so parses are cached (MediaType is immutable)."""
    message = Message()
    message["content-type"] = header
    params = {}
    for key, value in message.get_params(failobj=[])[1:]:
        params[key.lower()] = value if isinstance(value, str) else str(value)
    main = header.split(";", 1)[0].strip().lower()
    return MediaType(type=main, params=params)
