"""How parse_mail reads MIME structure: body choice, attachment/inline split, blob keys,
forwarded messages, machine-written mail, and structures built to break parsers."""
from __future__ import annotations

import base64
import email
import hashlib
import json
from email import policy

import pytest

from chalicelib.mail import parse_mail
from chalicelib.mail.defects import MAX_DEFECTS
from chalicelib.mail.parse_mail import MAX_NESTING

HEAD = b"From: a@example.com\r\nTo: b@example.org\r\nSubject: s\r\nMIME-Version: 1.0\r\n"


def mixed(*parts: bytes, boundary: bytes = b"x") -> bytes:
    body = b"".join(b"--" + boundary + b"\r\n" + part + b"\r\n" for part in parts)
    return (HEAD + b"Content-Type: multipart/mixed; boundary=" + boundary + b"\r\n\r\n"
            + body + b"--" + boundary + b"--\r\n")


def forwarded(inner: bytes, extra: bytes = b"") -> bytes:
    return b"Content-Type: message/rfc822\r\n" + extra + b"\r\n" + inner


TEXT = b"Content-Type: text/plain; charset=utf-8\r\n\r\nhello"
PDF = (b"Content-Type: application/pdf\r\nContent-Disposition: attachment; filename=a.pdf\r\n"
       b"Content-Transfer-Encoding: base64\r\n\r\n" + base64.b64encode(b"%PDF-1.4 x"))


def test_blob_keys_number_attachments_and_nest_under_the_forwarded_message() -> None:
    # Given a PDF, then a forwarded message holding its own PDF and a cid image
    inner_html = (b'Content-Type: multipart/related; boundary=r\r\n\r\n--r\r\n'
                  b'Content-Type: text/html\r\n\r\n<img src="cid:i@x">\r\n--r\r\n'
                  b"Content-Type: image/gif\r\nContent-ID: <i@x>\r\n\r\nGIF89a\r\n--r--")
    inner = (b"From: c@example.net\r\nSubject: inner\r\nContent-Type: multipart/mixed; "
             b"boundary=y\r\n\r\n--y\r\n" + PDF + b"\r\n--y\r\n" + inner_html + b"\r\n--y--\r\n")
    raw = mixed(TEXT, PDF, forwarded(inner))
    # When
    parsed = parse_mail(raw)
    # Then
    item = parsed.item
    assert [a["key"] for a in item["attachments"]] == ["attachments/1", "attachments/2"]
    nested = item["attachments"][1]["nested"]
    assert [a["key"] for a in nested["attachments"]] == ["attachments/2.1"]
    assert [i["key"] for i in nested["inline"]] == ["inline/2.1"]
    assert [b.key for b in parsed.blobs] == [
        "attachments/1", "attachments/2", "attachments/2.1", "inline/2.1"]
    assert parsed.blobs[2].content == b"%PDF-1.4 x"
    assert item["attachments"][0]["sha256"] == hashlib.sha256(b"%PDF-1.4 x").hexdigest()
    assert item["attachments"][0]["size"] == len(b"%PDF-1.4 x")


def test_forwarded_message_sent_in_base64_is_decoded_then_parsed() -> None:
    # Given a message/rfc822 part (against RFC 2046) in base64
    inner = b"From: c@example.net\r\nSubject: inner\r\n\r\ninner body"
    raw = mixed(TEXT, forwarded(base64.b64encode(inner), b"Content-Transfer-Encoding: base64\r\n"))
    # When
    parsed = parse_mail(raw)
    # Then
    [message] = parsed.item["attachments"]
    assert parsed.blobs[0].content == inner
    assert message["nested"]["text"] == "inner body"


def test_forwarded_messages_nested_too_deep_stop_with_a_defect() -> None:
    # Given forwarded messages nested far deeper than anyone forwards
    raw = b"From: x@example.com\r\nSubject: core\r\n\r\ncore"
    for _ in range(MAX_NESTING + 3):
        raw = b"From: x@example.com\r\nContent-Type: message/rfc822\r\n\r\n" + raw
    # When
    parsed = parse_mail(raw)
    # Then
    item = parsed.item
    for _ in range(MAX_NESTING):
        item = item["attachments"][0]["nested"]
    assert item["attachments"][0]["nested"] is None
    assert any("nested too deep" in d for d in item["defects"])


def test_multipart_nested_thousands_deep_does_not_raise() -> None:
    # Given multiparts nested 3000 deep (the stdlib parser recurses once per level)
    raw = HEAD + b"Content-Type: multipart/mixed; boundary=b0\r\n\r\n"
    for level in range(1, 3000):
        raw += b"--b%d\r\nContent-Type: multipart/mixed; boundary=b%d\r\n\r\n" % (level - 1, level)
    # When
    parsed = parse_mail(raw)
    # Then
    assert any("nested too deep" in d or "deeper than" in d for d in parsed.item["defects"])


def test_image_referenced_by_cid_in_mixed_is_inline_and_unreferenced_inline_pdf_is_attachment() -> None:
    # Given an html body that references one image by (%-encoded) cid, and an inline PDF
    html = b'Content-Type: text/html\r\n\r\n<img src="cid:logo%40x">'
    image = (b"Content-Type: image/png\r\nContent-ID: <LOGO@x>\r\nContent-Disposition: inline\r\n"
             b"\r\npng")
    pdf = b"Content-Type: application/pdf\r\nContent-Disposition: inline; filename=r.pdf\r\n\r\npdf"
    # When
    parsed = parse_mail(mixed(html, image, pdf))
    # Then
    item = parsed.item
    assert [(i["content_id"], i["referenced_by_html"]) for i in item["inline"]] == [("LOGO@x", True)]
    assert [(a["filename"], a["disposition"]) for a in item["attachments"]] == [("r.pdf", "inline")]


