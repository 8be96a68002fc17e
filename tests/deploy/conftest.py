"""Deploy fixtures: a copy of the project to deploy from (so `.chalice/` of the checkout is never
rewritten), and a recorded stand-in for `chalice deploy`/`delete` that creates in moto what
Chalice would: the functions with the stage's environment, the SQS event source mappings
(without ReportBatchItemFailures, as Chalice does), and `.chalice/deployed/<stage>.json`."""
from __future__ import annotations

import io
import json
import shutil
import zipfile
from pathlib import Path
from typing import Any, Iterator

import pytest

from support import ROOT

STUBS = '''

# ---- stand-ins, for these tests only, for functions other branches add ----
if "receive_mail" not in {f.name for f in app.pure_lambda_functions}:
    @app.lambda_function(name="receive_mail")
    def receive_mail(event: Any, context: Any) -> dict[str, Any]:
        return {}

if "tick" not in {e.name for e in app.event_sources}:
    @app.schedule("rate(1 minute)", name="tick")
    def tick(event: Any) -> None:
        return None
'''


def copy_project(target: Path, *, with_app: bool, stubs: bool = False) -> Path:
    """The files a deploy or package reads, copied to `target`."""
    target.mkdir(parents=True, exist_ok=True)
    shutil.copytree(ROOT / ".chalice", target / ".chalice",
                    ignore=shutil.ignore_patterns("deployed", "deployments", "venv"))
    shutil.copytree(ROOT / "infra", target / "infra", ignore=shutil.ignore_patterns("build"))
    if with_app:
        shutil.copy(ROOT / "app.py", target / "app.py")
        shutil.copy(ROOT / "requirements.txt", target / "requirements.txt")
        shutil.copytree(ROOT / "chalicelib", target / "chalicelib", ignore=shutil.ignore_patterns("__pycache__"))
        if stubs:
            with (target / "app.py").open("a") as app_file:
                app_file.write(STUBS)
    return target


def set_stage_env(project: Path, stage: str, values: dict[str, str]) -> None:
    path = project / ".chalice" / "config.json"
    config = json.loads(path.read_text())
    config["stages"][stage].setdefault("environment_variables", {}).update(values)
    path.write_text(json.dumps(config, indent=2) + "\n")


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n    return {}\n")
    return buffer.getvalue()


class RecordedChalice:
    """Records `chalice deploy`/`delete` and leaves in moto what Chalice would have left."""

    def __init__(self, functions: tuple[str, ...] = ("api_handler", "deliver_parallel", "deliver_sequential",
                                                     "receive_mail", "tick")) -> None:
        import boto3
        self.functions = functions
        self.calls: list[tuple[str, str, dict[str, Any]]] = []
        self._lambda = boto3.client("lambda", region_name="us-east-1")
        self._iam = boto3.client("iam", region_name="us-east-1")

    def deploy(self, project_dir: Path, stage: str) -> None:
        config = json.loads((project_dir / ".chalice" / "config.json").read_text())
        self.calls.append(("deploy", stage, config))
        stage_config = config["stages"][stage]
        stage_env = {**config.get("environment_variables", {}), **stage_config.get("environment_variables", {})}
        prefix = f"{config['app_name']}-{stage}"
        role = self._role(prefix)
        record_path = project_dir / ".chalice" / "deployed" / f"{stage}.json"
        previous = json.loads(record_path.read_text()) if record_path.exists() else {"resources": []}
        known = {r["name"]: r for r in previous["resources"]}
        resources: list[dict[str, Any]] = []
        for name in self.functions:
            function_name = prefix if name == "api_handler" else f"{prefix}-{name}"
            env = {**stage_env, **stage_config.get("lambda_functions", {}).get(name, {}).get("environment_variables", {})}
            if name in known:
                self._lambda.update_function_configuration(FunctionName=function_name, Environment={"Variables": env})
                arn = known[name]["lambda_arn"]
            else:
                arn = self._lambda.create_function(
                    FunctionName=function_name, Runtime="python3.11", Role=role, Handler=f"app.{name}",
                    Code={"ZipFile": _zip()}, Timeout=60, Environment={"Variables": env})["FunctionArn"]
            resources.append({"name": name, "resource_type": "lambda_function", "lambda_arn": arn})
        for name, queue in (("deliver_parallel", stage_env["INLET_PARALLEL_QUEUE"]),
                            ("deliver_sequential", stage_env["INLET_SEQUENTIAL_QUEUE"])):
            event_name = f"{name}-sqs-event-source"
            queue_arn = f"arn:aws:sqs:us-east-1:123456789012:{queue}"
            if event_name in known:
                uuid = known[event_name]["event_uuid"]
                self._lambda.update_event_source_mapping(UUID=uuid, BatchSize=10, MaximumBatchingWindowInSeconds=0)
            else:
                uuid = self._lambda.create_event_source_mapping(
                    EventSourceArn=queue_arn, FunctionName=f"{prefix}-{name}", BatchSize=10)["UUID"]
            resources.append({"name": event_name, "resource_type": "sqs_event", "queue_arn": queue_arn,
                              "event_uuid": uuid, "queue": queue,
                              "lambda_arn": next(r["lambda_arn"] for r in resources if r["name"] == name)})
        api_stage = stage_config.get("api_gateway_stage", "api")
        resources.append({"name": "rest_api", "resource_type": "rest_api", "rest_api_id": "abc123",
                          "rest_api_url": f"https://abc123.execute-api.us-east-1.amazonaws.com/{api_stage}/"})
        record_path.parent.mkdir(exist_ok=True)
        record_path.write_text(json.dumps({"resources": resources, "schema_version": "2.0", "backend": "api"}))

    def delete(self, project_dir: Path, stage: str) -> None:
        self.calls.append(("delete", stage, {}))
        record_path = project_dir / ".chalice" / "deployed" / f"{stage}.json"
        for resource in json.loads(record_path.read_text())["resources"]:
            if resource["resource_type"] == "sqs_event":
                self._lambda.delete_event_source_mapping(UUID=resource["event_uuid"])
            elif resource["resource_type"] == "lambda_function":
                self._lambda.delete_function(FunctionName=resource["lambda_arn"])
        record_path.unlink()

    def package(self, project_dir: Path, stage: str, out_dir: Path, merge_template: Path | None) -> None:
        raise AssertionError("not used by the deploy tests")

    def _role(self, prefix: str) -> str:
        trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                         "Principal": {"Service": "lambda.amazonaws.com"}}]}
        try:
            return str(self._iam.get_role(RoleName=prefix)["Role"]["Arn"])
        except self._iam.exceptions.NoSuchEntityException:
            return str(self._iam.create_role(RoleName=prefix, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"])


@pytest.fixture
def aws() -> Iterator[Any]:
    """moto in-process, and the deploy's clients on it."""
    from moto import mock_aws

    import boto3
    from inlet.deploy.steps import AwsClients

    with mock_aws():
        yield AwsClients(boto3.session.Session(), "us-east-1")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_project(tmp_path / "inlet", with_app=False)


@pytest.fixture
def chalice(aws: Any) -> RecordedChalice:
    return RecordedChalice()


@pytest.fixture
def webhooks_only_chalice(aws: Any) -> RecordedChalice:
    return RecordedChalice(functions=("api_handler", "deliver_parallel", "deliver_sequential"))
