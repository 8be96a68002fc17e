"""The CLI keeps its promise: with --json, stdout is one JSON document, even on errors."""
from __future__ import annotations

import json
import subprocess
import sys

from support import ROOT


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "inlet.cli", *args], cwd=ROOT, capture_output=True, text=True,
                          env={"INLET_API_URL": "http://127.0.0.1:1", "PATH": "/usr/bin:/bin"})


def test_a_usage_error_with_json_prints_one_json_document() -> None:
    done = run("hooks", "create", "--json")
    assert done.returncode == 2 and json.loads(done.stdout)["error"]["error"] == "usage"


def test_an_unreachable_api_with_json_prints_one_json_document() -> None:
    done = run("--json", "hooks", "list")
    assert done.returncode == 1 and "cannot reach the Inlet API" in json.loads(done.stdout)["error"]["message"]


def test_an_invalid_api_url_is_a_message_not_a_traceback() -> None:
    done = run("--api-url", "notaurl", "hooks", "list")
    assert done.returncode == 1 and "Traceback" not in done.stderr and "unknown url type" in done.stderr
