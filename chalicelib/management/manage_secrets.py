"""Use cases: set, remove and list a hook's secrets (API keys, signing secrets, passwords).

Values go in and never come out: the API shows each secret a hook's options name, and each
stored one, only as configured yes/no.
"""
from __future__ import annotations

import re
from typing import Any

from chalicelib.core.hooks import Hook
from chalicelib.core.ports import SecretStore
from chalicelib.errors import InletError, Invalid, NotFound
from chalicelib.observability import logger
from chalicelib.secret_cache import SecretCache
from chalicelib.webhooks.hook_options import WebhookOptions

_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
MAX_SECRET_BYTES = 4096  # an SSM standard parameter


class SecretManager:
    def __init__(self, store: SecretStore, cache: SecretCache) -> None:
        self._store = store
        self._cache = cache

    def put(self, hook: Hook, name: str, request: dict[str, Any]) -> dict[str, Any]:
        _check_name(name)
        value = request.get("value")
        if not isinstance(value, str) or not value:
            raise Invalid("field 'value' must be a non-empty string", "invalid_secret")
        if len(value.encode("utf-8", "surrogatepass")) > MAX_SECRET_BYTES:
            raise Invalid(f"a secret holds at most {MAX_SECRET_BYTES} bytes", "invalid_secret")
        unknown = sorted(set(request) - {"value"})
        if unknown:
            raise Invalid(f"unknown field {unknown[0]!r}; a secret takes only 'value'", "unknown_field")
        self._store.put(hook.id, name, value)
        self._cache.forget(hook.id)
        return {"hook": hook.id, "secret": name, "configured": True}

    def delete(self, hook: Hook, name: str) -> dict[str, Any]:
        _check_name(name)
        if not self._store.delete(hook.id, name):
            raise NotFound(f"hook {hook.name!r} has no secret {name!r}", "unknown_secret")
        self._cache.forget(hook.id)
        return {"hook": hook.id, "secret": name, "configured": False}

    def status(self, hook: Hook) -> dict[str, bool]:
        """Every secret the hook's options name and every stored one: configured yes/no."""
        stored = set(self._store.names(hook.id))
        named: tuple[str, ...] = ()
        if hook.channel == "webhook":
            try:
                named = WebhookOptions.from_dict(hook.options).secret_names
            except Invalid:
                named = ()
        return {name: name in stored for name in sorted(stored | set(named))}

    def forget_hook(self, hook: Hook) -> None:
        """Remove every secret of a deleted hook; best effort."""
        try:
            for name in self._store.names(hook.id):
                self._store.delete(hook.id, name)
        except InletError as error:
            logger.warning("secrets of a deleted hook not removed", extra={"hook_id": hook.id, "error": str(error)})
        self._cache.forget(hook.id)


def _check_name(name: str) -> None:
    if not _NAME.match(name):
        raise Invalid("a secret name is 1-64 letters, digits, '_', '.' or '-'", "invalid_secret_name")
