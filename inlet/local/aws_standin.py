"""The embedded AWS stand-in: moto's server in this process, with the environment every boto3
client reads (endpoint, fake credentials, region), and the bootstrap that deploys `infra/`'s
template to it so local resources are exactly the ones AWS gets."""
from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path
from typing import Any

import boto3

STACK_NAME = "inlet-local"
TEMPLATE = Path(__file__).resolve().parents[2] / "infra" / "stack.yaml"


def point_boto3_at(port: int, region: str = "us-east-1") -> None:
    os.environ["AWS_ENDPOINT_URL"] = f"http://127.0.0.1:{port}"
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "local")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "local")
    os.environ["AWS_DEFAULT_REGION"] = region
    os.environ["AWS_REGION"] = region


class AwsStandIn:
    def __init__(self, port: int) -> None:
        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self.port = port
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)

    def start(self) -> None:
        self._server.start()
        point_boto3_at(self.port)

    def stop(self) -> None:
        self._server.stop()


def deploy_infra(prefix: str = "inlet", bucket: str = "inlet-data") -> dict[str, str]:
    """Create the infra stack (once) and return its outputs."""
    cloudformation: Any = boto3.client("cloudformation")
    existing = {s["StackName"] for s in cloudformation.list_stacks()["StackSummaries"]
                if s["StackStatus"] != "DELETE_COMPLETE"}
    if STACK_NAME not in existing:
        # moto skips what it cannot model (alarms, the bucket policy): say nothing about it.
        moto_log = logging.getLogger("moto")
        level = moto_log.level
        moto_log.setLevel(logging.ERROR)
        try:
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message="Tried to parse AWS::", category=UserWarning)
                cloudformation.create_stack(StackName=STACK_NAME, TemplateBody=TEMPLATE.read_text(), Parameters=[
                    {"ParameterKey": "Prefix", "ParameterValue": prefix},
                    {"ParameterKey": "BucketName", "ParameterValue": bucket}])
        finally:
            moto_log.setLevel(level)
    stack = cloudformation.describe_stacks(StackName=STACK_NAME)["Stacks"][0]
    if not stack["StackStatus"].endswith("_COMPLETE"):
        raise RuntimeError(f"infra stack is {stack['StackStatus']}: {stack.get('StackStatusReason', '')}")
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
