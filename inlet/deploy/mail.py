"""SES receiving for the mail domain: the domain identity, the permission for SES to invoke
`receive_mail`, and the receipt rule (S3 action writing raw mail to `inbound/`, then a Lambda
action, Event invocation).

An account has one active receipt rule set per region. When one is active, Inlet's rule is
added to it (after the rules already there, which are left as they are); when none is, Inlet
creates `inlet-rules` and activates it. Every call is made only when something differs."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from inlet.deploy.stage import StageNames

OWN_RULE_SET = "inlet-rules"
INBOUND_PREFIX = "inbound/"


def mx_record(region: str) -> str:
    return f"10 inbound-smtp.{region}.amazonaws.com"


@dataclass(frozen=True)
class MailStatus:
    domain: str
    verification: str  # Success, Pending, Failed, TemporaryFailure, NotStarted
    txt_name: str
    txt_value: str
    mx: str
    rule_set: str


def receipt_rule(names: StageNames, domain: str, bucket: str, function_arn: str) -> dict[str, Any]:
    return {"Name": names.receipt_rule, "Enabled": True, "TlsPolicy": "Optional", "Recipients": [domain],
            "ScanEnabled": True,  # spam and virus verdicts in the event
            "Actions": [{"S3Action": {"BucketName": bucket, "ObjectKeyPrefix": INBOUND_PREFIX}},
                        {"LambdaAction": {"FunctionArn": function_arn, "InvocationType": "Event"}}]}


def _contains(actual: Any, wanted: Any) -> bool:
    """`wanted` is in `actual`: AWS may add fields of its own to what it describes."""
    if isinstance(wanted, dict):
        return isinstance(actual, dict) and all(_contains(actual.get(k), v) for k, v in wanted.items())
    if isinstance(wanted, list):
        return isinstance(actual, list) and len(actual) == len(wanted) and all(
            _contains(a, w) for a, w in zip(actual, wanted))
    return bool(actual == wanted)


class SesReceiving:
    def __init__(self, ses: Any, lambda_client: Any, names: StageNames, region: str, account: str,
                 partition: str = "aws") -> None:
        self._ses = ses
        self._lambda = lambda_client
        self._names = names
        self._region = region
        self._account = account
        self._partition = partition

    # ---- the domain ----------------------------------------------------------------------

    def ensure_identity(self, domain: str) -> list[str]:
        identities: list[str] = []
        for page in self._ses.get_paginator("list_identities").paginate(IdentityType="Domain"):
            identities += page["Identities"]
        if domain in identities:
            return []
        self._ses.verify_domain_identity(Domain=domain)
        return [f"SES domain identity {domain} created (verification pending)"]

    def status(self, domain: str, rule_set: str) -> MailStatus:
        attributes = self._ses.get_identity_verification_attributes(Identities=[domain])["VerificationAttributes"]
        found = attributes.get(domain, {})
        return MailStatus(domain=domain, verification=found.get("VerificationStatus", "NotStarted"),
                          txt_name=f"_amazonses.{domain}", txt_value=found.get("VerificationToken", ""),
                          mx=mx_record(self._region), rule_set=rule_set)

    # ---- the rule set ----------------------------------------------------------------------

    def active_rule_set(self) -> str | None:
        metadata = self._ses.describe_active_receipt_rule_set().get("Metadata") or {}
        return metadata.get("Name")

    def _rule_sets(self) -> list[str]:
        return [s["Name"] for s in self._ses.list_receipt_rule_sets().get("RuleSets", [])]

    def choose_rule_set(self) -> tuple[str, list[str]]:
        """The active set, or Inlet's own set (created if missing; activated after its rule is in)."""
        active = self.active_rule_set()
        if active:
            return active, []
        if OWN_RULE_SET in self._rule_sets():
            return OWN_RULE_SET, []
        self._ses.create_receipt_rule_set(RuleSetName=OWN_RULE_SET)
        return OWN_RULE_SET, [f"SES receipt rule set {OWN_RULE_SET} created"]

    def activate(self, rule_set: str) -> list[str]:
        if self.active_rule_set() == rule_set:
            return []
        if self.active_rule_set():  # never switch another set off
            return []
        self._ses.set_active_receipt_rule_set(RuleSetName=rule_set)
        return [f"SES receipt rule set {rule_set} activated (no rule set was active)"]

    # ---- the permission and the rule -----------------------------------------------------

    def rule_arn(self, rule_set: str) -> str:
        return (f"arn:{self._partition}:ses:{self._region}:{self._account}:"
                f"receipt-rule-set/{rule_set}:receipt-rule/{self._names.receipt_rule}")

    def ensure_permission(self, function_name: str, rule_set: str) -> list[str]:
        wanted = {"Principal": {"Service": "ses.amazonaws.com"}, "Action": "lambda:InvokeFunction",
                  "Condition": {"StringEquals": {"AWS:SourceAccount": self._account},
                                "ArnLike": {"AWS:SourceArn": self.rule_arn(rule_set)}}}
        statement = self._statement(function_name)
        if statement is not None and _contains(statement, wanted):
            return []
        changes = []
        if statement is not None:
            self._lambda.remove_permission(FunctionName=function_name, StatementId=self._names.ses_statement_id)
            changes.append(f"outdated SES invoke permission on {function_name} removed")
        self._lambda.add_permission(FunctionName=function_name, StatementId=self._names.ses_statement_id,
                                    Action="lambda:InvokeFunction", Principal="ses.amazonaws.com",
                                    SourceAccount=self._account, SourceArn=self.rule_arn(rule_set))
        return changes + [f"SES may invoke {function_name} (rule {self._names.receipt_rule} only)"]

    def _statement(self, function_name: str) -> dict[str, Any] | None:
        try:
            policy = json.loads(self._lambda.get_policy(FunctionName=function_name)["Policy"])
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                return None
            raise
        for statement in policy.get("Statement", []):
            if statement.get("Sid") == self._names.ses_statement_id:
                return dict(statement)
        return None

    def ensure_rule(self, rule_set: str, rule: dict[str, Any]) -> list[str]:
        rules = self._ses.describe_receipt_rule_set(RuleSetName=rule_set).get("Rules", [])
        current = next((r for r in rules if r["Name"] == rule["Name"]), None)
        if current is None:
            after = {"After": rules[-1]["Name"]} if rules else {}
            self._ses.create_receipt_rule(RuleSetName=rule_set, Rule=rule, **after)
            return [f"SES receipt rule {rule['Name']} added to {rule_set} (S3 {INBOUND_PREFIX} then Lambda)"]
        if _contains(current, rule):
            return []
        self._ses.update_receipt_rule(RuleSetName=rule_set, Rule=rule)
        return [f"SES receipt rule {rule['Name']} updated in {rule_set}"]

    # ---- destroy -------------------------------------------------------------------------

    def remove_rule(self) -> list[str]:
        """Take Inlet's rule out of every rule set; delete Inlet's own set once it is empty."""
        changes = []
        for rule_set in self._rule_sets():
            rules = self._ses.describe_receipt_rule_set(RuleSetName=rule_set).get("Rules", [])
            names = [r["Name"] for r in rules]
            if self._names.receipt_rule not in names:
                continue
            if rule_set == OWN_RULE_SET and names == [self._names.receipt_rule]:
                if self.active_rule_set() == rule_set:
                    self._ses.set_active_receipt_rule_set()  # no set active, as before Inlet
                self._ses.delete_receipt_rule_set(RuleSetName=rule_set)
                changes.append(f"SES receipt rule set {rule_set} (only Inlet's rule) deactivated and deleted")
                continue
            self._ses.delete_receipt_rule(RuleSetName=rule_set, RuleName=self._names.receipt_rule)
            changes.append(f"SES receipt rule {self._names.receipt_rule} removed from {rule_set}")
        return changes
