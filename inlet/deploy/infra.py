"""The infra stack (`infra/stack.yaml`): created when missing, updated only when its template or
parameters differ from what is deployed (so a second run changes nothing), deleted on destroy."""
from __future__ import annotations

import json
import time
from typing import Any, Callable

from botocore.exceptions import ClientError

from inlet.deploy.errors import DeployError

DONE = {"CREATE_COMPLETE", "UPDATE_COMPLETE", "IMPORT_COMPLETE"}
FAILED = {"CREATE_FAILED", "ROLLBACK_COMPLETE", "ROLLBACK_FAILED", "UPDATE_ROLLBACK_COMPLETE",
          "UPDATE_ROLLBACK_FAILED", "DELETE_FAILED", "UPDATE_FAILED"}


class InfraStack:
    def __init__(self, cloudformation: Any, stack_name: str, template_body: str, *,
                 poll_seconds: float = 5.0, timeout_seconds: float = 1800.0,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self._cf = cloudformation
        self.name = stack_name
        self._body = template_body
        self._poll = poll_seconds
        self._timeout = timeout_seconds
        self._sleep = sleep

    def describe(self) -> dict[str, Any] | None:
        try:
            stacks = self._cf.describe_stacks(StackName=self.name)["Stacks"]
        except ClientError as error:
            if "does not exist" in str(error):
                return None
            raise
        return stacks[0] if stacks and stacks[0]["StackStatus"] != "DELETE_COMPLETE" else None

    def outputs(self) -> dict[str, str]:
        stack = self.describe()
        if stack is None:
            raise DeployError(f"the infra stack {self.name} does not exist; run `inlet deploy` first")
        return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}

    def ensure(self, parameters: dict[str, str]) -> tuple[str, dict[str, str]]:
        """Create or update the stack; returns ("created"|"updated"|"unchanged", outputs)."""
        stack = self.describe()
        if stack is not None and stack["StackStatus"].endswith("_IN_PROGRESS"):
            stack = self._wait()
        if stack is not None and stack["StackStatus"] == "ROLLBACK_COMPLETE":
            # A first creation that failed leaves a stack that can only be deleted.
            self.delete()
            stack = None
        cf_parameters = [{"ParameterKey": k, "ParameterValue": v} for k, v in sorted(parameters.items())]
        if stack is None:
            self._cf.create_stack(StackName=self.name, TemplateBody=self._body, Parameters=cf_parameters,
                                  Tags=[{"Key": "inlet:stack", "Value": self.name}])
            self._check(self._wait(), "create")
            return "created", self.outputs()
        if self._matches(stack, parameters):
            return "unchanged", self.outputs()
        try:
            self._cf.update_stack(StackName=self.name, TemplateBody=self._body, Parameters=cf_parameters,
                                  Tags=[{"Key": "inlet:stack", "Value": self.name}])
        except ClientError as error:
            if "No updates are to be performed" in str(error):
                return "unchanged", self.outputs()
            raise
        self._check(self._wait(), "update")
        return "updated", self.outputs()

    def delete(self) -> bool:
        if self.describe() is None:
            return False
        self._cf.delete_stack(StackName=self.name)
        stack = self._wait()
        if stack is not None:
            raise DeployError(f"deleting {self.name} ended in {stack['StackStatus']}: {self._reasons()}")
        return True

    def _matches(self, stack: dict[str, Any], parameters: dict[str, str]) -> bool:
        deployed = {p["ParameterKey"]: p.get("ParameterValue", "") for p in stack.get("Parameters", [])}
        if any(deployed.get(key) != value for key, value in parameters.items()):
            return False
        body = self._cf.get_template(StackName=self.name, TemplateStage="Original")["TemplateBody"]
        if isinstance(body, str):
            return body == self._body
        try:  # botocore hands back JSON templates already parsed
            return bool(body == json.loads(self._body))
        except ValueError:
            return False

    def _wait(self) -> dict[str, Any] | None:
        deadline = time.monotonic() + self._timeout
        while True:
            stack = self.describe()
            if stack is None or not stack["StackStatus"].endswith("_IN_PROGRESS"):
                return stack
            if time.monotonic() > deadline:
                raise DeployError(f"{self.name} is still {stack['StackStatus']} after {self._timeout:.0f} s")
            self._sleep(self._poll)

    def _check(self, stack: dict[str, Any] | None, verb: str) -> None:
        status = stack["StackStatus"] if stack else "DELETE_COMPLETE"
        if status not in DONE:
            raise DeployError(f"could not {verb} {self.name} ({status}): {self._reasons()}")

    def _reasons(self) -> str:
        try:
            events = self._cf.describe_stack_events(StackName=self.name)["StackEvents"]
        except ClientError:
            return "no events"
        failed = [f"{e['LogicalResourceId']}: {e.get('ResourceStatusReason', '')}" for e in events
                  if e.get("ResourceStatus", "").endswith("FAILED")]
        return "; ".join(failed[:5]) or "see the stack's events in the CloudFormation console"
