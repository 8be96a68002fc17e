"""Python scenarios: functions registered with `@scenario("name")` in this package.

A hook whose scenario is that name gets each item delivered as `function(item)`; an exception
is a failed attempt (retried with backoff). Add your own module beside `demo.py`: every module
in this package is imported the first time a scenario is looked up.
"""
from __future__ import annotations

import importlib
import pkgutil
from typing import Any, Callable

ScenarioFunction = Callable[[dict[str, Any]], Any]
_registry: dict[str, ScenarioFunction] = {}
_loaded = False


def scenario(name: str) -> Callable[[ScenarioFunction], ScenarioFunction]:
    """Register a function as the scenario called `name`."""

    def register(function: ScenarioFunction) -> ScenarioFunction:
        _registry[name] = function
        return function

    return register


def find(name: str) -> ScenarioFunction | None:
    global _loaded
    if not _loaded:
        for module in pkgutil.iter_modules(__path__):
            importlib.import_module(f"{__name__}.{module.name}")
        _loaded = True
    return _registry.get(name)


def names() -> list[str]:
    find("")
    return sorted(_registry)
