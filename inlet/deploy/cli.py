"""`inlet deploy`, `inlet destroy` and `inlet package`: the commands around Chalice."""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from inlet.deploy.errors import DeployError


def add_commands(commands: Any, common: argparse.ArgumentParser) -> None:
    def stage_parser(name: str, text: str) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = commands.add_parser(name, help=text, parents=[common])
        parser.add_argument("--stage", default="dev", help="Chalice stage (default: dev)")
        parser.add_argument("--project-dir", default=".", help="the Inlet checkout (default: .)")
        return parser

    for name, text in (("deploy", "deploy or update a stage in your AWS account"),
                       ("destroy", "remove a stage from your AWS account")):
        parser = stage_parser(name, text)
        parser.add_argument("--region", help="AWS region (default: $AWS_REGION, $AWS_DEFAULT_REGION or the profile's)")
        parser.add_argument("--profile", help="AWS named profile")
        if name == "deploy":
            parser.add_argument("--mail-domain", help="receive mailhooks at <token>@DOMAIN (kept for later deploys)")
            parser.add_argument("--alarm-email", help="subscribe this address to the alarm topic")
            parser.add_argument("--bucket-name", help="data bucket name (default: <app>-<stage>-data-<account>-<region>)")
            parser.set_defaults(handler=cmd_deploy)
        else:
            parser.add_argument("--keep-data", action="store_true", help="keep the table and the bucket")
            parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")
            parser.set_defaults(handler=cmd_destroy)

    package = stage_parser("package", "one CloudFormation template with everything (chalice package --merge-template)")
    package.add_argument("--out", help="output directory (default: build/<stage>)")
    package.add_argument("--region", help="region for packaging (default: $AWS_DEFAULT_REGION or us-east-1)")
    package.set_defaults(handler=cmd_package)


def _region(args: argparse.Namespace, session: Any = None) -> str:
    region = args.region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if not region and session is not None:
        region = session.region_name
    if not region:
        raise DeployError("no AWS region: pass --region or set AWS_REGION")
    return str(region)


def _context(args: argparse.Namespace) -> tuple[Any, Any, Any]:
    import boto3

    from inlet.deploy.chalice_runner import ChaliceCli
    from inlet.deploy.steps import AwsClients, DeployOptions

    if os.environ.get("AWS_ENDPOINT_URL"):
        raise DeployError("AWS_ENDPOINT_URL is set (the local stack's?); unset it to deploy to AWS")
    session = boto3.session.Session(profile_name=args.profile)
    region = _region(args, session)
    options = DeployOptions(project_dir=Path(args.project_dir).resolve(), stage=args.stage, region=region,
                            mail_domain=getattr(args, "mail_domain", None),
                            alarm_email=getattr(args, "alarm_email", None),
                            bucket_name=getattr(args, "bucket_name", None))
    return options, AwsClients(session, region), ChaliceCli(region, args.profile)


def _finish(args: argparse.Namespace, document: dict[str, Any]) -> None:
    if args.json:
        print(json.dumps(document, indent=2, ensure_ascii=False))


def cmd_deploy(api: Any, args: argparse.Namespace) -> None:
    from inlet.deploy.steps import deploy

    options, aws, chalice = _context(args)
    say = (lambda line: print(line, file=sys.stderr)) if args.json else print
    try:
        report = deploy(options, aws, chalice, say=say)
    except DeployError as error:
        raise SystemExit(f"inlet deploy: {error}")
    _finish(args, {"changes": report.changes, "notes": report.notes, "outputs": report.outputs,
                   "mail": report.mail.__dict__ if report.mail else None})


def cmd_destroy(api: Any, args: argparse.Namespace) -> None:
    from inlet.deploy.steps import destroy

    options, aws, chalice = _context(args)
    if not args.yes:
        what = "functions, API, queues and alarms" + ("" if args.keep_data else ", and the table and bucket with all logs")
        answer = input(f"Remove stage {args.stage} ({what}) from region {aws.region}? Type the stage name: ")
        if answer.strip() != args.stage:
            raise SystemExit("inlet destroy: not confirmed; nothing removed")
    say = (lambda line: print(line, file=sys.stderr)) if args.json else print
    try:
        report = destroy(options, aws, chalice, keep_data=args.keep_data, say=say)
    except DeployError as error:
        raise SystemExit(f"inlet destroy: {error}")
    _finish(args, {"changes": report.changes, "notes": report.notes})


def cmd_package(api: Any, args: argparse.Namespace) -> None:
    from inlet.deploy.chalice_runner import ChaliceCli
    from inlet.deploy.package import write_merge_template

    project_dir = Path(args.project_dir).resolve()
    region = args.region or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    out = Path(args.out or project_dir / "build" / args.stage).resolve()
    try:
        merge, shape = write_merge_template(project_dir, args.stage)
        ChaliceCli(region).package(project_dir, args.stage, out, merge)
    except DeployError as error:
        raise SystemExit(f"inlet package: {error}")
    lines = [f"merge template : {merge}", f"template       : {out / 'sam.json'}",
             f"functions      : {', '.join(shape.functions)}",
             "deploy it with:",
             f"  aws cloudformation package --template-file {out / 'sam.json'} --s3-bucket <artifact bucket> "
             f"--output-template-file {out / 'packaged.yaml'}",
             f"  aws cloudformation deploy --template-file {out / 'packaged.yaml'} --stack-name inlet-{args.stage} "
             "--capabilities CAPABILITY_IAM CAPABILITY_AUTO_EXPAND"]
    _finish(args, {"merge_template": str(merge), "template": str(out / "sam.json"), "functions": shape.functions})
    if not args.json:
        print("\n".join(lines))
