"""RFC 2047 encoded-words (chalicelib.mail.encoded_words)."""
from __future__ import annotations

import pytest

from chalicelib.mail.encoded_words import decode_header_text, quote_encoded_words


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("=?utf-8?Q?Caf=C3?= =?utf-8?Q?=A9?=", "Café"),
        ("=?UTF-8?B?w6k=?= =?utf-8?q?_x?=", "é x"),
        ("=?utf-8?B?4oI=?=\t=?utf-8?B?rA==?=", "€"),
        ("Re: =?iso-8859-1?q?caf=E9?= and more", "Re: café and more"),
        ("=?NONE?B?VEVTVA=?=", "TEST"),
        ("=?utf-8*en?Q?hi?=", "hi"),
        ("=?utf-8?q?a?= b =?utf-8?q?c?=", "a b c"),
        ("=?iso-8859-1?q?a?= =?utf-8?q?=C3=A9?=", "aé"),
        ("no encoded words", "no encoded words"),
        ("=?utf-8?q?line=0D=0Abreak?=", "line break"),
    ],
)
def test_encoded_words_decode_with_adjacent_words_joined_as_bytes(value: str, text: str) -> None:
    # Given a header value with encoded-words
    # When
    decoded, _defects = decode_header_text(value)
    # Then
    assert decoded == text


def test_unknown_charset_in_an_encoded_word_is_a_defect() -> None:
    # Given a word whose charset Python does not know
    # When
    decoded, defects = decode_header_text("=?x-bogus?q?caf=C3=A9?=")
    # Then
    assert decoded == "café"
    assert defects == ["charset 'x-bogus' unknown, decoded as utf-8 (encoded-word)"]


def test_encoded_display_name_with_a_comma_becomes_a_quoted_string() -> None:
    # Given an address header whose encoded display name decodes to "Foo, Bar"
    # When
    quoted, _ = quote_encoded_words("=?UTF-8?B?Rm9vLCBCYXI=?= <foo.bar@example.com>")
    # Then
    assert quoted == '"Foo, Bar" <foo.bar@example.com>'


def test_encoded_word_inside_quotes_is_replaced_by_escaped_text() -> None:
    # Given a (non-standard) encoded-word inside a quoted string, decoding to a quote mark
    # When
    quoted, _ = quote_encoded_words('"=?utf-8?q?say_=22hi=22?=" <a@example.com>')
    # Then
    assert quoted == '"say \\"hi\\"" <a@example.com>'
