"""Observability, a leaf module: the Powertools logger and metrics every layer may use.

Structured JSON logs carry the item id as correlation id; metrics are CloudWatch EMF lines
(`ItemsReceived`, `ItemsRejected`, `ItemsDelivered`, `DeliveryFailed`, `ItemsFailed`).
Locally `POWERTOOLS_METRICS_DISABLED=true` keeps EMF lines out of the console.
"""
from __future__ import annotations

import os
import warnings

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.metrics.functions import is_metrics_disabled

logger = Logger(service=os.environ.get("POWERTOOLS_SERVICE_NAME", "inlet"))
metrics = Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "Inlet"),
                  service=os.environ.get("POWERTOOLS_SERVICE_NAME", "inlet"))


# Powertools' own switch stops flushes but not its auto-publish at 100 values, so the switch
# is honoured here, once, for both.
_METRICS_DISABLED = is_metrics_disabled()


def metrics_count(name: str, value: int = 1) -> None:
    if not _METRICS_DISABLED:
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)


def flush_metrics() -> None:
    """Write the metrics gathered during one invocation (a no-op when there are none)."""
    if _METRICS_DISABLED:
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "no application metrics" is normal for a 404
        metrics.flush_metrics(raise_on_empty_metrics=False)


def correlate(item_id: str | None) -> None:
    logger.set_correlation_id(item_id)
