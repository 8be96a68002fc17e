"""A stand-in for EventBridge schedule rules: calls scheduled handlers every N seconds."""
from __future__ import annotations

import logging
import threading
from typing import Any, Callable

from inlet.local.lambda_context import LocalLambdaContext

log = logging.getLogger("inlet.local")


def scheduled_event() -> dict[str, Any]:
    import datetime
    import uuid
    return {"version": "0", "id": str(uuid.uuid4()), "detail-type": "Scheduled Event", "source": "aws.events",
            "account": "123456789012", "region": "us-east-1", "resources": [], "detail": {},
            "time": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")}


class Ticker:
    def __init__(self, handler: Callable[[dict[str, Any], Any], Any], name: str, every_seconds: float) -> None:
        self._handler = handler
        self._name = name
        self._every = every_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"ticker-{name}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(self._every):
            try:
                self._handler(scheduled_event(), LocalLambdaContext(self._name))
            except Exception:
                log.exception("scheduled handler %s failed", self._name)
