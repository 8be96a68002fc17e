"""Charset labels from the wild and undeclared 8-bit text (chalicelib.mail.charsets)."""
from __future__ import annotations

import pytest

from chalicelib.mail.charsets import decode_8bit_header, decode_text, first_token, scrub


@pytest.mark.parametrize(
    ("label", "data", "text", "charset"),
    [
        ("uft-8", "naïve".encode(), "naïve", "utf-8"),
        ("UTF8", "naïve".encode(), "naïve", "utf-8"),
        ("iso-8859-8-i", "שלום".encode("iso-8859-8"), "שלום", "iso8859-8"),
        ("ks_c_5601-1987", "한국".encode("cp949"), "한국", "cp949"),
        ("gb2312", "中文".encode("gb18030"), "中文", "gb18030"),
        ("utf-8; format=flowed", "✓".encode(), "✓", "utf-8"),
        ('"utf-8"  x9q', "✓".encode(), "✓", "utf-8"),
        ("unknown-8bit", "Grüße".encode(), "Grüße", "utf-8"),
        ("unknown-8bit", "Grüße".encode("cp1252"), "Grüße", "cp1252"),
        ("x-no-such-charset", "Grüße".encode("cp1252"), "Grüße", "cp1252"),
        ("", b"plain ascii", "plain ascii", "ascii"),
        (None, b"plain ascii", "plain ascii", "ascii"),
    ],
)
def test_charset_label_from_the_wild_decodes_to_the_intended_text(
    label: str | None, data: bytes, text: str, charset: str
) -> None:
    # Given bytes and the label a mailer put on them
    # When
    decoded = decode_text(data, label)
    # Then
    assert (decoded.text, decoded.charset) == (text, charset)


def test_latin1_label_holding_windows_1252_bytes_decodes_as_cp1252_with_a_defect() -> None:
    # Given "ISO-8859-1" text with curly quotes and a euro sign (bytes 0x80-0x9F)
    data = "“€5”".encode("cp1252")
    # When
    decoded = decode_text(data, "ISO-8859-1")
    # Then
    assert decoded.text == "“€5”"
    assert decoded.charset == "cp1252"
    assert decoded.defects == ["charset 'iso-8859-1' holds windows-1252 bytes, decoded as cp1252"]


def test_plain_latin1_without_c1_bytes_stays_latin1_without_a_defect() -> None:
    # Given honest Latin-1
    # When
    decoded = decode_text("café".encode("latin-1"), "iso-8859-1")
    # Then
    assert (decoded.text, decoded.defects) == ("café", [])


def test_undeclared_8bit_text_tries_utf8_then_cp1252() -> None:
    # Given undeclared 8-bit bodies, one UTF-8 and one windows-1252
    # When
    as_utf8 = decode_text("Köln".encode(), None)
    as_cp1252 = decode_text("Köln".encode("cp1252"), None)
    # Then
    assert (as_utf8.text, as_utf8.charset) == ("Köln", "utf-8")
    assert (as_cp1252.text, as_cp1252.charset) == ("Köln", "cp1252")
    assert as_cp1252.defects == ["undeclared 8-bit text, decoded as cp1252"]


def test_us_ascii_label_on_8bit_bytes_is_a_lie_and_is_sniffed() -> None:
    # Given UTF-8 bytes labelled us-ascii
    # When
    decoded = decode_text("Grüße".encode(), "us-ascii")
    # Then
    assert decoded.text == "Grüße"
    assert decoded.defects == ["charset 'us-ascii' but 8-bit bytes, decoded as utf-8"]


def test_utf8_label_on_windows_1252_bytes_decodes_as_cp1252() -> None:
    # Given windows-1252 bytes labelled utf-8 (not one valid UTF-8 sequence)
    # When
    decoded = decode_text("Grüße".encode("cp1252"), "utf-8")
    # Then
    assert (decoded.text, decoded.charset) == ("Grüße", "cp1252")


def test_mostly_utf8_with_a_bad_byte_keeps_utf8_and_replaces_the_byte() -> None:
    # Given UTF-8 with one stray byte
    # When
    decoded = decode_text("Grüße ".encode() + b"\xff", "utf-8")
    # Then
    assert decoded.text == "Grüße \ufffd"
    assert decoded.defects == ["invalid 'utf-8' bytes replaced"]


@pytest.mark.parametrize("label", ["base64", "zlib", "unicode_escape", "idna", "bad\x00label"])
def test_labels_naming_codecs_that_are_not_charsets_are_treated_as_unknown(label: str) -> None:
    # Given a label Python would resolve to a non-text codec, an escape codec, or cannot look up
    # When
    decoded = decode_text(b"\\udcc3 text", label)
    # Then
    assert decoded.text == "\\udcc3 text"
    assert decoded.defects == [f"charset {label.lower()!r} unknown, decoded as utf-8"]


def test_first_token_drops_junk_and_quotes() -> None:
    # Given labels with junk around the charset name
    # When / Then
    assert first_token(' "UTF-8"; foo') == "utf-8"
    assert first_token("") == ""
    assert first_token(None) == ""


def test_raw_8bit_header_is_utf8_else_cp1252() -> None:
    # Given header values as the stdlib leaves them (8-bit bytes surrogate-escaped)
    utf8 = "Zoë".encode().decode("ascii", "surrogateescape")
    cp1252 = "Grüße".encode("cp1252").decode("ascii", "surrogateescape")
    # When / Then
    assert decode_8bit_header(utf8) == ("Zoë", None)
    assert decode_8bit_header(cp1252) == ("Grüße", "cp1252")


def test_scrub_replaces_lone_surrogates_so_text_encodes_as_utf8() -> None:
    # Given text with a lone surrogate
    # When
    cleaned = scrub("Zo\udcc3 Example")
    # Then
    assert cleaned == "Zo\ufffd Example"
    cleaned.encode("utf-8")
