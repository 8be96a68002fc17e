"""`make dev`: the whole of Inlet on one machine. moto's server stands in for DynamoDB, SQS and
S3 (deployed from `infra/stack.yaml`), a local API Gateway serves the Chalice app over real
HTTP, queue workers and a ticker call the very Lambda handlers. Ctrl-C stops it all."""
from __future__ import annotations

import importlib
import json
import logging
import os
import signal
import sys
import threading
import urllib.request
from dataclasses import dataclass, field
from typing import Any

from inlet.local.api_gateway import LocalApiGateway
from inlet.local.aws_standin import AwsStandIn, deploy_infra
from inlet.local.sqs_workers import QueueWorker
from inlet.local.ticker import Ticker

log = logging.getLogger("inlet.local")


@dataclass
class StackConfig:
    http_port: int = 8000
    smtp_port: int = 2525
    aws_port: int = 4566
    host: str = "127.0.0.1"
    tick_seconds: float = 60.0
    demo: bool = True
    extra_env: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls) -> "StackConfig":
        return cls(http_port=int(os.environ.get("INLET_HTTP_PORT", "8000")),
                   smtp_port=int(os.environ.get("INLET_SMTP_PORT", "2525")),
                   aws_port=int(os.environ.get("INLET_AWS_PORT", "4566")),
                   tick_seconds=float(os.environ.get("INLET_TICK_SECONDS", "60")),
                   demo=os.environ.get("INLET_DEMO", "1") not in ("0", "false", "no"))


class LocalStack:
    def __init__(self, config: StackConfig) -> None:
        self.config = config
        self._parts: list[Any] = []
        self.app_module: Any = None
        self.base_url = f"http://{config.host}:{config.http_port}"

    def start(self) -> None:
        aws = AwsStandIn(self.config.aws_port)
        aws.start()
        self._parts.append(aws)
        outputs = deploy_infra()
        os.environ.update({
            "INLET_TABLE": outputs["TableName"], "INLET_BUCKET": outputs["BucketName"],
            "INLET_PARALLEL_QUEUE": outputs["ParallelQueueName"],
            "INLET_SEQUENTIAL_QUEUE": outputs["SequentialQueueName"],
            "INLET_PUBLIC_URL": self.base_url,
            "INLET_HOOK_CACHE_SECONDS": os.environ.get("INLET_HOOK_CACHE_SECONDS", "1"),
            "POWERTOOLS_METRICS_DISABLED": os.environ.get("POWERTOOLS_METRICS_DISABLED", "true"),
            "POWERTOOLS_LOG_LEVEL": os.environ.get("POWERTOOLS_LOG_LEVEL", "WARNING"),
            **self.config.extra_env,
        })
        self.app_module = importlib.import_module("app")
        from chalicelib.composition import get_services, reset_services
        reset_services()
        settings = get_services().settings

        gateway = LocalApiGateway(self.app_module.app, self.app_module.app.routes.keys(),
                                  self.config.host, self.config.http_port)
        gateway.start()
        self._parts.append(gateway)

        import boto3
        sqs = boto3.client("sqs")
        for queue_url, handler, name, threads in (
                (outputs["ParallelQueueUrl"], self.app_module.deliver_parallel, "deliver_parallel", 4),
                (outputs["SequentialQueueUrl"], self.app_module.deliver_sequential, "deliver_sequential", 2)):
            worker = QueueWorker(sqs, _local_url(queue_url, self.config.aws_port), handler, name,
                                 report_batch_failures=settings.report_batch_failures, region=settings.region,
                                 threads=threads)
            worker.start()
            self._parts.append(worker)
        if hasattr(self.app_module, "receive_mail"):
            from inlet.local.smtp_listener import SmtpListener
            smtp = SmtpListener(self.app_module.receive_mail, boto3.client("s3"), settings.bucket_name,
                                settings.mail_domain, self.config.host, self.config.smtp_port)
            smtp.start()
            self._parts.append(smtp)
        for name in ("tick",):
            handler = getattr(self.app_module, name, None)
            if handler is not None:
                ticker = Ticker(handler, name, self.config.tick_seconds)
                ticker.start()
                self._parts.append(ticker)

    def stop(self) -> None:
        for part in reversed(self._parts):
            try:
                part.stop()
            except Exception:
                log.exception("while stopping %s", type(part).__name__)
        self._parts.clear()

    def ensure_demo_hook(self) -> dict[str, Any]:
        """The demo webhook whose scenario prints each item."""
        request = urllib.request.Request(f"{self.base_url}/api/hooks/demo")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return json.loads(response.read())  # type: ignore[no-any-return]
        except urllib.error.HTTPError as error:
            if error.code != 404:
                raise
        body = json.dumps({"name": "demo", "scenario": "demo"}).encode()
        request = urllib.request.Request(f"{self.base_url}/api/hooks", data=body, method="POST",
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())  # type: ignore[no-any-return]


def _local_url(queue_url: str, port: int) -> str:
    """CloudFormation outputs carry AWS-style URLs; the stand-in serves them on its own port."""
    path = queue_url.split("amazonaws.com", 1)[-1] if "amazonaws.com" in queue_url else queue_url
    return f"http://127.0.0.1:{port}{path}" if path.startswith("/") else queue_url


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    for noisy in ("botocore", "boto3", "urllib3", "werkzeug", "mail.log"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    config = StackConfig.from_env()
    stack = LocalStack(config)
    stopping = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    try:
        stack.start()
        lines = ["", "Inlet is running locally.",
                 f"  management API : {stack.base_url}/api  (INLET_API_URL for the inlet CLI)",
                 f"  AWS stand-in   : http://127.0.0.1:{config.aws_port}",
                 f"  SMTP (mail)    : 127.0.0.1:{config.smtp_port} for @{os.environ.get('INLET_MAIL_DOMAIN', 'hooks.localhost')}"]
        if config.demo:
            demo = stack.ensure_demo_hook()
            lines += [f"  demo webhook   : {demo['url']}",
                      "", "Try it:",
                      f"  curl -X POST -H 'Content-Type: application/json' -d '{{\"hello\":\"world\"}}' {demo['url']}",
                      ("  .venv/bin/inlet logs demo" if config.http_port == 8000 else
                       f"  INLET_API_URL={stack.base_url} .venv/bin/inlet logs demo")]
        lines += ["", "Inlet is ready. Press Ctrl-C to stop.", ""]
        print("\n".join(lines), flush=True)
        stopping.wait()
    finally:
        print("Stopping Inlet…", flush=True)
        stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
