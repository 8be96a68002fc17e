"""Body parsing options of a hook: XML to JSON, JSON pass-through; and limits on nesting."""
from __future__ import annotations

import json

import pytest

from chalicelib.webhooks.parse_body import BodyError, BodyOptions, parse_body

XML = BodyOptions(parse_xml=True)
PASS = BodyOptions(passthrough=True)


def test_xml_is_text_unless_the_hook_asks_for_json() -> None:
    body = b'<?xml version="1.0"?><order id="7"><item>a</item><item>b</item><note/></order>'
    assert parse_body(body, "application/xml").data == {"text": body.decode()}
    parsed = parse_body(body, "Application/Atom+XML; charset=utf-8", {"q": "1"}, XML)
    assert parsed.data == {"q": "1", "order": {"@id": "7", "item": ["a", "b"], "note": None}}
    assert parsed.format == "xml"


def test_xml_is_decoded_by_its_declared_charset() -> None:
    body = '<r><name>Zoë</name></r>'.encode("latin-1")
    assert parse_body(body, "text/xml; charset=iso-8859-1", None, XML).data == {"r": {"name": "Zoë"}}
    assert parse_body(body, "text/xml", None, XML).data == {"r": {"name": "Zoë"}}  # not UTF-8: windows-1252


@pytest.mark.parametrize("body, problem", [
    (b'<!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><x>&b;</x>', "entities are disabled"),
    (b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>', "entities are disabled"),
    (b"<a><b></a>", "mismatched tag"),
    (b"<a>" * 300 + b"</a>" * 300, "nested deeper than"),
])
def test_bad_or_dangerous_xml_is_a_named_body_error(body: bytes, problem: str) -> None:
    with pytest.raises(BodyError) as raised:
        parse_body(body, "application/xml", None, XML)
    assert problem in str(raised.value) and str(raised.value).startswith("invalid XML")


def test_pass_through_keeps_textual_bodies_as_text_unparsed() -> None:
    assert parse_body(b'{"a": 1.10}', "application/json", {"q": "1"}, PASS).data == {"q": "1", "__body__": '{"a": 1.10}'}
    assert parse_body(b'{"truncated":', "application/json", None, PASS).data == {"__body__": '{"truncated":'}
    assert parse_body(b"a=1&a=2", None, None, PASS).data == {"__body__": "a=1&a=2"}
    assert parse_body("café".encode("latin-1"), "text/plain; charset=latin-1", None, PASS).data == {"__body__": "café"}
    assert parse_body(b"", "application/json", None, PASS).data == {"__body__": ""}


def test_pass_through_leaves_files_and_binary_bodies_as_attachments() -> None:
    binary = parse_body(b"\x89PNG\r\n\x1a\n", None, None, PASS)
    assert binary.data == {} and binary.files[0].content == b"\x89PNG\r\n\x1a\n"
    assert parse_body(b"%PDF-1.7", "application/pdf", None, PASS).format == "binary"


def test_bracket_nesting_deeper_than_32_stays_a_literal_key_that_can_be_stored() -> None:
    key = "a" + "[x]" * 5000
    parsed = parse_body(f"{key}=1&b[c][d]=2".encode(), "application/x-www-form-urlencoded")
    assert parsed.data == {key: "1", "b": {"c": {"d": "2"}}}
    json.dumps(parsed.data)
