"""Settings: one frozen dataclass read once from the environment.

Every deployment-specific name lives here; nothing else reads `os.environ`.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Mapping


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "")
    try:
        return int(raw) if raw.strip() else default
    except ValueError as error:
        raise ValueError(f"{name} must be an integer, got {raw!r}") from error


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "")
    try:
        return float(raw) if raw.strip() else default
    except ValueError as error:
        raise ValueError(f"{name} must be a number, got {raw!r}") from error


def _dlq_name(queue: str) -> str:
    """infra/stack.yaml names each dead-letter queue after its queue: `x-dlq`, `x-dlq.fifo`."""
    return queue[:-5] + "-dlq.fifo" if queue.endswith(".fifo") else queue + "-dlq"


@dataclass(frozen=True)
class Settings:
    """What the Lambda functions and the local stack need to know about their surroundings."""

    region: str = "us-east-1"
    table_name: str = "inlet"
    bucket_name: str = "inlet-data"
    parallel_queue: str = "inlet-deliveries"
    sequential_queue: str = "inlet-deliveries.fifo"
    public_url: str = ""
    mail_domain: str = "hooks.localhost"
    hook_cache_seconds: float = 10.0
    retry_base_seconds: float = 10.0
    retry_cap_seconds: float = 900.0
    claim_seconds: int = 120
    inline_body_limit: int = 64 * 1024
    default_max_body_bytes: int = 6 * 1024 * 1024
    report_batch_failures: bool = False
    secrets_prefix: str = "/inlet"
    secret_cache_seconds: float = 60.0
    # Queue control: the tick's period (EventBridge: 1 minute), how old an unfinished item must
    # be before the sweeper sends it again, the shortest interval trigger, the dead-letter queues.
    tick_seconds: float = 60.0
    sweep_after_seconds: float = 300.0
    min_interval_seconds: int = 60
    parallel_dlq: str = "inlet-deliveries-dlq"
    sequential_dlq: str = "inlet-deliveries-dlq.fifo"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "Settings":
        env = os.environ if env is None else env
        return cls(
            region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1",
            table_name=env.get("INLET_TABLE", "inlet"),
            bucket_name=env.get("INLET_BUCKET", "inlet-data"),
            parallel_queue=env.get("INLET_PARALLEL_QUEUE", "inlet-deliveries"),
            sequential_queue=env.get("INLET_SEQUENTIAL_QUEUE", "inlet-deliveries.fifo"),
            public_url=env.get("INLET_PUBLIC_URL", "").rstrip("/"),
            mail_domain=env.get("INLET_MAIL_DOMAIN", "hooks.localhost").lower(),
            hook_cache_seconds=_float(env, "INLET_HOOK_CACHE_SECONDS", 10.0),
            retry_base_seconds=_float(env, "INLET_RETRY_BASE_SECONDS", 10.0),
            retry_cap_seconds=_float(env, "INLET_RETRY_CAP_SECONDS", 900.0),
            claim_seconds=_int(env, "INLET_CLAIM_SECONDS", 120),
            inline_body_limit=_int(env, "INLET_INLINE_BODY_LIMIT", 64 * 1024),
            default_max_body_bytes=_int(env, "INLET_MAX_BODY_BYTES", 6 * 1024 * 1024),
            report_batch_failures=env.get("INLET_REPORT_BATCH_FAILURES", "").lower() in ("1", "true", "on"),
            secrets_prefix="/" + (env.get("INLET_SECRETS_PATH")
                                  or "/inlet").strip("/"),
            secret_cache_seconds=_float(env, "INLET_SECRET_CACHE_SECONDS", 60.0),
            tick_seconds=_float(env, "INLET_TICK_SECONDS", 60.0),
            sweep_after_seconds=_float(env, "INLET_SWEEP_AFTER_SECONDS", 300.0),
            min_interval_seconds=_int(env, "INLET_MIN_INTERVAL_SECONDS", 60),
            parallel_dlq=env.get("INLET_PARALLEL_DLQ") or _dlq_name(env.get("INLET_PARALLEL_QUEUE", "inlet-deliveries")),
            sequential_dlq=env.get("INLET_SEQUENTIAL_DLQ")
            or _dlq_name(env.get("INLET_SEQUENTIAL_QUEUE", "inlet-deliveries.fifo")),
        )
