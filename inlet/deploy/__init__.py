"""Deploying Inlet into an AWS account: what Chalice does not do, around `chalice deploy`.

- `stage`: the names one stage uses, and the edits to `.chalice/config.json`.
- `policy`: the IAM policies the Lambda functions get (written out, no wildcard actions).
- `infra`: the `infra/stack.yaml` stack (create, update only when it differs, delete).
- `chalice_runner`: `chalice deploy`/`delete`/`package` and the record Chalice leaves.
- `batch_reporting`: ReportBatchItemFailures on the SQS event source mappings.
- `mail`: the SES domain identity, receipt rule and invoke permission for `receive_mail`.
- `package`: the merge template for `chalice package` (one CloudFormation template).
- `steps`: `deploy` and `destroy`, step by step; `cli`: the `inlet deploy|destroy|package` commands;
  `errors`: `DeployError`, the one error they raise.
"""
