"""End-to-end fixtures: the local stack started as `make dev` starts it (a subprocess on free
ports), the `inlet` CLI, and a scenario HTTP server of the test's own."""
from __future__ import annotations

import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterator

import pytest

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Stack:
    def __init__(self) -> None:
        self.http_port, self.aws_port, self.smtp_port = free_port(), free_port(), free_port()
        self.base_url = f"http://127.0.0.1:{self.http_port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "INLET_"))}
        env.update({"INLET_HTTP_PORT": str(self.http_port), "INLET_AWS_PORT": str(self.aws_port),
                    "INLET_SMTP_PORT": str(self.smtp_port), "INLET_DEMO": "0", "INLET_TICK_SECONDS": "1",
                    "INLET_RETRY_BASE_SECONDS": "1", "INLET_HOOK_CACHE_SECONDS": "0", "PYTHONUNBUFFERED": "1",
                    "INLET_MIN_INTERVAL_SECONDS": "1", "INLET_SWEEP_AFTER_SECONDS": "20"})
        self.process = subprocess.Popen([sys.executable, "-m", "inlet.local.stack"], cwd=ROOT, env=env,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.output: list[str] = []
        ready: queue.Queue[bool] = queue.Queue()
        threading.Thread(target=self._read, args=(ready,), daemon=True).start()
        try:
            ready.get(timeout=90)
        except queue.Empty:
            self.process.kill()
            raise RuntimeError("local stack did not start:\n" + "".join(self.output))

    def _read(self, ready: "queue.Queue[bool]") -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.output.append(line)
            if "Inlet is ready" in line:
                ready.put(True)

    def cli(self, *args: str, check: bool = True) -> Any:
        env = {**os.environ, "INLET_API_URL": self.base_url}
        done = subprocess.run([sys.executable, "-m", "inlet.cli", "--json", *args], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=60)
        if check and done.returncode != 0:
            raise AssertionError(f"inlet {' '.join(args)} failed: {done.stdout}{done.stderr}")
        return json.loads(done.stdout)

    def stop(self) -> int:
        self.process.send_signal(signal.SIGINT)
        return self.process.wait(timeout=30)


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    running = Stack()
    yield running
    if running.process.poll() is None:
        running.stop()


class ScenarioServer:
    """Receives items like a customer's endpoint; can fail, be slow, and notices overlap."""

    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.fail_first: dict[str, int] = {}
        self.always_fail = False
        self.delay = 0.0
        self.in_flight = 0
        self.max_in_flight = 0
        self.calls: dict[str, int] = {}
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status = server.receive(body, dict(self.headers.items()))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/scenario"

    def receive(self, body: bytes, headers: dict[str, str]) -> int:
        item = json.loads(body)
        with self.lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            calls = self.calls[item["id"]] = self.calls.get(item["id"], 0) + 1
        try:
            time.sleep(self.delay)
            if self.always_fail or calls <= self.fail_first.get(item["id"], self.fail_first.get("*", 0)):
                return 500
            with self.lock:
                self.items.append(item)
                self.headers.append(headers)
            return 200
        finally:
            with self.lock:
                self.in_flight -= 1

    def wait_for(self, count: int, timeout: float = 60) -> list[dict[str, Any]]:
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self.lock:
                if len(self.items) >= count:
                    return list(self.items)
            time.sleep(0.1)
        raise AssertionError(f"expected {count} deliveries, got {len(self.items)}")

    def close(self) -> None:
        self.httpd.shutdown()


@pytest.fixture
def scenario() -> Iterator[ScenarioServer]:
    server = ScenarioServer()
    yield server
    server.close()


def wait_until(predicate: Any, timeout: float = 60, interval: float = 0.2) -> Any:
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("condition not met in time")
