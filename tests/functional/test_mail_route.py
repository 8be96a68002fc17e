"""Mailhooks inside one process: SES event → receive_mail handler (moto S3) → queue → scenario."""
from __future__ import annotations

import json
from email.message import EmailMessage
from typing import Any

import boto3

from inlet.local.lambda_context import LocalLambdaContext
from inlet.local.smtp_listener import ses_lambda_event
from support import load_case

from .conftest import Inlet, captured


def mail_hook(inlet: Inlet, name: str, **options: Any) -> dict[str, Any]:
    return inlet.create_hook(name, channel="mail", **({"options": {"mail": options}} if options else {}))


def mail_event(raw: bytes, recipients: list[str], verdict: str = "PASS",
               message_id: str = "m0000000000000000001") -> dict[str, Any]:
    boto3.client("s3", region_name="us-east-1").put_object(Bucket="inlet-data", Key=f"inbound/{message_id}", Body=raw)
    event = ses_lambda_event(message_id, "sender@example.net", recipients, raw)
    for name in ("spam", "virus", "spf", "dkim", "dmarc"):
        event["Records"][0]["ses"]["receipt"][f"{name}Verdict"] = {"status": verdict}
    return event


def invoke(inlet: Inlet, event: dict[str, Any]) -> dict[str, Any]:
    import app
    result = app.receive_mail(event, LocalLambdaContext("receive_mail"))
    inlet.drain()
    return result  # type: ignore[no-any-return]


def deliver_mail(inlet: Inlet, raw: bytes, recipients: list[str], verdict: str = "PASS") -> dict[str, Any]:
    import app
    result = app.receive_mail(mail_event(raw, recipients, verdict), LocalLambdaContext("receive_mail"))
    inlet.drain()
    return result  # type: ignore[no-any-return]


def simple_mail(subject: str = "Invoice 42", to: str = "someone@example.org") -> bytes:
    message = EmailMessage()
    message["From"] = "Ada Example <ada@example.net>"
    message["To"] = to
    message["Subject"] = subject
    message.set_content("Please find the invoice attached.")
    message.add_attachment(b"%PDF-1.4 fake", maintype="application", subtype="pdf", filename="invoice.pdf")
    return message.as_bytes()


def test_a_mail_becomes_an_item_with_envelope_verdicts_and_stored_attachments(inlet: Inlet) -> None:
    # Given
    hook = mail_hook(inlet, "invoices")
    address = hook["address"]
    assert address.endswith("@hooks.localhost") and address == address.lower()
    # When: sent as Bcc (the header names someone else; the envelope names the hook)
    result = deliver_mail(inlet, simple_mail(), [address.replace("@", "+acme@")])
    # Then
    assert result["accepted"] == 1
    item = captured[0]
    data = item["data"]
    assert data["subject"] == "Invoice 42" and data["envelope"]["tag"] == "acme"
    assert data["verdicts"]["virus"] == "PASS" and "Please find" in data["text"]
    attachment = item["attachments"][0]
    stored = boto3.client("s3", region_name="us-east-1").get_object(Bucket="inlet-data", Key=attachment["key"])
    assert stored["Body"].read() == b"%PDF-1.4 fake" and attachment["filename"] == "invoice.pdf"
    status, logs = inlet.api("GET", "/hooks/invoices/logs")
    assert logs["entries"][0]["channel"] == "mail" and logs["entries"][0]["status"] == "delivered"


def test_two_hooks_get_two_items_and_unknown_recipients_are_dropped(inlet: Inlet) -> None:
    first, second = mail_hook(inlet, "a"), mail_hook(inlet, "b")
    result = deliver_mail(inlet, simple_mail(), [first["address"], second["address"],
                                                 "nobody@hooks.localhost", "x@elsewhere.example"])
    assert result["accepted"] == 2 and result["unroutable"] == 2
    assert sorted(item["hook"]["name"] for item in captured) == ["a", "b"]


