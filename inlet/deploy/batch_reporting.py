"""ReportBatchItemFailures on the delivery functions' SQS event source mappings, which Chalice
never sets.

The delivery handlers (`chalicelib/delivery/sqs_batch.py`) return `batchItemFailures` when
INLET_REPORT_BATCH_FAILURES is true, and otherwise acknowledge the finished messages themselves
and raise. A mapping *with* reporting is safe in both modes; a function told to report while
its mapping is *without* reporting would have its failures acknowledged as successes. So the
deploy switches the mappings on first and the environment variable second:

1. mappings that already exist are switched on before `chalice deploy`;
2. the variable is `true` in that deploy only if every delivery function's mapping already reports;
3. after `chalice deploy`, new mappings are switched on, then the variable is set to `true`
   (in `.chalice/config.json` and directly on the two functions).

A second run finds everything on and changes nothing.
"""
from __future__ import annotations

import time
from typing import Any, Callable

from botocore.exceptions import ClientError

from inlet.deploy.errors import DeployError
from inlet.deploy.stage import StageNames

REPORT = "ReportBatchItemFailures"
FLAG = "INLET_REPORT_BATCH_FAILURES"


class BatchReporting:
    def __init__(self, lambda_client: Any, names: StageNames, queue_arns: dict[str, str], *,
                 sleep: Callable[[float], None] = time.sleep, attempts: int = 30) -> None:
        """`queue_arns`: Chalice function name (deliver_parallel, …) → the queue it consumes."""
        self._lambda = lambda_client
        self._names = names
        self._queue_arns = queue_arns
        self._sleep = sleep
        self._attempts = attempts

    def _mappings(self, function: str) -> list[dict[str, Any]]:
        name = self._names.function_name(function)
        found: list[dict[str, Any]] = []
        try:
            for page in self._lambda.get_paginator("list_event_source_mappings").paginate(FunctionName=name):
                found += [m for m in page["EventSourceMappings"]
                          if m.get("EventSourceArn") == self._queue_arns[function]]
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                return []
            raise
        return found

    def all_reporting(self) -> bool:
        """Every delivery function has its mapping, and each one reports batch item failures."""
        for function in self._queue_arns:
            mappings = self._mappings(function)
            if not mappings or any(REPORT not in (m.get("FunctionResponseTypes") or []) for m in mappings):
                return False
        return True

    def switch_on(self) -> list[str]:
        changes = []
        for function in self._queue_arns:
            for mapping in self._mappings(function):
                if REPORT in (mapping.get("FunctionResponseTypes") or []):
                    continue
                self._retry(lambda: self._lambda.update_event_source_mapping(
                    UUID=mapping["UUID"], FunctionResponseTypes=[REPORT]))
                changes.append(f"{REPORT} switched on for {function} ← {mapping['EventSourceArn'].rsplit(':', 1)[-1]}")
        return changes

    def set_flag(self, value: bool) -> list[str]:
        """Set INLET_REPORT_BATCH_FAILURES on the deployed delivery functions."""
        changes = []
        wanted = "true" if value else "false"
        for function in self._queue_arns:
            name = self._names.function_name(function)
            config = self._lambda.get_function_configuration(FunctionName=name)
            variables = dict((config.get("Environment") or {}).get("Variables") or {})
            if variables.get(FLAG) == wanted:
                continue
            variables[FLAG] = wanted
            self._retry(lambda: self._lambda.update_function_configuration(
                FunctionName=name, Environment={"Variables": variables}))
            changes.append(f"{FLAG}={wanted} on {name}")
        return changes

    def _retry(self, call: Callable[[], Any]) -> Any:
        """A mapping or function still being created or updated answers ResourceInUse/Conflict."""
        for attempt in range(self._attempts):
            try:
                return call()
            except ClientError as error:
                code = error.response.get("Error", {}).get("Code")
                if code not in ("ResourceInUseException", "ResourceConflictException") or attempt == self._attempts - 1:
                    raise
                self._sleep(2)
        raise DeployError("unreachable")
