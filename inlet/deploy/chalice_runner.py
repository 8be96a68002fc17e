"""Chalice's own commands, run as the `chalice` CLI would run them, and the record
(`.chalice/deployed/<stage>.json`) that `chalice deploy` leaves of what it created.

The deploy steps take a `ChaliceRunner`; tests pass one that records the call instead."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from inlet.deploy.errors import DeployError

CHALICE_MAIN = "import sys; from chalice.cli import main; sys.exit(main())"


class ChaliceRunner(Protocol):
    def deploy(self, project_dir: Path, stage: str) -> None: ...

    def delete(self, project_dir: Path, stage: str) -> None: ...

    def package(self, project_dir: Path, stage: str, out_dir: Path, merge_template: Path | None) -> None: ...


class ChaliceCli:
    """Runs `chalice` in a child process (the app is imported with the stage's environment)."""

    def __init__(self, region: str, profile: str | None = None) -> None:
        self._region = region
        self._profile = profile

    def _run(self, project_dir: Path, *args: str) -> None:
        command = [sys.executable, "-c", CHALICE_MAIN, "--project-dir", str(project_dir), *args]
        env = {**os.environ, "AWS_DEFAULT_REGION": self._region, "AWS_REGION": self._region}
        env.pop("AWS_ENDPOINT_URL", None)  # a local stand-in must never receive a real deploy
        if self._profile:
            env["AWS_PROFILE"] = self._profile
        # Chalice's progress goes to stderr, so `--json` output stays one document.
        result = subprocess.run(command, cwd=project_dir, env=env, stdout=sys.stderr)
        if result.returncode != 0:
            raise DeployError(f"`chalice {' '.join(args)}` failed (exit {result.returncode}); see its output above")

    def deploy(self, project_dir: Path, stage: str) -> None:
        self._run(project_dir, "deploy", "--stage", stage)

    def delete(self, project_dir: Path, stage: str) -> None:
        self._run(project_dir, "delete", "--stage", stage)

    def package(self, project_dir: Path, stage: str, out_dir: Path, merge_template: Path | None) -> None:
        args = ["package", "--stage", stage]
        if merge_template is not None:
            args += ["--merge-template", str(merge_template)]
        self._run(project_dir, *args, str(out_dir))


@dataclass
class DeployedApp:
    """What `chalice deploy` recorded: function ARNs by Chalice name, the API URL, SQS mappings."""

    functions: dict[str, str] = field(default_factory=dict)
    rest_api_url: str = ""
    sqs_events: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def load(cls, project_dir: Path, stage: str) -> "DeployedApp":
        path = project_dir / ".chalice" / "deployed" / f"{stage}.json"
        if not path.exists():
            return cls()
        record = json.loads(path.read_text())
        app = cls()
        for resource in record.get("resources", []):
            kind = resource.get("resource_type")
            if kind == "lambda_function":
                app.functions[resource["name"]] = resource["lambda_arn"]
            elif kind == "rest_api":
                app.rest_api_url = resource.get("rest_api_url", "")
            elif kind == "sqs_event":
                app.sqs_events.append(resource)
        return app

    def function_name(self, name: str) -> str | None:
        arn = self.functions.get(name)
        return arn.rsplit(":", 1)[-1] if arn else None
