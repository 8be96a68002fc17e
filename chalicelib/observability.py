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

logger = Logger(service=os.environ.get("POWERTOOLS_SERVICE_NAME", "inlet"))
metrics = Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "Inlet"),
                  service=os.environ.get("POWERTOOLS_SERVICE_NAME", "inlet"))


def metrics_count(name: str, value: int = 1) -> None:
    metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)


def flush_metrics() -> None:
    """Write the metrics gathered during one invocation (a no-op when there are none)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "no application metrics" is normal for a 404
        metrics.flush_metrics(raise_on_empty_metrics=False)


def correlate(item_id: str | None) -> None:
    logger.set_correlation_id(item_id)
