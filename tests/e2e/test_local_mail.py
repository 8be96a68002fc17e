"""Mail end to end on the local stack: smtplib → the SMTP listener → receive_mail → scenario."""
from __future__ import annotations

import hashlib
import os
import smtplib
import uuid
from email.message import EmailMessage

import pytest

from .conftest import ScenarioServer, Stack, wait_until

pytestmark = pytest.mark.e2e


def test_a_mail_with_attachments_reaches_the_scenario_byte_exact_with_bcc_and_an_unknown_recipient(
        stack: Stack, scenario: ScenarioServer) -> None:
    # Given
    hook = stack.cli("hooks", "create", f"invoices-{uuid.uuid4().hex[:6]}", "--mail", "--scenario", scenario.url)
    address = hook["address"]
    pdf, photo = os.urandom(300_000), os.urandom(5_000)
    message = EmailMessage()
    message["From"] = "Zoë Example <zoe@example.net>"
    message["To"] = "accounts@example.org"  # the hook is only in the envelope: a Bcc
    message["Subject"] = "Rechnung März"
    message.set_content("Invoice attached. Grüße")
    message.add_attachment(pdf, maintype="application", subtype="pdf", filename="Rechnung März.pdf")
    message.add_attachment(photo, maintype="image", subtype="jpeg", filename="scan.jpg")
    # When
    with smtplib.SMTP("127.0.0.1", stack.smtp_port, timeout=30) as smtp:
        refused = smtp.send_message(message, from_addr="zoe@example.net",
                                    to_addrs=[address, "nobody@hooks.localhost"])
        with pytest.raises(smtplib.SMTPRecipientsRefused):
            smtp.send_message(message, from_addr="zoe@example.net", to_addrs=["x@elsewhere.example"])
    # Then
    assert refused == {}
    item = scenario.wait_for(1)[0]
    data = item["data"]
    assert data["subject"] == "Rechnung März" and data["from"][0]["address"] == "zoe@example.net"
    assert data["envelope"]["recipients"] == [address] and data["verdicts"]["virus"] == "NOT_CHECKED"
    by_name = {a["filename"]: a for a in data["attachments"]}
    assert by_name["Rechnung März.pdf"]["sha256"] == hashlib.sha256(pdf).hexdigest()
    assert by_name["scan.jpg"]["sha256"] == hashlib.sha256(photo).hexdigest()
    assert {a["sha256"] for a in item["attachments"]} == {hashlib.sha256(pdf).hexdigest(),
                                                          hashlib.sha256(photo).hexdigest()}
    logs = wait_until(lambda: (l := stack.cli("logs", hook["name"]))["entries"] and
                      l["entries"][0]["status"] == "delivered" and l)
    assert logs["entries"][0]["channel"] == "mail"
