"""The embedded AWS stand-in: moto's server in this process, with the environment every boto3
client reads (endpoint, fake credentials, region), and the bootstrap that deploys `infra/`'s
template to it so local resources are exactly the ones AWS gets."""
from __future__ import annotations

import logging
import os
import warnings
import threading
from pathlib import Path
from typing import Any, Callable, Iterable

import boto3

STACK_NAME = "inlet-local"
TEMPLATE = Path(__file__).resolve().parents[2] / "infra" / "stack.yaml"


def point_boto3_at(port: int, region: str = "us-east-1") -> None:
    os.environ["AWS_ENDPOINT_URL"] = f"http://127.0.0.1:{port}"
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "local")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "local")
    os.environ["AWS_DEFAULT_REGION"] = region
    os.environ["AWS_REGION"] = region


class SerializedDynamoDB:
    """WSGI middleware: one DynamoDB request at a time. moto's `TransactWriteItems` copies the
    tables while concurrent requests write to them (RuntimeError: dictionary changed size); in AWS
    each call is atomic anyway, so serializing calls changes no outcome, only moto's safety.
    Other services (SQS long polls) stay concurrent."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self._app = app
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if str(environ.get("HTTP_X_AMZ_TARGET", "")).startswith("DynamoDB_"):
            with self._lock:
                return list(self._app(environ, start_response))
        return self._app(environ, start_response)


def snapshot_touched_items_only() -> None:
    """moto makes every `TransactWriteItems` deep-copy each table it touches, to roll back on
    failure: a cost that grows with the table, so a long-running `make dev` slows down with
    every request. Snapshot only the items a transaction touches instead; the outcome is the
    same (all parts or none). Applied once, to the local stand-in only."""
    import copy

    import moto.dynamodb.models as models
    from moto.dynamodb.models.dynamo_type import DynamoType
    from moto.dynamodb.models.table import Table

    if getattr(models, "inlet_snapshots_items", False):
        return

    class TablesAreNotCopied:
        @staticmethod
        def deepcopy(value: Any, memo: Any = None) -> Any:
            return value if isinstance(value, Table) else copy.deepcopy(value, memo)

    original = models.DynamoDBBackend.transact_write_items

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        saved = []
        for part in transact_items:
            op = next(iter(part.values()))
            table = self.tables.get(op.get("TableName"))
            if table is None or not table.range_key_attr:
                continue
            key = op.get("Key") or op.get("Item") or {}
            if table.hash_key_attr not in key or table.range_key_attr not in key:
                continue
            hash_key, range_key = DynamoType(key[table.hash_key_attr]), DynamoType(key[table.range_key_attr])
            saved.append((table, hash_key, range_key, copy.deepcopy(table.items.get(hash_key, {}).get(range_key))))
        try:
            original(self, transact_items)
        except Exception:
            for table, hash_key, range_key, item in reversed(saved):
                if item is None:
                    table.items.get(hash_key, {}).pop(range_key, None)
                else:
                    table.items[hash_key][range_key] = item
            raise

    models.copy = TablesAreNotCopied  # type: ignore[assignment]
    models.DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
    models.inlet_snapshots_items = True  # type: ignore[attr-defined]


def _moto_server(port: int) -> Any:
    from moto.moto_server.threaded_moto_server import ThreadedMotoServer
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from werkzeug.serving import make_server

    class Server(ThreadedMotoServer):
        def _server_entry(self) -> None:
            from moto.moto_server.werkzeug_app import MotoRequestHandler
            app = SerializedDynamoDB(DomainDispatcherApplication(create_backend_app))
            self._server = make_server(self._ip_address, self._port, app, True, request_handler=MotoRequestHandler)
            self._server_ready_event.set()
            self._server.serve_forever()

    snapshot_touched_items_only()
    return Server(ip_address="127.0.0.1", port=port, verbose=False)


class AwsStandIn:
    def __init__(self, port: int) -> None:
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self.port = port
        self._server = _moto_server(port)

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
