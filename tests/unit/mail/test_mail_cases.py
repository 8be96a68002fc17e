"""The inbound-mail cases C28-C46 (each from a real bug report), one test each, with the
expected values from the case list."""
from __future__ import annotations

import json
from pathlib import Path

from chalicelib.mail import ParsedMail, parse_mail

CASES = Path(__file__).resolve().parents[2] / "fixtures" / "mail" / "cases"


def parse_case(name: str) -> ParsedMail:
    return parse_mail((CASES / name).read_bytes())


def blob(parsed: ParsedMail, key: object) -> bytes:
    return next(b.content for b in parsed.blobs if b.key == key)


def test_c28_subject_split_inside_multibyte_characters_is_joined_before_decoding() -> None:
    # Given a Subject whose "é" and "€" are each split across two adjacent encoded-words
    name = "C28-rfc2047-split-multibyte.eml"
    # When
    parsed = parse_case(name)
    # Then
    assert parsed.item["subject"] == "Café menu €5"
    assert parsed.item["defects"] == []


def test_c30_rfc2231_continuations_are_sorted_numerically_and_percent_decoded() -> None:
    # Given filenames split into out-of-order, partly %-encoded sections (and *10 after *9)
    name = "C30-rfc2231-continuations.eml"
    # When
    parsed = parse_case(name)
    # Then
    attachments = parsed.item["attachments"]
    assert [(a["filename"], a["content_type"]) for a in attachments] == [
        ("Über Prüfbericht.pdf", "application/pdf"),
        ("abcdefghijk.txt", "text/plain"),
    ]


def test_c32_nameless_attachments_get_generated_names_and_never_become_the_body() -> None:
    # Given a PDF and a message/rfc822 without filenames, and a text part marked x-download
    name = "C32-attachments-without-filenames.eml"
    # When
    parsed = parse_case(name)
    # Then
    item = parsed.item
    assert item["text"] == "BODY MARKER: only this text is the message body."
    assert item["html"] is None
    pdf, message, notes = item["attachments"]
    assert (pdf["content_type"], pdf["filename"], pdf["generated_name"]) == (
        "application/pdf", None, "attachment-1.pdf")
    assert (message["content_type"], message["filename"], message["generated_name"]) == (
        "message/rfc822", None, "attachment-2.eml")
    assert blob(parsed, message["key"]).startswith(b"From: someone@example.net\r\n")
    assert message["size"] > 0
    assert (notes["content_type"], notes["filename"], notes["disposition"]) == (
        "text/plain", "notes.txt", "x-download")
    body_json = json.dumps([item["text"], item["html"]])
    assert "INNER MARKER" not in body_json
    assert "PRIVATE ATTACHMENT TEXT" not in body_json


def test_c33_image_inside_related_inside_alternative_is_an_inline_part() -> None:
    # Given multipart/alternative whose html sits in multipart/related with a cid: image
    name = "C33-alternative-related-cid-inline.eml"
    # When
    parsed = parse_case(name)
    # Then
    item = parsed.item
    assert item["text"] == "Hello (plain text version)"
    assert "cid:logo.png@01D00000.EXAMPLE" in item["html"]
    assert item["attachments"] == []
    [logo] = item["inline"]
    assert logo["content_type"] == "image/png"
    assert logo["content_id"] == "logo.png@01D00000.EXAMPLE"
    assert logo["filename"] is None
    assert logo["referenced_by_html"] is True
    assert blob(parsed, logo["key"]).startswith(b"\x89PNG")


def test_c34_forwarded_message_is_an_attachment_with_its_own_nested_item() -> None:
    # Given a forwarded message/rfc822 that has its own text and html alternatives
    raw = (CASES / "C34-forwarded-message-rfc822.eml").read_bytes()
    # When
    parsed = parse_mail(raw)
    # Then
    item = parsed.item
    assert item["text"] == "OUTER BODY: see the forwarded message."
    assert item["html"] is None  # the inner html must not become the outer html
    [forwarded] = item["attachments"]
    assert (forwarded["filename"], forwarded["content_type"]) == ("forwarded.eml", "message/rfc822")
    inner_start = raw.index(b"From: Original Author")
    inner_end = raw.index(b"\r\n--b-c34--")
    assert blob(parsed, forwarded["key"]) == raw[inner_start:inner_end]
    nested = forwarded["nested"]
    assert nested["subject"] == "Original subject"
    assert [a["address"] for a in nested["from"]] == ["author@example.net"]
    assert nested["text"] == "INNER BODY: belongs to the attached message only."


