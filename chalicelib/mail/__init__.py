"""Mail channel: turning one raw inbound mail into a JSON-safe item plus attachment blobs."""
from chalicelib.mail.parse_mail import MailBlob, ParsedMail, parse_mail

__all__ = ["MailBlob", "ParsedMail", "parse_mail"]
