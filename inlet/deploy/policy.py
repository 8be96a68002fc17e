"""The IAM policies of the Lambda functions, written out (`autogen_policy` is off: Chalice's
generator cannot see the boto3 calls inside `chalicelib`).

Two policies per stage, both naming every action and only this stage's resources:
- `policy-<stage>.json` (API handler, mail and schedule functions): logs, the table and its
  indexes, the bucket's objects, sending to the two delivery queues, moving messages off the
  two dead-letter queues (the management API's redrive), reading secrets.
- `policy-<stage>-delivery.json` (the SQS consumers): the same, plus receiving, deleting and
  delaying messages on the two delivery queues (what the event source mapping and the retry
  backoff need).

The repository holds them rendered for any region and account (`*`); `inlet deploy` rewrites
them pinned to the account and region it deploys to.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from inlet.deploy.stage import StageNames

TABLE_ACTIONS = ["dynamodb:BatchGetItem", "dynamodb:BatchWriteItem", "dynamodb:ConditionCheckItem",
                 "dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query",
                 "dynamodb:UpdateItem"]
OBJECT_ACTIONS = ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"]
QUEUE_SEND_ACTIONS = ["sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:SendMessage"]
QUEUE_CONSUME_ACTIONS = ["sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:ReceiveMessage"]
DEAD_LETTER_ACTIONS = ["sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:ReceiveMessage"]
SECRET_ACTIONS = ["ssm:DeleteParameter", "ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath",
                  "ssm:PutParameter"]  # the management API stores hook secrets (SecureString, aws/ssm key)
LOG_ACTIONS = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]


@dataclass(frozen=True)
class PolicyTarget:
    names: StageNames
    bucket: str
    region: str = "*"
    account: str = "*"
    partition: str = "aws"

    def arn(self, service: str, resource: str, region: bool = True, account: bool = True) -> str:
        return (f"arn:{self.partition}:{service}:{self.region if region else ''}:"
                f"{self.account if account else ''}:{resource}")


def shared_policy(target: PolicyTarget) -> dict[str, Any]:
    names = target.names
    log_group = f"log-group:/aws/lambda/{names.prefix}"
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": "OwnLogs", "Effect": "Allow", "Action": LOG_ACTIONS,
         "Resource": [target.arn("logs", log_group), target.arn("logs", f"{log_group}:*"),
                      target.arn("logs", f"{log_group}-*"), target.arn("logs", f"{log_group}-*:*")]},
        {"Sid": "LogTable", "Effect": "Allow", "Action": TABLE_ACTIONS,
         "Resource": [target.arn("dynamodb", f"table/{names.table}"),
                      target.arn("dynamodb", f"table/{names.table}/index/*")]},
        {"Sid": "DataObjects", "Effect": "Allow", "Action": OBJECT_ACTIONS,
         "Resource": [target.arn("s3", f"{target.bucket}/*", region=False, account=False)]},
        # ListBucket turns a missing key into NoSuchKey (404) instead of AccessDenied.
        {"Sid": "DataBucket", "Effect": "Allow", "Action": ["s3:ListBucket"],
         "Resource": [target.arn("s3", target.bucket, region=False, account=False)]},
        {"Sid": "EnqueueDeliveries", "Effect": "Allow", "Action": QUEUE_SEND_ACTIONS,
         "Resource": _queues(target)},
        {"Sid": "RedriveDeadLetters", "Effect": "Allow", "Action": DEAD_LETTER_ACTIONS,
         "Resource": [target.arn("sqs", f"{names.prefix}-deliveries-dlq"),
                      target.arn("sqs", f"{names.prefix}-deliveries-dlq.fifo")]},
        {"Sid": "HookSecrets", "Effect": "Allow", "Action": SECRET_ACTIONS,
         "Resource": [target.arn("ssm", f"parameter{names.secrets_path.rstrip('/')}"),
                      target.arn("ssm", f"parameter{names.secrets_path}*")]},
    ]}


def delivery_policy(target: PolicyTarget) -> dict[str, Any]:
    policy = shared_policy(target)
    policy["Statement"].append({"Sid": "ConsumeDeliveries", "Effect": "Allow", "Action": QUEUE_CONSUME_ACTIONS,
                                "Resource": _queues(target)})
    return policy


def _queues(target: PolicyTarget) -> list[str]:
    return [target.arn("sqs", target.names.parallel_queue), target.arn("sqs", target.names.sequential_queue)]


def render(policy: dict[str, Any]) -> str:
    return json.dumps(policy, indent=2) + "\n"


def write_policies(chalice_dir: Path, target: PolicyTarget) -> list[str]:
    """Write both policy files; returns the names of those whose content changed."""
    changed = []
    for name, policy in ((target.names.policy_file, shared_policy(target)),
                         (target.names.delivery_policy_file, delivery_policy(target))):
        path = chalice_dir / name
        text = render(policy)
        if not path.exists() or json.loads(path.read_text()) != policy:
            path.write_text(text)
            changed.append(name)
    return changed