def test_c36_bogus_charset_labels_decode_and_are_recorded_as_defects() -> None:
    # Given five text parts labelled uft-8, unknown-8bit, iso-8859-8-i, "utf-8  x9q" and ""
    name = "C36-bogus-charsets.eml"
    # When
    parsed = parse_case(name)
    # Then
    item = parsed.item
    texts = [item["text"]] + [
        blob(parsed, a["key"]).decode(a["charset"]) for a in item["attachments"]
    ]
    assert texts == ["naïve café", "Grüße", "שלום", "ok ✓", "plain ascii"]
    defects = "\n".join(item["defects"])
    assert "charset 'uft-8' unknown, decoded as utf-8" in defects
    assert "'unknown-8bit'" in defects
    assert "'utf-8  x9q' has extra text" in defects
    assert "charset label is empty" in defects


def test_c38_raw_8bit_headers_decode_to_text_that_serialises_as_utf8_json() -> None:
    # Given raw UTF-8 in From and Subject, and raw windows-1252 in X-Legacy-Subject
    name = "C38-8bit-raw-headers.eml"
    # When
    parsed = parse_case(name)
    # Then
    item = parsed.item
    assert item["from"] == [{"name": "Zoë Example", "address": "zoe@example.com"}]
    assert item["subject"] == "Grüße aus Köln"
    legacy = [h["value"] for h in item["headers"] if h["name"] == "X-Legacy-Subject"]
    assert legacy == ["Grüße"]
    assert any("X-Legacy-Subject is not UTF-8, decoded as cp1252" in d for d in item["defects"])
    json.dumps(item, ensure_ascii=False).encode("utf-8")


def test_c40_every_from_is_kept_and_flagged() -> None:
    # Given two From headers (and a Cc display name that looks like an address)
    name = "C40-multiple-from.eml"
    # When
    parsed = parse_case(name)
    # Then
    item = parsed.item
    assert [a["address"] for a in item["from"]] == ["alerts@example.com", "attacker@example.net"]
    assert item["flags"]["multiple_from"] is True
    assert item["cc"] == [{"name": "Example Bank <alerts@example.com>", "address": "other@example.net"}]
    assert item["sender"] == {"name": None, "address": "attacker@example.net"}


def test_c42_quoted_printable_is_decoded_to_bytes_before_the_charset() -> None:
    # Given QP with soft breaks inside UTF-8 sequences and "=0D" before a real line break
    name = "C42-qp-soft-break-multibyte.eml"
    # When
    parsed = parse_case(name)
    # Then
    assert parsed.item["text"] == (
        "café and Привет and trailing space \r\nline one\r\nline two\r\n"
    )


def test_c44_delivery_status_report_is_a_bounce_with_failed_recipient_and_original_id() -> None:
    # Given an RFC 3464 multipart/report with a failed recipient and the returned headers
    name = "C44-dsn-bounce.eml"
    # When
    parsed = parse_case(name)
    # Then
    item = parsed.item
    assert item["flags"]["bounce"] is True
    assert item["flags"]["auto_reply"] is True  # never answer it automatically
    bounce = item["bounce"]
    assert bounce["report_type"] == "delivery-status"
    assert bounce["recipients"] == ["missing@example.net"]
    [status] = bounce["delivery_status"]
    assert status["final_recipient"] == "missing@example.net"
    assert status["action"] == "failed"
    assert status["status"] == "5.1.1"
    assert status["diagnostic"] == (
        "smtp; 550 5.1.1 <missing@example.net>: Recipient address rejected: User unknown"
    )
    assert bounce["original_message_id"] == "<original-c44@example.org>"


_VERDICT_WORDS = ("verdict", "spam", "virus", "spf", "dkim", "dmarc")


def _keys(value: object) -> list[str]:
    if isinstance(value, dict):
        return [str(k) for k in value] + [k for v in value.values() for k in _keys(v)]
    if isinstance(value, list):
        return [k for v in value for k in _keys(v)]
    return []


def test_c46_forged_ses_verdict_headers_stay_plain_headers_and_give_no_verdict() -> None:
    # Given SES's verdict headers on top and the sender's own X-SES-* headers lower down
    name = "C46-ses-verdict-headers-forged.eml"
    # When
    parsed = parse_case(name)
    # Then every header is kept, in order, as plain data
    item = parsed.item
    spam = [h["value"] for h in item["headers"] if h["name"] == "X-SES-Spam-Verdict"]
    virus = [h["value"] for h in item["headers"] if h["name"] == "X-SES-Virus-Verdict"]
    assert spam == ["FAIL", "PASS"]
    assert virus == ["PASS", "PASS"]
    # And the parser derives no spam, virus, SPF, DKIM or DMARC verdict from them
    verdict_keys = [k for k in _keys(item) if any(w in k.lower() for w in _VERDICT_WORDS)]
    assert verdict_keys == ["duplicate_ses_verdict_headers"]  # a tamper signal, not a verdict
    assert item["flags"]["duplicate_ses_verdict_headers"] is True
