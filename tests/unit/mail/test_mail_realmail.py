"""Fifteen real-world test mails from other parsers (see fixtures/mail/realmail/README.md):
each parses without an exception, with its defects recorded and its content where it is."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from chalicelib.mail import ParsedMail, parse_mail

REALMAIL = Path(__file__).resolve().parents[2] / "fixtures" / "mail" / "realmail"
MAIL_FILES = sorted(p.name for p in REALMAIL.iterdir() if p.suffix in (".eml", ".txt"))


def parse_real(name: str) -> ParsedMail:
    return parse_mail((REALMAIL / name).read_bytes())


def has_defect(parsed: ParsedMail, text: str) -> bool:
    return any(text in defect for defect in parsed.item["defects"])


def test_all_fifteen_real_mails_are_present_with_their_licence_notices() -> None:
    # Given the copied fixtures
    # When listing them and their notices
    notices = {p.name for p in (REALMAIL / "licenses").iterdir()}
    # Then
    assert len(MAIL_FILES) == 15
    assert notices == {
        "cpython-PSF-NOTICE.txt",
        "enmime-LICENSE-MIT.txt",
        "flanker-LICENSE-Apache-2.0.txt",
        "mikel-mail-MIT-LICENSE.txt",
    }


@pytest.mark.parametrize("name", MAIL_FILES)
def test_real_mail_parses_into_an_item_that_serialises_as_utf8_json(name: str) -> None:
    # Given a real-world mail
    raw = (REALMAIL / name).read_bytes()
    # When
    parsed = parse_mail(raw)
    # Then
    json.dumps(parsed.item, ensure_ascii=False).encode("utf-8")
    assert not has_defect(parsed, "internal error")
    entries = parsed.item["attachments"] + parsed.item["inline"]
    assert {b.key for b in parsed.blobs} >= {e["key"] for e in entries}


def test_nested_multipart_reusing_the_outer_boundary_records_the_lost_parts() -> None:
    # Given cpython msg_15: the inner multipart reuses the outer boundary
    # When
    parsed = parse_real("cpython-msg_15.txt")
    # Then the stdlib's defect is recorded, and so is the part lost after the close
    assert has_defect(parsed, "StartBoundaryNotFoundDefect in part 1")
    assert has_defect(parsed, "parts after the closing boundary ignored")
    assert parsed.item["text"] == "Some removed test.\n"


def test_missing_blank_line_after_headers_is_a_defect_and_the_body_is_kept() -> None:
    # Given cpython msg_35: no blank line between headers and body
    # When
    parsed = parse_real("cpython-msg_35.txt")
    # Then
    assert has_defect(parsed, "MissingHeaderBodySeparatorDefect")
    assert parsed.item["text"] == "counter to RFC 5322, there's no separating newline here\n"


def test_date_with_hour_27_is_none_with_a_defect_and_spoofy_display_name_is_only_a_name() -> None:
    # Given cpython msg_47: Date hour 27, From display name that looks like an address
    # When
    parsed = parse_real("cpython-msg_47.txt")
    # Then
    assert parsed.item["date"] is None
    assert has_defect(parsed, "27:39:33")
    assert parsed.item["from"] == [{"name": "123@abuse.net", "address": "123@example.com"}]


def test_multipart_signed_parses_cleanly_with_its_signature_as_attachment() -> None:
    # Given cpython msg_48: multipart/signed with an unfoldable long In-Reply-To
    # When
    parsed = parse_real("cpython-msg_48.txt")
    # Then
    assert parsed.item["defects"] == []
    assert parsed.item["text"] == "This is the signed contents.\n"
    assert [a["filename"] for a in parsed.item["attachments"]] == ["signature.asc"]


def test_encoded_display_name_with_a_comma_stays_one_mailbox() -> None:
    # Given flanker encoded-header: From is =?UTF-8?B?...?= decoding to "Foo, Bar"
    # When
    parsed = parse_real("flanker-encoded-header.eml")
    # Then
    assert parsed.item["from"] == [{"name": "Foo, Bar", "address": "foo.bar@example.com"}]


def test_missing_final_boundary_is_a_defect_and_the_body_is_kept() -> None:
    # Given flanker missing-final-boundary (and "boundary = nextPart" with spaces)
    # When
    parsed = parse_real("flanker-missing-final-boundary.eml")
    # Then
    assert has_defect(parsed, "CloseBoundaryNotFoundDefect")
    assert parsed.item["text"] == "Some body"


def test_multipart_without_parts_is_a_defect_with_no_parts() -> None:
    # Given flanker false-multipart: declares multipart/alternative, contains no parts
    # When
    parsed = parse_real("flanker-false-multipart.eml")
    # Then
    assert has_defect(parsed, "StartBoundaryNotFoundDefect")
    assert parsed.item["attachments"] == [] and parsed.item["inline"] == []
    assert parsed.blobs == []


def test_8bit_utf8_text_part_and_html_part_are_both_bodies() -> None:
    # Given flanker 8bitmime: raw UTF-8 text part plus an html part
    # When
    parsed = parse_real("flanker-8bitmime.eml")
    # Then
    assert parsed.item["text"] == "Превел\n\n123\n"
    assert "&#1055;" in parsed.item["html"]
    assert parsed.item["defects"] == []


def test_read_receipt_is_flagged_and_date_comment_before_the_zone_keeps_the_zone() -> None:
    # Given flanker disposition-notification: Date "00:19:00 (EDT) -0400"
    # When
    parsed = parse_real("flanker-disposition-notification.eml")
    # Then
    assert parsed.item["date"] == "1995-09-20T04:19:00Z"
    assert parsed.item["flags"]["read_receipt"] is True
    assert parsed.item["flags"]["bounce"] is False


def test_top_level_delivery_status_is_a_bounce_without_from_subject_or_date() -> None:
    # Given flanker bounce/delayed-broken: the whole mail is message/delivery-status
    # When
    parsed = parse_real("flanker-bounce-delayed-broken.eml")
    # Then
    item = parsed.item
    assert (item["subject"], item["date"], item["from"]) == (None, None, [])
    assert item["flags"]["bounce"] is True
    assert item["bounce"]["recipients"] == ["demo@example.com"]


def test_plain_text_bounce_is_recognised_only_by_sender_and_subject() -> None:
    # Given flanker bounce/broken-mime: a plain text bounce with the original pasted inline
    # When
    parsed = parse_real("flanker-bounce-broken-mime.eml")
    # Then
    item = parsed.item
    assert item["text"].startswith("Delivery failed 10 attempts: info@example.net")
    assert item["bounce"]["detected_by"] == "heuristic"
    assert item["flags"]["bounce"] is True
    assert has_defect(parsed, "bounce recognised by sender and subject only")


def test_encoded_word_with_charset_none_and_short_padding_decodes() -> None:
    # Given mikel bad_encoded_subject: =?NONE?B?VEVTVA=?=
    # When
    parsed = parse_real("mikel-mail-bad_encoded_subject.eml")
    # Then
    assert parsed.item["subject"] == "TEST"
    assert has_defect(parsed, "charset 'none'")


def test_forwarded_message_keeps_its_own_pdf_inside_the_nested_item() -> None:
    # Given mikel attachment_message_rfc822: a forwarded message with a PDF and an mbox From line
    # When
    parsed = parse_real("mikel-mail-attachment_message_rfc822.eml")
    # Then
    item = parsed.item
    assert item["text"] == "This is the first part.\r\n"
    [forwarded] = item["attachments"]
    assert forwarded["key"] == "attachments/1"
    nested = forwarded["nested"]
    assert nested["subject"] == "Another PDF"
    [pdf] = nested["attachments"]
    assert pdf["content_type"] == "application/pdf"
    assert pdf["key"] == "attachments/1.1"
    pdf_bytes = next(b.content for b in parsed.blobs if b.key == "attachments/1.1")
    assert pdf_bytes.startswith(b"%PDF")
    assert len(pdf_bytes) == pdf["size"]


def test_single_image_mail_without_disposition_is_an_attachment_and_no_body() -> None:
    # Given enmime attachment-only-no-disposition: the whole mail is one image/jpeg part
    # When
    parsed = parse_real("enmime-attachment-only-no-disposition.eml")
    # Then
    item = parsed.item
    assert (item["text"], item["html"]) == (None, None)
    [image] = item["attachments"]
    assert (image["filename"], image["content_type"]) == ("favicon.jpg", "image/jpeg")
    assert parsed.blobs[0].content.startswith(b"\x89PNG")  # the name and type lie; bytes kept


def test_multipart_without_boundary_is_a_defect_and_its_text_is_the_body() -> None:
    # Given enmime multipart-wo-boundary: multipart/report with no boundary parameter
    # When
    parsed = parse_real("enmime-multipart-wo-boundary.eml")
    # Then
    assert has_defect(parsed, "NoBoundaryInMultipartDefect")
    assert parsed.item["text"] == "I'm  multipart message without boundary\n"
