"""The MIME tree of one mail, built by the stdlib's feed parser, and a walk over its leaves.

Owns: feeding the raw bytes to `email.feedparser.BytesFeedParser` in chunks (the stdlib's
`message_from_bytes` holds the whole mail several times over as text), keeping every
`message/*` body as unparsed text so a forwarded message stays byte-exact and its parts
never mix with the outer message's, walking the leaves with their part numbers, and
listing each part's structural defects.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from email.feedparser import BytesFeedParser
from email.message import Message
from email.parser import BytesHeaderParser
from email.policy import Policy, compat32

from chalicelib.mail.headers import repair_8bit_headers

_CHUNK = 1 << 12  # small chunks: the feed parser copies each into a 4-bytes-a-character buffer
# The blank line ending the header block: two line ends, a CR LF never split in two.
_HEADER_END = re.compile(rb"(?:\r\n|\n|\r(?!\n))(?:\r\n|\n|\r)")
# Deeper nesting than this is not walked (the tree itself is still parsed).
MAX_DEPTH = 64


class _OpaqueMessageBodies(Message):
    """A part that, while being parsed, tells the feed parser its message/* type is opaque.

    `FeedParser` recurses into any part whose type is `message/*`; answering with another
    type during the parse leaves the body as text; `_reveal_types` switches that off.
    """

    def __init__(self, policy: Policy = compat32) -> None:
        super().__init__(policy)
        self.parsing = True

    def get_content_type(self) -> str:
        content_type = super().get_content_type()
        if self.parsing and content_type.startswith("message/"):
            return "application/x-inlet-unparsed-message"
        return content_type

    def keep_body_bytes(self, body: bytes) -> None:
        """Store a body as bytes (`set_payload` would copy it into a surrogate-escaped str)."""
        self._payload = body


@dataclass(frozen=True)
class Leaf:
    """A part with no subparts to walk, where it sits, and what it sits in."""

    part: Message
    path: str  # "1.2" (IMAP-style numbering); "" for a single-part message's body
    in_related: bool  # somewhere below a multipart/related
    broken_multipart: bool  # declared multipart, but the parser found no parts


def parse_tree(raw: bytes) -> Message:
    """Parse raw mail bytes into the stdlib's tree (compat32 messages)."""
    single = _single_part(raw)
    if single is not None:
        return single
    parser = BytesFeedParser(_factory=_OpaqueMessageBodies, policy=compat32)
    view = memoryview(raw)
    for start in range(0, len(raw), _CHUNK):
        parser.feed(bytes(view[start:start + _CHUNK]))
    root = parser.close()
    _reveal_types(root)
    return root


def _single_part(raw: bytes) -> Message | None:
    """A single-part mail without the feed parser's per-line copy of its body.

    The stdlib parses the header block; the body of a non-multipart message is, for the
    feed parser too, exactly the bytes after the blank line, so they are taken as they are.
    Anything unusual (no blank line, a non-header line before it, a multipart) returns None
    and the whole mail goes through the feed parser instead.
    """
    end = _HEADER_END.search(raw)
    if end is None:
        return None
    root = BytesHeaderParser(_class=_OpaqueMessageBodies, policy=compat32).parsebytes(
        raw[:end.end()]
    )
    _reveal_types(root)
    if not isinstance(root, _OpaqueMessageBodies) or root.defects or body_payload(root) or root.get_content_maintype() == "multipart":
        return None
    root.keep_body_bytes(raw[end.end():])
    return root


def children(part: Message) -> list[Message]:
    """The subparts of a multipart (empty for a leaf)."""
    if not part.is_multipart():
        return []
    payload = part.get_payload()
    return [child for child in payload if isinstance(child, Message)] if isinstance(payload, list) else []


def body_payload(part: Message) -> str | bytes | None:
    """A leaf's body exactly as parsed; None for a multipart.

    Text from the feed parser (8-bit bytes surrogate-escaped), or the raw bytes of a
    single-part mail. `Message.get_payload()` would decode an 8-bit body with its declared
    charset and errors="replace" (losing bytes) after copying it to check for surrogates,
    so this reads the stored payload itself.
    """
    payload = getattr(part, "_payload", None)
    return payload if isinstance(payload, (str, bytes)) else None


def release_body(part: Message) -> None:
    """Drop a leaf's body text once its bytes have been decoded (halves peak memory)."""
    part.set_payload("")


def walk_parts(root: Message) -> Iterator[Message]:
    """Every part, depth first, without recursion."""
    stack = [root]
    while stack:
        part = stack.pop()
        yield part
        stack.extend(reversed(children(part)))


def part_path(path: str) -> str:
    """How a defect note names a part: "part 1.2", or "message" for the root."""
    return f"part {path}" if path else "message"


def numbered_parts(root: Message) -> Iterator[tuple[str, Message]]:
    """Every part with its path, depth first, stopping at `MAX_DEPTH`."""
    for path, part, _in_related in _walk(root):
        yield path, part


def _walk(root: Message) -> Iterator[tuple[str, Message, bool]]:
    """(path, part, below a multipart/related) for every part, depth first, iteratively."""
    stack: list[tuple[str, Message, int, bool]] = [("", root, 0, False)]
    while stack:
        path, part, depth, in_related = stack.pop()
        yield path, part, in_related
        if depth < MAX_DEPTH and part.is_multipart():
            below_related = in_related or part.get_content_type() == "multipart/related"
            prefix = f"{path}." if path else ""
            stack.extend(
                (f"{prefix}{index}", child, depth + 1, below_related)
                for index, child in reversed(list(enumerate(children(part), start=1)))
            )


def prepare_parts(root: Message) -> list[str]:
    """Repair every part's raw 8-bit headers and list each part's structural defects."""
    notes: list[str] = []
    for path, part in numbered_parts(root):
        where = part_path(path)
        notes.extend(f"{note} in {where}" for note in repair_8bit_headers(part))
        notes.extend(f"{type(defect).__name__} in {where}" for defect in part.defects)
        boundary = part.get_boundary() if part.is_multipart() else None
        if boundary and part.epilogue and f"--{boundary}" in part.epilogue:
            notes.append(f"parts after the closing boundary ignored in {where}")
        if path.count(".") + 1 >= MAX_DEPTH and part.is_multipart():
            notes.append(f"parts nested deeper than {MAX_DEPTH} levels skipped in {where}")
    return notes


def leaves(root: Message) -> Iterator[Leaf]:
    """The parts that carry content, in document order; message/* parts are leaves."""
    for path, part, in_related in _walk(root):
        if part.is_multipart():
            continue
        content_type = part.get_content_type()
        if content_type.startswith("multipart/") and not (body_payload(part) or "").strip():
            continue  # a multipart the parser found empty: nothing to show
        yield Leaf(
            part=part,
            path=path,
            in_related=in_related,
            broken_multipart=content_type.startswith("multipart/"),
        )


def parse_headers_only(raw: bytes) -> Message:
    """The fallback when the tree cannot be built: headers, and the rest as one text body."""
    root = BytesHeaderParser(_class=_OpaqueMessageBodies, policy=compat32).parsebytes(raw)
    _reveal_types(root)
    return root


def _reveal_types(root: Message) -> None:
    for part in walk_parts(root):
        if isinstance(part, _OpaqueMessageBodies):
            part.parsing = False
