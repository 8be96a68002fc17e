"""SES events read defensively (C47, C48), recipients routed by token and tag, filters."""
from __future__ import annotations

from chalicelib.mail.mail_options import MailOptions, filter_reason
from chalicelib.mail.routing import route
from chalicelib.mail.ses_event import receipts_from_event
from chalicelib.errors import Invalid
from support import load_case

import pytest


def test_c47_verdicts_come_from_the_event_and_any_status_is_accepted() -> None:
    # Given
    event = load_case("C47")["event"]
    # When
    (receipt,) = receipts_from_event(event)
    # Then
    assert receipt.verdicts == {"spam": "DISABLED", "virus": "PROCESSING_FAILED", "spf": "GRAY",
                                "dkim": "FAIL", "dmarc": "FAIL"}
    assert receipt.headers_truncated is True
    assert receipt.recipients == ("inbox@example.org",)  # the receipt's, not every destination
    assert receipt.message_id == "o3vrnil0e2ic28trm7dfhrc2v0cnbeccl4nbp0g2"


def test_c47_a_virus_scan_that_did_not_pass_is_not_a_pass() -> None:
    (receipt,) = receipts_from_event(load_case("C47")["event"])
    assert filter_reason(MailOptions(require_pass=("dkim",)), receipt.verdicts, [], {}) == \
        "DKIM verdict is FAIL, PASS required"
    assert receipt.verdicts["virus"] != "PASS"


def test_c48_an_s3_action_notification_names_where_the_raw_mail_is() -> None:
    (receipt,) = receipts_from_event(load_case("C48")["event"])
    assert (receipt.bucket, receipt.object_key) == ("example-inbound-mail", "raw/o3vrnil0e2ic28trm7dfhrc2v0cnbeccl4nbp0g3")
    assert receipt.verdicts["virus"] == "PASS"


def test_unreadable_events_give_no_receipts() -> None:
    assert receipts_from_event(None) == []
    assert receipts_from_event({"Records": [{"ses": "x"}, 3]}) == []
    (receipt,) = receipts_from_event({"Records": [{"ses": {"mail": {}, "receipt": {"virusVerdict": "odd"}}}]})
    assert receipt.verdicts["virus"] == "MISSING" and receipt.recipients == ()


@pytest.mark.parametrize("recipient, expected", [
    ("abc@hooks.example.com", ("abc", None)),
    ("ABC+Invoices@Hooks.Example.com", ("abc", "invoices")),
    ("<abc+a+b@hooks.example.com>", ("abc", "a+b")),
    ("abc@other.example.com", None),
    ("+tag@hooks.example.com", None),
    ("no-at-sign", None),
])
def test_recipients_route_by_token_and_tag(recipient: str, expected: tuple[str, str | None] | None) -> None:
    found = route(recipient, "hooks.example.com")
    assert (None if found is None else (found.token, found.tag)) == expected


def test_filters_in_their_order() -> None:
    verdicts = {"virus": "FAIL", "spf": "PASS", "dkim": "PASS", "dmarc": "FAIL"}
    assert filter_reason(MailOptions(), verdicts, [], {}) == "virus verdict FAIL"
    assert filter_reason(MailOptions(drop_virus=False), verdicts, [], {}) is None
    assert filter_reason(MailOptions(drop_virus=False, require_pass=("spf", "dmarc")), verdicts, [], {}) == \
        "DMARC verdict is FAIL, PASS required"
    allow = MailOptions.from_dict({"allow_senders": ["@example.com", "boss@corp.example"]})
    assert filter_reason(allow, {}, ["x@example.com"], {}) is None
    assert filter_reason(allow, {}, ["Boss@Corp.example"], {}) is None
    assert filter_reason(allow, {}, ["x@evil.example"], {}) == "sender not on the allowlist"
    skip = MailOptions(skip_auto_replies=True, skip_bounces=True)
    assert filter_reason(skip, {}, [], {"auto_reply": True}) == "auto-reply skipped"
    assert filter_reason(skip, {}, [], {"bounce": True}) == "bounce skipped"


@pytest.mark.parametrize("options", [{"drop_virus": "yes"}, {"require_pass": ["spam"]}, {"allow_senders": [""]},
                                     {"colour": 1}, "x"])
def test_bad_mail_options_are_named(options: object) -> None:
    with pytest.raises(Invalid) as raised:
        MailOptions.from_dict(options)  # type: ignore[arg-type]
    assert "options.mail" in raised.value.message
