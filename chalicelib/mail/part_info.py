"""What a MIME part says about itself: filename, disposition, Content-ID, charset, extension.

Owns: reading those from a part's (already 8-bit-repaired) headers with the stdlib's
parameter parser, then decoding what the stdlib leaves encoded: RFC 2231 values with the
charset of section 0 (through our charset rules), and RFC 2047 words inside quoted names.
"""
from __future__ import annotations

from email.message import Message

from chalicelib.mail.charsets import decode_text
from chalicelib.mail.encoded_words import decode_header_text
from chalicelib.mail.headers import raw_values

# Extensions for generated names; a fixed table, so names do not depend on /etc/mime.types.
_EXTENSIONS: dict[str, str] = {
    "application/pdf": "pdf",
    "application/zip": "zip",
    "application/gzip": "gz",
    "application/json": "json",
    "application/xml": "xml",
    "application/msword": "doc",
    "application/vnd.ms-excel": "xls",
    "application/vnd.ms-powerpoint": "ppt",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "pptx",
    "application/pgp-signature": "asc",
    "application/pgp-encrypted": "asc",
    "application/pkcs7-signature": "p7s",
    "application/x-pkcs7-signature": "p7s",
    "application/pkcs7-mime": "p7m",
    "application/ics": "ics",
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/gif": "gif",
    "image/webp": "webp",
    "image/svg+xml": "svg",
    "image/bmp": "bmp",
    "image/tiff": "tiff",
    "image/heic": "heic",
    "audio/mpeg": "mp3",
    "audio/wav": "wav",
    "video/mp4": "mp4",
    "text/plain": "txt",
    "text/html": "html",
    "text/csv": "csv",
    "text/calendar": "ics",
    "text/xml": "xml",
    "text/rfc822-headers": "txt",
    "message/rfc822": "eml",
    "message/global": "eml",
    "message/delivery-status": "txt",
    "message/global-delivery-status": "txt",
    "message/disposition-notification": "txt",
}


def extension(content_type: str) -> str:
    """A file extension for a content type, "bin" when there is no good one."""
    known = _EXTENSIONS.get(content_type)
    if known:
        return known
    if content_type.startswith("text/"):
        return "txt"
    return "bin"


def disposition(part: Message) -> str | None:
    """The lowercased disposition type ("attachment", "inline", "x-download", ...) or None."""
    return part.get_content_disposition() or None


def content_id(part: Message) -> str | None:
    """The first Content-ID without its angle brackets."""
    values = raw_values(part, "content-id")
    if not values:
        return None
    return values[0].strip().strip("<>").strip() or None


def charset_label(part: Message) -> str | None:
    """The declared charset parameter as written (RFC 2231 form reduced to its value)."""
    value = _param(part, "charset", "content-type")
    if isinstance(value, tuple):
        return value[2]
    return value


def filename(part: Message) -> tuple[str | None, list[str]]:
    """The part's filename (Content-Disposition filename, else Content-Type name)."""
    for param, header in (("filename", "content-disposition"), ("name", "content-type")):
        value = _param(part, param, header)
        if value is None:
            continue
        if isinstance(value, tuple):  # RFC 2231: sections joined and %-decoded as Latin-1
            charset, _language, text = value
            decoded = decode_text(_latin1_bytes(text), charset or None)
            name, notes = decoded.text, decoded.defects
        else:
            name, notes = decode_header_text(value)
        return name.strip() or None, [f"{note} in {param}" for note in notes]
    return None, []


def _param(part: Message, name: str, header: str) -> str | tuple[str, str, str] | None:
    try:
        value = part.get_param(name, header=header)
    except Exception:  # malformed parameters must not stop the part being read
        return None
    if isinstance(value, tuple):
        charset, language, text = value
        return (str(charset or ""), str(language or ""), str(text))
    return value


def _latin1_bytes(text: str) -> bytes:
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:  # raw UTF-8 already decoded by the 8-bit header repair
        return text.encode("utf-8")
