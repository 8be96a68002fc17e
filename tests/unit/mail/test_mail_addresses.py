"""Address headers (chalicelib.mail.addresses)."""
from __future__ import annotations

from chalicelib.mail.addresses import parse_addresses


def test_every_mailbox_of_every_value_is_kept_in_order() -> None:
    # Given two To headers, one with two mailboxes and a group
    values = ["a@example.com, B <b@example.com>", "Team: c@example.com, d@example.com;"]
    # When
    addresses, defects = parse_addresses("To", values)
    # Then
    assert [a["address"] for a in addresses] == [
        "a@example.com", "b@example.com", "c@example.com", "d@example.com"]
    assert addresses[1]["name"] == "B"
    assert defects == []


def test_display_name_that_looks_like_an_address_stays_a_name() -> None:
    # Given a quoted display name holding an address (a spoofing trick)
    # When
    addresses, _ = parse_addresses("From", ['"Bank <alerts@bank.example>" <x@evil.example>'])
    # Then
    assert addresses == [{"name": "Bank <alerts@bank.example>", "address": "x@evil.example"}]


def test_encoded_display_names_split_across_words_decode_as_one_name() -> None:
    # Given a display name whose "é" is split across two encoded-words
    # When
    addresses, _ = parse_addresses("From", ["=?utf-8?Q?Caf=C3?= =?utf-8?Q?=A9?= <a@example.com>"])
    # Then
    assert addresses == [{"name": "Café", "address": "a@example.com"}]


def test_null_and_empty_addresses_are_dropped_and_undisclosed_groups_are_empty() -> None:
    # Given a null return address, an empty entry and an empty group
    # When
    addresses, _ = parse_addresses("To", ["<>, , undisclosed-recipients:;"])
    # Then
    assert addresses == []


def test_pathologically_nested_comments_give_no_addresses_and_a_defect() -> None:
    # Given thousands of nested comments (both stdlib parsers recurse on them)
    # When
    addresses, defects = parse_addresses("From", ["(" * 5000 + "a@example.com"])
    # Then
    assert addresses == []
    assert len(defects) == 1 and defects[0].startswith("addresses unreadable")
