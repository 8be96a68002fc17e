"""Content-Transfer-Encoding decoding and repair (chalicelib.mail.transfer)."""
from __future__ import annotations

from chalicelib.mail.transfer import (
    decode_base64,
    decode_quoted_printable,
    decode_transfer,
    transfer_encoding,
)


def test_well_formed_base64_decodes_without_defects() -> None:
    # Given base64 split over CRLF lines
    # When / Then
    assert decode_base64("QUJD\r\nREVG\r\n") == (b"ABCDEF", [])


def test_base64_with_missing_padding_is_repaired() -> None:
    # Given base64 whose final "==" was cut off
    # When / Then
    assert decode_base64("QUJDRA") == (b"ABCD", ["base64 padding repaired"])


def test_base64_with_a_stray_final_character_drops_it() -> None:
    # Given one character too many (5 mod 4 == 1)
    # When / Then
    assert decode_base64("QUJDR") == (b"ABC", ["base64 had a stray final character, dropped"])


def test_concatenated_padded_base64_chunks_all_decode() -> None:
    # Given two base64 chunks glued together, each with its own padding
    # When
    data, defects = decode_base64("QQ==\r\nQkI=")
    # Then the stdlib would stop after "A"; every chunk is kept
    assert data == b"ABB"
    assert defects == ["base64 with padding inside the data, decoded chunk by chunk"]


def test_text_that_is_not_base64_is_kept_raw_with_a_defect() -> None:
    # Given a part labelled base64 that holds prose (cpython msg_15)
    # When
    data, defects = decode_base64("Some removed base64 encoded chars.\n")
    # Then
    assert data == b"Some removed base64 encoded chars.\n"
    assert defects == ["body is not valid base64, kept undecoded"]


def test_quoted_printable_soft_breaks_join_bytes_and_encoded_cr_before_a_break_is_dropped() -> None:
    # Given QP with a soft break inside a UTF-8 sequence and "=0D" before a hard break
    # When
    data = decode_quoted_printable(b"caf=C3=\r\n=A9\r\nline one=0D\r\nline two")
    # Then
    assert data == "café\r\nline one\r\nline two".encode()


def test_8bit_body_comes_back_byte_exact() -> None:
    # Given a body as the stdlib holds it (8-bit bytes surrogate-escaped)
    raw = "Grüße".encode("cp1252")
    # When
    data, defects = decode_transfer(raw.decode("ascii", "surrogateescape"), "8bit")
    # Then
    assert (data, defects) == (raw, [])


def test_unknown_transfer_encoding_keeps_the_body_with_a_defect() -> None:
    # Given an encoding nobody knows
    # When
    data, defects = decode_transfer("payload", transfer_encoding(" X-Weird ; foo"))
    # Then
    assert data == b"payload"
    assert defects == ["unknown Content-Transfer-Encoding 'x-weird', body kept as is"]