def test_first_text_and_html_are_the_body_and_other_text_parts_are_attachments() -> None:
    # Given alternative text/html/calendar, then a second text part
    alternative = (b"Content-Type: multipart/alternative; boundary=a\r\n\r\n--a\r\n" + TEXT
                   + b"\r\n--a\r\nContent-Type: text/html\r\n\r\n<p>hello</p>\r\n--a\r\n"
                   b"Content-Type: text/calendar; method=REQUEST\r\n\r\nBEGIN:VCALENDAR\r\n--a--")
    # When
    parsed = parse_mail(mixed(alternative, b"Content-Type: text/plain\r\n\r\nfooter"))
    # Then
    item = parsed.item
    assert (item["text"], item["html"]) == ("hello", "<p>hello</p>")
    assert [(a["content_type"], a["generated_name"]) for a in item["attachments"]] == [
        ("text/calendar", "attachment-1.ics"), ("text/plain", "attachment-2.txt")]


def test_html_only_mail_has_no_text() -> None:
    # Given a single-part html mail
    raw = HEAD + b"Content-Type: text/html; charset=utf-8\r\n\r\n<p>hi</p>"
    # When
    parsed = parse_mail(raw)
    # Then
    assert (parsed.item["text"], parsed.item["html"]) == (None, "<p>hi</p>")


def test_text_part_marked_attachment_is_never_the_body() -> None:
    # Given a single-part text mail whose only part is an attachment
    raw = HEAD + b"Content-Type: text/plain\r\nContent-Disposition: attachment; filename=a.txt\r\n\r\nx"
    # When
    parsed = parse_mail(raw)
    # Then
    assert parsed.item["text"] is None
    assert [a["filename"] for a in parsed.item["attachments"]] == ["a.txt"]


@pytest.mark.parametrize(
    ("header", "auto"),
    [
        (b"Auto-Submitted: auto-replied", True),
        (b"Auto-Submitted: auto-generated; owner-email=x@y", True),
        (b"Auto-Submitted: no", False),
        (b"X-Autoreply: yes", True),
        (b"X-Autorespond: Out of office", True),
        (b"Precedence: bulk", True),
        (b"Precedence: junk", True),
        (b"Precedence: auto_reply", True),
        (b"Precedence: list", False),
        (b"X-Auto-Response-Suppress: All", True),
        (b"Return-Path: <>", True),
        (b"X-Mailer: Outlook", False),
    ],
)
def test_auto_reply_flag_follows_auto_submitted_and_vendor_headers(header: bytes, auto: bool) -> None:
    # Given a mail with one header that may mark it as automatic
    raw = header + b"\r\n" + HEAD + b"\r\nbody"
    # When
    parsed = parse_mail(raw)
    # Then
    assert parsed.item["flags"]["auto_reply"] is auto


def test_one_from_header_with_two_mailboxes_is_multiple_from() -> None:
    # Given a single From header naming two mailboxes
    raw = b"From: a@example.com, b@example.net\r\nSubject: s\r\n\r\nbody"
    # When
    parsed = parse_mail(raw)
    # Then
    assert [a["address"] for a in parsed.item["from"]] == ["a@example.com", "b@example.net"]
    assert parsed.item["flags"]["multiple_from"] is True


def test_raw_8bit_filename_and_bodies_never_put_a_surrogate_in_the_item() -> None:
    # Given a raw windows-1252 filename, an undeclared 8-bit body and a lying latin-1 body
    name = b"Content-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"Gr\xfc\xdfe.pdf\"\r\n\r\nx"
    undeclared = b"Content-Type: text/plain\r\n\r\nK\xc3\xb6ln"
    lying = b"Content-Type: text/html; charset=iso-8859-1\r\n\r\n\x93quoted\x94 \x80"
    # When
    parsed = parse_mail(mixed(undeclared, lying, name))
    # Then
    item = parsed.item
    assert item["text"] == "Köln"
    assert item["html"] == "“quoted” €"
    assert item["attachments"][0]["filename"] == "Grüße.pdf"
    json.dumps(item, ensure_ascii=False).encode("utf-8")


def test_defect_list_is_capped() -> None:
    # Given a mail with far more defective parts than the cap
    part = b"Content-Type: text/plain; charset=x-bogus-%d\r\n\r\n\xe9"
    raw = mixed(*(part % n for n in range(MAX_DEFECTS + 50)))
    # When
    parsed = parse_mail(raw)
    # Then
    defects = parsed.item["defects"]
    assert len(defects) == MAX_DEFECTS + 1
    assert defects[-1].endswith("more defects not listed")


@pytest.mark.parametrize(
    "raw",
    [
        HEAD + b"\r\nline one\r\nline two\r\n",
        HEAD + b"Content-Type: text/plain; charset=utf-8\r\n\r\n\r\n\r\nleading blank lines",
        b"Subject: lf only\nFrom: a@example.com\n\nbody\nmore\n",
        b"Subject: cr only\rFrom: a@example.com\r\rbody\rmore",
        b"Subject: x\r\n continued\r\n\r\nbody",
        b"\r\nno headers at all",
        b"Subject: no body",
        b"",
    ],
)
def test_single_part_body_matches_the_stdlib_feed_parser(raw: bytes) -> None:
    # Given single-part mails with unusual line ends and separators
    expected = email.message_from_bytes(raw, policy=policy.compat32).get_payload(decode=True)
    # When
    parsed = parse_mail(raw)
    # Then
    assert (parsed.item["text"] or "").encode() == expected
