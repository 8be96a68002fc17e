"""Request bodies to item data. Pure: bytes and headers in, structured data out.

JSON of any top-level type (objects merge into the item, anything else sits under "body"),
URL-encoded forms (declared charset, repeated keys, brackets), multipart/form-data (fields,
and files kept byte-exact as attachments), text and XML (decoded by charset, under "text"),
and anything else as a binary attachment. A missing Content-Type is sniffed: JSON, form, else
binary. Query parameters merge in underneath the body's own keys.

Per-hook `BodyOptions`: fields holding JSON parsed into data (form and multipart fields, and
the top-level string values of a JSON object, such as an SNS notification's `Message`); XML
parsed into JSON
(xmltodict, entity declarations refused: no entity expansion, no external fetch); and
pass-through, where a textual body is not parsed at all but kept as text under "__body__".
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from email import policy
from email.parser import BytesParser
from typing import Any
from urllib.parse import parse_qsl

import xmltodict

from chalicelib.webhooks import strict_json
from chalicelib.webhooks.form_fields import structure_pairs
from chalicelib.webhooks.media_type import MediaType, parse_media_type
from chalicelib.webhooks.text_decoding import decode_text, known_charset

BODY_KEY = "body"  # where a JSON body that is not an object goes
TEXT_KEY = "text"  # where a text or XML body goes
PASSTHROUGH_KEY = "__body__"  # the raw body as text, with JSON pass-through
MAX_XML_DEPTH = 200
_FORM_LIKE = re.compile(rb"^[A-Za-z0-9_.~%+\-\[\]]+=[^&]*(&[A-Za-z0-9_.~%+\-\[\]]+=[^&]*)*$")


class BodyError(ValueError):
    """The body does not parse as its declared type; the message names the problem."""


@dataclass(frozen=True)
class FilePart:
    """A file (or a whole binary body) to store as an attachment."""

    content: bytes
    content_type: str
    filename: str | None = None
    field: str | None = None


@dataclass(frozen=True)
class BodyOptions:
    """Per-hook choices about how bodies become data."""

    parse_json_form_fields: bool = False
    parse_xml: bool = False
    passthrough: bool = False


@dataclass(frozen=True)
class ParsedBody:
    data: dict[str, Any]
    format: str  # json | form | multipart | text | xml | binary | empty
    media_type: MediaType | None
    sniffed: bool = False
    files: list[FilePart] = field(default_factory=list)
    charset: str | None = None

    def meta(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "content_type": None if self.media_type is None else {
                "media_type": self.media_type.type, "params": dict(self.media_type.params)},
            "sniffed": self.sniffed,
            **({"charset": self.charset} if self.charset else {}),
        }


def parse_body(body: bytes, content_type: str | None, query: dict[str, Any] | None = None,
               options: BodyOptions = BodyOptions()) -> ParsedBody:
    """Parse a request body; raise `BodyError` when it contradicts its declared type."""
    media = parse_media_type(content_type)
    parsed = _parse(body, media, options)
    if query:
        # A GET-style webhook (C22): the data came from the query string alone.
        kind = "query" if parsed.format == "empty" else parsed.format
        parsed = ParsedBody({**query, **parsed.data}, kind, parsed.media_type,
                            parsed.sniffed, parsed.files, parsed.charset)
    return parsed


def _parse(body: bytes, media: MediaType | None, options: BodyOptions) -> ParsedBody:
    if options.passthrough:
        passed = _passthrough(body, media)
        if passed is not None:
            return passed
    if not body:
        return ParsedBody({}, "empty", media)
    if media is None:
        return _sniff(body, options)
    if media.is_json:
        return _nested_json(_json(body, media, sniffed=False), options)
    if media.is_form:
        return _form(body, media, options)
    if media.is_multipart_form:
        return _multipart(body, media, options)
    if media.is_xml:
        text, charset = decode_text(body, media.charset)
        if options.parse_xml:
            return ParsedBody(_xml(text), "xml", media, charset=charset)
        return ParsedBody({TEXT_KEY: text}, "xml", media, charset=charset)
    if media.is_text:
        text, charset = decode_text(body, media.charset)
        json_value = _json_if_structured(text)
        if json_value is not None:
            return _nested_json(ParsedBody(_as_object(json_value), "json", media, sniffed=True, charset=charset),
                                options)
        return ParsedBody({TEXT_KEY: text}, "text", media, charset=charset)
    return ParsedBody({}, "binary", media, files=[FilePart(body, media.type)])


def _passthrough(body: bytes, media: MediaType | None) -> ParsedBody | None:
    """The body as text, unparsed, when it is textual (JSON, form, text, XML, or sniffed as
    JSON or form); None for multipart and binary bodies, which are parsed as usual."""
    if media is None:
        if body and _FORM_LIKE.match(body.strip()) is None and _json_if_structured(
                decode_text(body, None)[0]) is None:
            return None
        text, charset = decode_text(body, None)
        return ParsedBody({PASSTHROUGH_KEY: text}, "passthrough", None, sniffed=True, charset=charset)
    if not (media.is_json or media.is_form or media.is_xml or media.is_text):
        return None
    text, charset = decode_text(body, media.charset)
    if text.startswith("\ufeff"):
        text = text[1:]
    return ParsedBody({PASSTHROUGH_KEY: text}, "passthrough", media, charset=charset)


def _xml(text: str) -> dict[str, Any]:
    """XML to JSON the xmltodict way: `<a x="1"><b>2</b></a>` → {"a": {"@x": "1", "b": "2"}}.
    Entity declarations are refused (no billion laughs), so is nesting past MAX_XML_DEPTH."""
    try:
        parsed = xmltodict.parse(text, disable_entities=True)
    except ValueError as error:  # xmltodict's refusal of entity declarations
        raise BodyError(f"invalid XML: {error}") from None
    except Exception as error:  # expat's ExpatError and its relatives
        raise BodyError(f"invalid XML: {error}") from None
    if not isinstance(parsed, dict):
        return {}
    if _depth(parsed) > MAX_XML_DEPTH:
        raise BodyError(f"invalid XML: nested deeper than {MAX_XML_DEPTH} elements")
    return dict(parsed)


def _depth(value: Any) -> int:
    """How deep dicts and lists nest, counted without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        if isinstance(node, dict):
            stack.extend((child, depth + 1) for child in node.values())
        elif isinstance(node, list):
            stack.extend((child, depth + 1) for child in node)
    return deepest


