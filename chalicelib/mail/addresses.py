"""Address headers (From, Sender, Reply-To, To, Cc, Bcc) as lists of {name, address}.

Owns: parsing with the stdlib's RFC 5322 address parser after encoded display names have
been turned into quoted strings (so a decoded "Foo, Bar" stays one mailbox), expanding
groups, and falling back to `email.utils.getaddresses` when the structured parser fails.
"""
from __future__ import annotations

from email.headerregistry import HeaderRegistry
from email.utils import getaddresses

from chalicelib.mail.encoded_words import quote_encoded_words

Address = dict[str, str | None]

# The registry builds a new header class on every lookup; build the address one once.
_ADDRESS_HEADER = HeaderRegistry()["to"]
# The structured parser is slow on pathological input; longer values take the fallback.
_MAX_STRUCTURED_CHARS = 32_000
_NULL_ADDRESSES = frozenset({"", "<>"})


def parse_addresses(field: str, values: list[str]) -> tuple[list[Address], list[str]]:
    """Every mailbox in every value of one address field, in order, with defect notes."""
    addresses: list[Address] = []
    defects: list[str] = []
    for value in values:
        quoted, notes = quote_encoded_words(value)
        defects.extend(f"{note} in {field}" for note in notes)
        pairs, notes = _read(quoted)
        defects.extend(f"{note} in {field}" for note in notes)
        for name, address in pairs:
            if address.strip() in _NULL_ADDRESSES:
                continue
            addresses.append({"name": name or None, "address": address})
    return addresses, sorted(set(defects), key=defects.index)


def _read(value: str) -> tuple[list[tuple[str, str]], list[str]]:
    """Structured parser first; the older one when it fails; nothing if both fail."""
    reason = "too long for the structured parser"
    if len(value) <= _MAX_STRUCTURED_CHARS:
        try:
            return _structured(value)
        except Exception as error:  # e.g. RecursionError on thousands of nested comments
            reason = type(error).__name__
    try:
        return getaddresses([value]), [f"fallback parser used ({reason})"]
    except Exception as error:
        return [], [f"addresses unreadable ({reason}, then {type(error).__name__})"]


def _structured(value: str) -> tuple[list[tuple[str, str]], list[str]]:
    header = _ADDRESS_HEADER("To", value)
    pairs = [
        (address.display_name, address.addr_spec)
        for group in header.groups  # type: ignore[attr-defined]
        for address in group.addresses
    ]
    notes = [type(defect).__name__ for defect in header.defects]
    return pairs, notes
