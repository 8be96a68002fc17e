"""Use cases: create, list, show, update and delete hooks, and how a hook is shown."""
from __future__ import annotations

import base64
import secrets
from typing import Any

from urllib.parse import urlsplit

from chalicelib import scenarios
from chalicelib.clock import Clock, iso
from chalicelib.core.hooks import Hook, check_types, validated
from chalicelib.core.ports import HookStore
from chalicelib.errors import ConditionFailed, Conflict, Invalid, NotFound
from chalicelib.mail.mail_options import MailOptions
from chalicelib.ids import new_hook_id, new_mail_token, new_url_token
from chalicelib.webhooks.hook_options import validate_options


def new_signing_secret() -> str:
    """A Standard Webhooks secret for signing what Inlet posts to http(s) scenarios."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def _check_channel_options(hook: Hook) -> None:
    """Options that only mean something for one channel are checked against it."""
    if hook.channel == "mail":
        MailOptions.from_dict(hook.options.get("mail"))
        other = sorted(set(hook.options) - {"mail"})
        if other:
            raise Invalid(f"options.{other[0]} applies to webhooks only; a mailhook takes options.mail",
                          "invalid_option")
    elif "mail" in hook.options:
        raise Invalid("options.mail applies to mailhooks only", "invalid_option")


def _check_scenario(target: str) -> None:
    """A scenario is an http(s) URL with a host, or the name of a registered Python function."""
    if target.startswith(("http://", "https://")):
        if not urlsplit(target).hostname:
            raise Invalid(f"scenario URL {target!r} has no host", "invalid_scenario")
        return
    if scenarios.find(target) is None:
        known = ", ".join(scenarios.names()) or "none"
        raise Invalid(f"scenario {target!r} is neither an http(s):// URL nor a registered function "
                      f"(registered: {known})", "invalid_scenario")


class HookManager:
    def __init__(self, store: HookStore, clock: Clock, mail_domain: str, default_max_body_bytes: int,
                 min_interval_seconds: int = 60) -> None:
        self._store = store
        self._clock = clock
        self._mail_domain = mail_domain
        self._default_max_body = default_max_body_bytes
        self._min_interval = min_interval_seconds

    def _check_interval(self, hook: Hook) -> Hook:
        if 0 < hook.every_seconds < self._min_interval:
            raise Invalid(f"every_seconds must be at least {self._min_interval} (the scheduled run's period)",
                          "invalid_every")
        return hook

    def create(self, request: dict[str, Any]) -> Hook:
        request = dict(request)
        channel = request.pop("channel", "webhook")
        if channel not in ("webhook", "mail"):
            raise Invalid("channel must be 'webhook' or 'mail'", "invalid_channel")
        for required in ("name", "scenario"):
            if required not in request:
                raise Invalid(f"field {required!r} is required", "missing_field")
        check_types(request)
        if channel == "webhook":
            validate_options(request.get("options"))
        token = new_url_token() if channel == "webhook" else new_mail_token()
        settings = {"max_body_bytes": self._default_max_body, **request}
        hook = self._check_interval(validated(Hook(id=new_hook_id(), token=token, channel=channel,
                                                   signing_secret=new_signing_secret(),
                                                   created_at=iso(self._clock()), **settings)))
        _check_channel_options(hook)
        _check_scenario(hook.scenario)
        self._store.create(hook)
        return hook

    def find(self, ref: str) -> Hook:
        """A hook by id or by name."""
        hook = self._store.get(ref) if ref.startswith("hk_") else None
        hook = hook or self._store.by_name(ref)
        if hook is None:
            raise NotFound(f"no hook with id or name {ref!r}", "unknown_hook")
        return hook

    def list(self) -> list[Hook]:
        return self._store.list()

    def update(self, ref: str, changes: dict[str, Any]) -> Hook:
        hook = self.find(ref)
        check_types(changes)
        if hook.channel == "webhook" and "options" in changes:
            validate_options(changes["options"])
        updated = self._check_interval(hook.with_changes(**changes))
        _check_channel_options(updated)
        if updated.scenario != hook.scenario:
            _check_scenario(updated.scenario)
        self._replace(hook, updated)
        return updated

    def set_state(self, ref: str, state: str) -> Hook:
        hook = self.find(ref)
        updated = hook.with_changes(state=state)
        self._replace(hook, updated)
        return updated

    def rotate_token(self, ref: str) -> Hook:
        hook = self.find(ref)
        updated = hook.with_changes(token=new_url_token() if hook.channel == "webhook" else new_mail_token())
        self._replace(hook, updated)
        return updated

    def _replace(self, old: Hook, new: Hook) -> None:
        try:
            self._store.update(old, new)
        except ConditionFailed:
            raise Conflict("the hook changed meanwhile; try again", "conflict") from None

    def delete(self, ref: str) -> Hook:
        hook = self.find(ref)
        self._store.delete(hook)
        return hook

    def view(self, hook: Hook, base_url: str) -> dict[str, Any]:
        """The hook as the API shows it: its URL or address, never a secret but the signing one."""
        shown = hook.to_dict()
        shown.pop("token")
        if hook.channel == "webhook":
            shown["url"] = f"{base_url}/hooks/{hook.token}"
        else:
            shown["address"] = f"{hook.token}@{self._mail_domain}"
        return shown