def _as_object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {BODY_KEY: value}


def _json_if_structured(text: str) -> Any:
    stripped = text.strip()
    if not stripped or stripped[0] not in "[{":
        return None
    try:
        return strict_json.loads(stripped)
    except (ValueError, RecursionError):
        return None


def _json(body: bytes, media: MediaType | None, sniffed: bool) -> ParsedBody:
    charset = None if media is None else media.charset
    codec = known_charset(charset) or "utf-8"
    try:
        text = body.decode(codec)
    except UnicodeDecodeError as error:
        raise BodyError(f"JSON body is not valid {codec}: byte {error.start}") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    try:
        value = strict_json.loads(text)
    except json.JSONDecodeError as error:
        what = "JSON truncated (unexpected end of input)" if error.pos >= len(text.rstrip()) else "invalid JSON"
        raise BodyError(f"{what}: {error.msg} at line {error.lineno} column {error.colno}") from None
    except strict_json.StrictJsonError as error:
        raise BodyError(f"invalid JSON: {error}") from None
    except RecursionError:
        raise BodyError("invalid JSON: nested too deeply") from None
    return ParsedBody(_as_object(value), "json", media, sniffed=sniffed)


def _form_pairs(body: bytes, charset: str | None) -> list[tuple[str, str]]:
    codec = known_charset(charset) or "utf-8"
    text, _ = decode_text(body, codec)
    return parse_qsl(text, keep_blank_values=True, encoding=codec, errors="replace")


def _form(body: bytes, media: MediaType | None, options: BodyOptions, sniffed: bool = False) -> ParsedBody:
    charset = None if media is None else media.charset
    data = structure_pairs(_form_pairs(body, charset))
    if options.parse_json_form_fields:
        data = {key: _maybe_json(value) for key, value in data.items()}
    return ParsedBody(data, "form", media, sniffed=sniffed, charset=known_charset(charset) or "utf-8")


def _maybe_json(value: Any) -> Any:
    if isinstance(value, str):
        parsed = _json_if_structured(value)
        return value if parsed is None else parsed
    return value


def _multipart(body: bytes, media: MediaType, options: BodyOptions) -> ParsedBody:
    boundary = media.params.get("boundary")
    if not boundary:
        raise BodyError("multipart/form-data without a boundary parameter")
    head = f'Content-Type: multipart/form-data; boundary="{boundary}"\r\n\r\n'.encode("latin-1", "replace")
    message = BytesParser(policy=policy.HTTP).parsebytes(head + body)
    if not message.is_multipart():
        raise BodyError("multipart/form-data body has no parts for its boundary")
    pairs: list[tuple[str, str]] = []
    files: list[FilePart] = []
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        filename = part.get_filename()
        decoded = part.get_payload(decode=True)
        payload = decoded if isinstance(decoded, bytes) else b""
        field_name = name if isinstance(name, str) else None
        if filename is not None or (part.get_content_type() not in ("text/plain",) and part.get("content-type")):
            files.append(FilePart(payload, part.get_content_type(), filename, field_name))
            continue
        text, _ = decode_text(payload, part.get_content_charset() or media.charset)
        pairs.append((field_name or "", text))
    data = structure_pairs(pairs)
    if options.parse_json_form_fields:
        data = {key: _maybe_json(value) for key, value in data.items()}
    return ParsedBody(data, "multipart", media, files=files)


def _nested_json(parsed: ParsedBody, options: BodyOptions) -> ParsedBody:
    """With `parse_json_form_fields`, a JSON object's top-level strings holding JSON are parsed."""
    if not options.parse_json_form_fields:
        return parsed
    data = {key: _maybe_json(value) for key, value in parsed.data.items()}
    return ParsedBody(data, parsed.format, parsed.media_type, parsed.sniffed, parsed.files, parsed.charset)


def _sniff(body: bytes, options: BodyOptions) -> ParsedBody:
    try:
        return _nested_json(_json(body, None, sniffed=True), options)
    except BodyError:
        pass
    if _FORM_LIKE.match(body.strip()):
        return _form(body, None, options, sniffed=True)
    return ParsedBody({}, "binary", None, sniffed=True, files=[FilePart(body, "application/octet-stream")])