def test_a_retried_invocation_does_not_make_the_item_twice(inlet: Inlet) -> None:
    hook = mail_hook(inlet, "once")
    event = mail_event(simple_mail(), [hook["address"]])
    invoke(inlet, event)
    again = invoke(inlet, event)
    assert again["duplicates"] == 1 and len(captured) == 1


def test_a_virus_is_dropped_by_default_and_logged_with_the_reason(inlet: Inlet) -> None:
    hook = mail_hook(inlet, "guarded")
    result = deliver_mail(inlet, simple_mail(), [hook["address"]], verdict="FAIL")
    assert result["filtered"] == 1 and captured == []
    status, logs = inlet.api("GET", "/hooks/guarded/logs")
    assert logs["entries"][0]["status"] == "rejected" and logs["entries"][0]["reason"] == "filtered: virus verdict FAIL"


def test_c46_forged_ses_headers_in_the_message_do_not_count(inlet: Inlet) -> None:
    from pathlib import Path
    raw = (Path(__file__).resolve().parents[1] / "fixtures/mail/cases/C46-ses-verdict-headers-forged.eml").read_bytes()
    hook = mail_hook(inlet, "forged", require_pass=["spf", "dmarc"])
    result = deliver_mail(inlet, raw, [hook["address"]], verdict="FAIL")
    assert result["filtered"] == 1
    status, logs = inlet.api("GET", "/hooks/forged/logs")
    assert logs["entries"][0]["data"]["verdicts"]["spf"] == "FAIL"


def test_bad_mail_options_are_refused_at_creation(inlet: Inlet) -> None:
    status, answer = inlet.api("POST", "/hooks", {"name": "m", "scenario": "capture", "channel": "mail",
                                                  "options": {"mail": {"require_pass": ["spam"]}}})
    assert status == 400 and "options.mail.require_pass" in answer["message"]


def test_c47_a_failed_virus_scan_quarantines_the_mail_with_its_attachments_until_replayed(inlet: Inlet) -> None:
    # Given
    hook = mail_hook(inlet, "scanned")
    # When
    result = deliver_mail(inlet, simple_mail(), [hook["address"]], verdict="PROCESSING_FAILED")
    # Then: kept, not delivered
    assert result["quarantined"] == 1 and captured == []
    status, logs = inlet.api("GET", "/hooks/scanned/logs")
    entry = logs["entries"][0]
    assert entry["status"] == "quarantined" and entry["attachments"][0]["filename"] == "invoice.pdf"
    # When a user has looked and replays it
    status, replayed = inlet.api("POST", "/replay", {"items": [entry["id"]]})
    inlet.drain()
    # Then
    assert status == 200 and len(captured) == 1 and captured[0]["data"]["subject"] == "Invoice 42"


def test_a_full_queue_rejects_the_mail_for_that_hook_only(inlet: Inlet) -> None:
    full = mail_hook(inlet, "full")
    inlet.api("PATCH", "/hooks/full", {"queue_limit": 1})
    inlet.api("POST", "/hooks/full/pause")
    other = mail_hook(inlet, "other")
    deliver_mail(inlet, simple_mail(), [full["address"]])
    import app
    event = mail_event(simple_mail("second"), [full["address"], other["address"]], message_id="m0000000000000000002")
    result = app.receive_mail(event, LocalLambdaContext("receive_mail"))
    assert result["rejected"] == 1 and result["accepted"] == 1


def test_the_sender_allowlist_trusts_a_from_header_only_under_dmarc(inlet: Inlet) -> None:
    # Given: the envelope sender is sender@example.net; the From header says ada@example.net
    hook = mail_hook(inlet, "allow", allow_senders=["ada@example.net"])
    event = mail_event(simple_mail(), [hook["address"]])
    event["Records"][0]["ses"]["receipt"]["dmarcVerdict"] = {"status": "FAIL"}
    # When DMARC did not pass, the From header vouches for nothing
    forged = invoke(inlet, event)
    # Then
    assert forged["filtered"] == 1 and forged["accepted"] == 0
    passed = mail_event(simple_mail("x"), [hook["address"]], message_id="m0000000000000000009")
    assert invoke(inlet, passed)["accepted"] == 1
