"""The names one stage uses, derived in one place, and the edits `inlet deploy` makes to
`.chalice/config.json` (only the keys it owns, written only when they change)."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DELIVERY_FUNCTIONS = ("deliver_parallel", "deliver_sequential")
MAIL_FUNCTION = "receive_mail"
STAGE_NAME = re.compile(r"^[a-z][a-z0-9-]{0,20}$")


@dataclass(frozen=True)
class StageNames:
    """Everything named after the app and stage: `inlet-prod`, `inlet-prod-infra`, …"""

    app_name: str
    stage: str

    def __post_init__(self) -> None:
        if not STAGE_NAME.match(self.stage):
            raise ValueError(f"stage {self.stage!r}: use lowercase letters, digits and dashes (at most 21)")

    @property
    def prefix(self) -> str:
        return f"{self.app_name}-{self.stage}"

    @property
    def stack_name(self) -> str:
        return f"{self.prefix}-infra"

    @property
    def table(self) -> str:
        return self.prefix

    @property
    def parallel_queue(self) -> str:
        return f"{self.prefix}-deliveries"

    @property
    def sequential_queue(self) -> str:
        return f"{self.prefix}-deliveries.fifo"

    @property
    def secrets_path(self) -> str:
        return f"/{self.prefix}/secrets/"

    @property
    def receipt_rule(self) -> str:
        return f"{self.prefix}-mail"

    @property
    def ses_statement_id(self) -> str:
        return f"{self.prefix}-ses-invoke"

    @property
    def policy_file(self) -> str:
        return f"policy-{self.stage}.json"

    @property
    def delivery_policy_file(self) -> str:
        return f"policy-{self.stage}-delivery.json"

    def function_name(self, name: str) -> str:
        """Chalice's naming: the API handler is `<app>-<stage>`, the others `<app>-<stage>-<name>`."""
        return self.prefix if name == "api_handler" else f"{self.prefix}-{name}"

    def stage_env(self, bucket: str) -> dict[str, str]:
        """The stage environment `inlet deploy` owns (POWERTOOLS_SERVICE_NAME is the metrics'
        `service` dimension, which the alarms select on)."""
        return {"INLET_TABLE": self.table, "INLET_BUCKET": bucket,
                "INLET_PARALLEL_QUEUE": self.parallel_queue, "INLET_SEQUENTIAL_QUEUE": self.sequential_queue,
                "INLET_SECRETS_PATH": self.secrets_path, "POWERTOOLS_SERVICE_NAME": self.prefix}


class ChaliceConfig:
    """`.chalice/config.json` of a project; `save()` writes only when something changed."""

    def __init__(self, project_dir: Path) -> None:
        self.path = project_dir / ".chalice" / "config.json"
        self._original = self.path.read_text()
        self.data: dict[str, Any] = json.loads(self._original)

    @property
    def app_name(self) -> str:
        return str(self.data["app_name"])

    def names(self, stage: str) -> StageNames:
        return StageNames(self.app_name, stage)

    def stage(self, stage: str) -> dict[str, Any]:
        stages = self.data.setdefault("stages", {})
        if stage not in stages:
            raise KeyError(f"stage {stage!r} is not in {self.path} (stages: {', '.join(sorted(stages))})")
        section: dict[str, Any] = stages[stage]
        return section

    def stage_env(self, stage: str) -> dict[str, str]:
        """The environment Chalice gives every function of the stage (top level, then stage)."""
        return {**self.data.get("environment_variables", {}), **self.stage(stage).get("environment_variables", {})}

    def api_gateway_stage(self, stage: str) -> str:
        return str(self.stage(stage).get("api_gateway_stage") or self.data.get("api_gateway_stage") or "api")

    def lambda_timeout(self, stage: str, function: str) -> int:
        for section in (self.stage(stage).get("lambda_functions", {}).get(function, {}),
                        self.data.get("lambda_functions", {}).get(function, {}),
                        self.stage(stage), self.data):
            if "lambda_timeout" in section:
                return int(section["lambda_timeout"])
        return 60  # Chalice's default

    def set_stage_env(self, stage: str, values: dict[str, str]) -> None:
        env = self.stage(stage).setdefault("environment_variables", {})
        env.update(values)

    def set_function_env(self, stage: str, function: str, values: dict[str, str]) -> None:
        functions = self.stage(stage).setdefault("lambda_functions", {})
        functions.setdefault(function, {}).setdefault("environment_variables", {}).update(values)

    def function_env(self, stage: str, function: str) -> dict[str, str]:
        section = self.stage(stage).get("lambda_functions", {}).get(function, {})
        return {**self.stage_env(stage), **section.get("environment_variables", {})}

    def set_policies(self, names: StageNames) -> None:
        """The stage's shared policy, and the delivery policy for the SQS consumers."""
        section = self.stage(names.stage)
        section["autogen_policy"] = False
        section["iam_policy_file"] = names.policy_file
        functions = section.setdefault("lambda_functions", {})
        for function in DELIVERY_FUNCTIONS:
            functions.setdefault(function, {})["iam_policy_file"] = names.delivery_policy_file

    def text(self) -> str:
        return json.dumps(self.data, indent=2) + "\n"

    @property
    def changed(self) -> bool:
        return json.loads(self._original) != self.data

    def save(self) -> bool:
        if not self.changed:
            return False
        self.path.write_text(self.text())
        self._original = self.text()
        return True
