"""Properties of parse_mail on any input: it never raises, never falls back to its last-resort
handler, and its item always serialises as UTF-8 JSON with a blob behind every entry."""
from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.mail import ParsedMail, parse_mail

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "mail"
REAL_MAILS = sorted(
    p.read_bytes()
    for folder in ("cases", "realmail")
    for p in (FIXTURES / folder).iterdir()
    if p.suffix in (".eml", ".txt")
)

# Fragments that steer mutations into the parser's interesting corners.
TOKENS = [
    b"\r\n", b"\r\n\r\n", b"\n", b"\r", b"\r\n--", b"--", b"=\r\n", b"=0D", b"=C3=",
    b"=?utf-8?B?", b"=?utf-8?Q?", b"=?NONE?B?VEVTVA=?=", b"?=", b"\"", b"(", b")", b"<", b">",
    b";", b",", b":", b"*0*=", b"*1=", b"''%C3%9C", b"\xff\xfe", b"\xc3", b"\xed\xa0\x80",
    b"\x00", b"\x80\x9f", b"Content-Type: multipart/mixed; boundary=x\r\n",
    b"Content-Type: message/rfc822\r\n", b"Content-Type: message/delivery-status\r\n",
    b"Content-Transfer-Encoding: base64\r\n", b"Content-Transfer-Encoding: quoted-printable\r\n",
    b"charset=uft-8", b"charset=\"utf-7\"", b"charset=unicode_escape", b"charset=base64",
    b"From: =?utf-8?q?a=2C_b?= <x@y>\r\n", b"Date: Mon, 32 Foo 99999 99:99:99 +9999\r\n",
    b"\r\n--x\r\n", b"\r\n--x--\r\n", b"\r\n--b-c32\r\n", b"Final-Recipient: rfc822; <>\r\n",
]

mutation = st.one_of(
    st.tuples(st.just("insert"), st.integers(0, 10_000), st.sampled_from(TOKENS)),
    st.tuples(st.just("insert"), st.integers(0, 10_000), st.binary(min_size=1, max_size=16)),
    st.tuples(st.just("delete"), st.integers(0, 10_000), st.integers(1, 64)),
    st.tuples(st.just("flip"), st.integers(0, 10_000), st.integers(1, 255)),
    st.tuples(st.just("truncate"), st.integers(0, 10_000), st.just(0)),
    st.tuples(st.just("repeat"), st.integers(0, 10_000), st.integers(1, 200)),
)


def mutate(raw: bytes, steps: list[tuple[str, int, object]]) -> bytes:
    data = bytearray(raw)
    for kind, position, argument in steps:
        at = position % (len(data) + 1)
        if kind == "insert":
            assert isinstance(argument, bytes)
            data[at:at] = argument
        elif kind == "delete":
            assert isinstance(argument, int)
            del data[at:at + argument]
        elif kind == "flip" and at < len(data):
            assert isinstance(argument, int)
            data[at] ^= argument
        elif kind == "truncate":
            del data[at:]
        elif kind == "repeat":
            assert isinstance(argument, int)
            data[at:at] = data[at:at + argument]
    return bytes(data)


def assert_well_formed(parsed: ParsedMail) -> None:
    item = parsed.item
    json.dumps(item, ensure_ascii=False).encode("utf-8")  # must not raise
    assert not any("internal error" in defect for defect in item["defects"]), item["defects"]
    keys = [blob.key for blob in parsed.blobs]
    assert len(keys) == len(set(keys))
    for entry in item["attachments"] + item["inline"]:
        assert entry["key"] in keys
        assert entry["size"] == len(next(b.content for b in parsed.blobs if b.key == entry["key"]))


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=4096))
def test_random_bytes_never_raise_and_serialise_as_utf8(raw: bytes) -> None:
    # Given any bytes at all
    # When
    parsed = parse_mail(raw)
    # Then
    assert_well_formed(parsed)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(REAL_MAILS), st.lists(mutation, min_size=1, max_size=8))
def test_mutated_real_mails_never_raise_and_serialise_as_utf8(
    raw: bytes, steps: list[tuple[str, int, object]]
) -> None:
    # Given a real mail with bytes inserted, deleted, flipped, repeated or cut off
    mutated = mutate(raw, steps)
    # When
    parsed = parse_mail(mutated)
    # Then
    assert_well_formed(parsed)


header_text = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"), max_size=60
)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["From", "To", "Cc", "Sender", "Reply-To", "Subject", "Date",
                             "Content-Type", "Content-Disposition", "Message-ID"]),
            header_text,
        ),
        max_size=8,
    ),
    st.sampled_from(["utf-8", "cp1252", "latin-1", "utf-16"]),
)
def test_arbitrary_header_text_in_any_encoding_never_raises(
    headers: list[tuple[str, str]], encoding: str
) -> None:
    # Given headers of arbitrary text, written raw in some encoding
    head = "".join(f"{name}: {value}\r\n" for name, value in headers)
    raw = head.encode(encoding, errors="replace") + b"\r\nbody\r\n"
    # When
    parsed = parse_mail(raw)
    # Then
    assert_well_formed(parsed)
