"""Header repair, unfolding and dates (chalicelib.mail.headers)."""
from __future__ import annotations

from email.message import Message

import pytest

from chalicelib.mail.headers import parse_date, raw_values, repair_8bit_headers, unfold


@pytest.mark.parametrize(
    ("value", "iso"),
    [
        ("Mon, 01 Jan 2024 10:20:00 +0000", "2024-01-01T10:20:00Z"),
        ("Mon, 01 Jan 2024 12:20:00 +0200", "2024-01-01T10:20:00Z"),
        ("Wed, 20 Sep 1995 00:19:00 (EDT) -0400", "1995-09-20T04:19:00Z"),
        ("1 Jan 2024 10:20:00 -0000", "2024-01-01T10:20:00Z"),
        ("Sat, 31 Dec 2016 23:59:60 +0000", "2016-12-31T23:59:59Z"),
        ("Mon, 1 Jan 24 10:20:00 GMT", "2024-01-01T10:20:00Z"),
    ],
)
def test_date_becomes_iso_8601_utc(value: str, iso: str) -> None:
    # Given a Date header value
    # When
    parsed, _defects = parse_date(value)
    # Then
    assert parsed == iso


@pytest.mark.parametrize(
    "value",
    ["Tue, 06 Jun 2017 27:39:33 +0600", "not a date", "", "Mon, 32 Foo 99999 99:99:99 +9999",
     "Fri, 31 Dec 9999 23:59:59 -2359", "(" * 5000 + "x" + ")" * 5000],
)
def test_impossible_or_unreadable_date_is_none_with_a_defect(value: str) -> None:
    # Given a Date that cannot be a real time
    # When
    parsed, defects = parse_date(value)
    # Then
    assert parsed is None
    assert len(defects) == 1


def test_date_without_a_zone_is_read_as_utc() -> None:
    # Given a Date without any zone (the stdlib reads it as UTC too)
    # When
    parsed, defects = parse_date("Mon, 01 Jan 2024 10:20:00")
    # Then
    assert (parsed, defects) == ("2024-01-01T10:20:00Z", [])


def test_raw_8bit_headers_are_rewritten_as_text_in_their_original_order() -> None:
    # Given a part with raw UTF-8 and raw windows-1252 header values (as the parser leaves them)
    part = Message()
    part.set_raw("Subject", "Grüße".encode().decode("ascii", "surrogateescape"))
    part.set_raw("X-Legacy", "Grüße".encode("cp1252").decode("ascii", "surrogateescape"))
    part.set_raw("Subject", "second")
    # When
    defects = repair_8bit_headers(part)
    # Then
    assert list(part.raw_items()) == [("Subject", "Grüße"), ("X-Legacy", "Grüße"), ("Subject", "second")]
    assert defects == ["8-bit header X-Legacy is not UTF-8, decoded as cp1252"]
    assert raw_values(part, "subject") == ["Grüße", "second"]


def test_unfolding_removes_folds_and_stray_line_breaks() -> None:
    # Given a folded value with a stray bare CR inside
    # When / Then
    assert unfold("a\r\n b\r\n\tc\rd") == "a b\tc d"


def test_thousands_of_8bit_headers_are_repaired_in_order() -> None:
    # Given a part with thousands of raw 8-bit headers (once quadratic to rewrite)
    part = Message()
    for number in range(5000):
        part.set_raw(f"X-H{number}", "café".encode().decode("ascii", "surrogateescape"))
    # When
    repair_8bit_headers(part)
    # Then
    fields = list(part.raw_items())
    assert fields[0] == ("X-H0", "café") and fields[-1] == ("X-H4999", "café")


def test_overlong_content_type_is_cut_with_a_defect() -> None:
    # Given a Content-Type with a hundred thousand parameters
    part = Message()
    part.set_raw("Content-Type", "text/plain; " + "a=b; " * 100_000)
    # When
    defects = repair_8bit_headers(part)
    # Then
    assert part.get_content_type() == "text/plain"
    assert defects == ["Content-Type longer than 16000 characters, cut"]
