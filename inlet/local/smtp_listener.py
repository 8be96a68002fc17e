"""A stand-in for SES receiving: an SMTP listener (aiosmtpd) on INLET_SMTP_PORT. It accepts
mail for the configured domain (other domains are refused at RCPT with 550), stores the raw
message in the bucket under `inbound/<message id>` as SES's S3 action does, and invokes the
mailhook handler with an SES Lambda-action event. Verdicts are `NOT_CHECKED` locally: nothing
here scans for spam or viruses or checks SPF, DKIM or DMARC."""
from __future__ import annotations

import logging
import secrets
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from email.parser import BytesHeaderParser
from email import policy
from typing import Any, Callable

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from chalicelib.mail.routing import route
from inlet.local.lambda_context import LocalLambdaContext

log = logging.getLogger("inlet.local")
MAX_MAIL_BYTES = 40 * 1024 * 1024
LOCAL_VERDICT = "NOT_CHECKED"
Handler = Callable[[dict[str, Any], Any], Any]


def ses_lambda_event(message_id: str, mail_from: str, recipients: list[str], raw: bytes) -> dict[str, Any]:
    """The event SES's Lambda action sends: envelope, headers (no body) and verdicts."""
    headers = BytesHeaderParser(policy=policy.compat32).parsebytes(raw)
    now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    verdict = {"status": LOCAL_VERDICT}
    return {"Records": [{"eventSource": "aws:ses", "eventVersion": "1.0", "ses": {
        "mail": {"timestamp": now, "source": mail_from, "messageId": message_id, "destination": recipients,
                 "headersTruncated": False,
                 "headers": [{"name": k, "value": str(v)} for k, v in headers.items()],
                 "commonHeaders": {"subject": str(headers.get("Subject", ""))}},
        "receipt": {"timestamp": now, "recipients": recipients, "processingTimeMillis": 1,
                    "spamVerdict": verdict, "virusVerdict": verdict, "spfVerdict": verdict,
                    "dkimVerdict": verdict, "dmarcVerdict": verdict,
                    "action": {"type": "Lambda", "functionArn": "arn:aws:lambda:local:function:receive_mail",
                               "invocationType": "Event"}}}}]}


class _Handler:
    def __init__(self, listener: "SmtpListener") -> None:
        self._listener = listener

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope, address: str,
                          rcpt_options: list[str]) -> str:
        if route(address, self._listener.domain) is None:
            return f"550 5.1.1 <{address}>: this server only receives mail for @{self._listener.domain}"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        message_id = secrets.token_hex(20)
        self._listener.store(message_id, raw)
        self._listener.dispatch(ses_lambda_event(message_id, envelope.mail_from or "", list(envelope.rcpt_tos), raw))
        return f"250 2.0.0 Ok: queued as {message_id}"


class SmtpListener:
    """SMTP in, SES-shaped Lambda invocations out (asynchronous, retried twice as Lambda does)."""

    def __init__(self, handler: Handler, s3: Any, bucket: str, domain: str, host: str, port: int) -> None:
        self.domain = domain.lower()
        self._handler = handler
        self._s3 = s3
        self._bucket = bucket
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="receive_mail")
        self._controller = Controller(_Handler(self), hostname=host, port=port, decode_data=False,
                                      data_size_limit=MAX_MAIL_BYTES, server_hostname=self.domain)
        self._lock = threading.Lock()

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()
        self._pool.shutdown(wait=True)

    def store(self, message_id: str, raw: bytes) -> None:
        self._s3.put_object(Bucket=self._bucket, Key=f"inbound/{message_id}", Body=raw)

    def dispatch(self, event: dict[str, Any]) -> None:
        self._pool.submit(self._invoke, event)

    def _invoke(self, event: dict[str, Any]) -> None:
        for attempt in range(3):
            try:
                self._handler(event, LocalLambdaContext("receive_mail"))
                return
            except Exception:
                log.exception("receive_mail failed (attempt %d of 3)", attempt + 1)
