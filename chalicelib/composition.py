"""Composition root: builds the adapters and use cases lazily, once per process, with a reset
for tests (which may pass in-memory twins instead of AWS adapters)."""
from __future__ import annotations

import functools
import threading
from typing import Any

from chalicelib.clock import Clock, system_clock
from chalicelib.core.hooks import Hook
from chalicelib.core.ports import (BlobStore, DeliveryQueue, HookStore, ItemLog, SecretStore, StructureStore,
                                   UrlFetcher)
from chalicelib.delivery.deliver_item import Deliverer
from chalicelib.hook_cache import HookCache
from chalicelib.intake.accept_item import ItemIntake
from chalicelib.intake.keep_structure import StructureKeeper
from chalicelib.management.manage_hooks import HookManager
from chalicelib.management.manage_secrets import SecretManager
from chalicelib.management.manage_structure import StructureManager
from chalicelib.management.read_logs import LogReader
from chalicelib.secret_cache import SecretCache
from chalicelib.settings import Settings
from chalicelib.webhooks.receive_webhook import WebhookReceiver


class Services:
    """Everything a handler needs, built on first use."""

    def __init__(self, settings: Settings | None = None, clock: Clock = system_clock, *,
                 hook_store: HookStore | None = None, item_log: ItemLog | None = None,
                 blobs: BlobStore | None = None, queue: DeliveryQueue | None = None,
                 secret_store: SecretStore | None = None, structure_store: StructureStore | None = None,
                 url_fetcher: UrlFetcher | None = None) -> None:
        self.settings = settings or Settings.from_env()
        self.clock = clock
        self._given: dict[str, Any] = {"hook_store": hook_store, "item_log": item_log,
                                       "blobs": blobs, "queue": queue, "secret_store": secret_store,
                                       "structure_store": structure_store, "url_fetcher": url_fetcher}
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()

    def _client(self, service: str) -> Any:
        with self._lock:
            if service not in self._clients:
                from chalicelib.adapters.aws import client
                self._clients[service] = client(service, self.settings.region)
            return self._clients[service]

    @functools.cached_property
    def hook_store(self) -> HookStore:
        if self._given["hook_store"] is not None:
            return self._given["hook_store"]  # type: ignore[no-any-return]
        from chalicelib.adapters.dynamo_hooks import DynamoHookStore
        return DynamoHookStore(self._client("dynamodb"), self.settings.table_name)

    @functools.cached_property
    def item_log(self) -> ItemLog:
        if self._given["item_log"] is not None:
            return self._given["item_log"]  # type: ignore[no-any-return]
        from chalicelib.adapters.dynamo_items import DynamoItemLog
        return DynamoItemLog(self._client("dynamodb"), self.settings.table_name)

    @functools.cached_property
    def blobs(self) -> BlobStore:
        if self._given["blobs"] is not None:
            return self._given["blobs"]  # type: ignore[no-any-return]
        from chalicelib.adapters.s3_blobs import S3BlobStore
        return S3BlobStore(self._client("s3"), self.settings.bucket_name)

    @functools.cached_property
    def queue(self) -> DeliveryQueue:
        if self._given["queue"] is not None:
            return self._given["queue"]  # type: ignore[no-any-return]
        from chalicelib.adapters.sqs_queue import SqsDeliveryQueue
        return SqsDeliveryQueue(self._client("sqs"), self.settings.parallel_queue, self.settings.sequential_queue)

    @functools.cached_property
    def secret_store(self) -> SecretStore:
        if self._given["secret_store"] is not None:
            return self._given["secret_store"]  # type: ignore[no-any-return]
        from chalicelib.adapters.ssm_secrets import SsmSecretStore
        return SsmSecretStore(self._client("ssm"), self.settings.secrets_prefix)

    @functools.cached_property
    def structure_store(self) -> StructureStore:
        if self._given["structure_store"] is not None:
            return self._given["structure_store"]  # type: ignore[no-any-return]
        from chalicelib.adapters.dynamo_structures import DynamoStructureStore
        return DynamoStructureStore(self._client("dynamodb"), self.settings.table_name)

    @functools.cached_property
    def url_fetcher(self) -> UrlFetcher:
        if self._given["url_fetcher"] is not None:
            return self._given["url_fetcher"]  # type: ignore[no-any-return]
        from chalicelib.adapters.http_fetch import HttpsUrlFetcher
        return HttpsUrlFetcher()

    @functools.cached_property
    def secret_cache(self) -> SecretCache:
        return SecretCache(self.secret_store, self.settings.secret_cache_seconds, self.clock)

    @functools.cached_property
    def structure_keeper(self) -> StructureKeeper:
        return StructureKeeper(self.structure_store, self.settings.hook_cache_seconds, self.clock)

    @functools.cached_property
    def hook_cache(self) -> HookCache:
        return HookCache(self.hook_store, self.settings.hook_cache_seconds, self.clock)

    @functools.cached_property
    def intake(self) -> ItemIntake:
        return ItemIntake(self.item_log, self.blobs, self.queue, self.clock, self.settings.inline_body_limit)

    @functools.cached_property
    def webhook_receiver(self) -> WebhookReceiver:
        return WebhookReceiver(_TokenLookup(self.hook_cache, self.hook_store), self.intake, self.clock,
                               log=self.item_log, secrets=self.secret_cache, structures=self.structure_keeper,
                               fetcher=self.url_fetcher)

    @functools.cached_property
    def deliverer(self) -> Deliverer:
        return Deliverer(self.hook_cache, self.item_log, self.blobs, self.clock,
                         claim_seconds=self.settings.claim_seconds,
                         retry_base=self.settings.retry_base_seconds, retry_cap=self.settings.retry_cap_seconds)

    @functools.cached_property
    def mail_receiver(self) -> Any:
        from chalicelib.mail.parse_mail import parse_mail
        from chalicelib.mail.receive_mail import MailReceiver
        return MailReceiver(self.hook_cache, self.intake, self.blobs, self.clock, self.settings.mail_domain,
                            parse_mail)

    @functools.cached_property
    def hook_manager(self) -> HookManager:
        return HookManager(self.hook_store, self.clock, self.settings.mail_domain,
                           self.settings.default_max_body_bytes, self.settings.min_interval_seconds)

    @functools.cached_property
    def log_reader(self) -> LogReader:
        return LogReader(self.item_log, self.blobs, self.clock)

    @functools.cached_property
    def secret_manager(self) -> SecretManager:
        return SecretManager(self.secret_store, self.secret_cache)

    @functools.cached_property
    def structure_manager(self) -> StructureManager:
        return StructureManager(self.structure_store, self.structure_keeper, self.clock)


    # ---- queue control (chalicelib.queueing) -----------------------------------------------

    @functools.cached_property
    def sender(self) -> Any:
        from chalicelib.queueing.release import Sender
        return Sender(self.queue, self.clock)

    @functools.cached_property
    def releaser(self) -> Any:
        from chalicelib.queueing.release import Releaser
        return Releaser(self.item_log, self.sender, self.clock)

    @functools.cached_property
    def queue_control(self) -> Any:
        from chalicelib.queueing.control import QueueControl
        return QueueControl(self.item_log, self.hook_store, self.releaser, self.sender, self.clock, self._set_state)

    def _set_state(self, ref: str, state: str) -> Hook:
        hook = self.hook_manager.set_state(ref, state)
        self.hook_cache.forget()
        return hook

    @functools.cached_property
    def tick(self) -> Any:
        from chalicelib.queueing.sweep import Sweeper
        from chalicelib.queueing.tick import Tick
        sweeper = Sweeper(self.item_log, self.sender, self.clock, self.settings.sweep_after_seconds)
        return Tick(self.item_log, self.hook_store, self.releaser, sweeper, self.clock, self.settings.tick_seconds)

    @functools.cached_property
    def dead_letters(self) -> Any:
        from chalicelib.adapters.sqs_dlq import SqsDeadLetters
        settings = self.settings
        return SqsDeadLetters(self._client("sqs"), {
            "parallel": (settings.parallel_queue, settings.parallel_dlq),
            "sequential": (settings.sequential_queue, settings.sequential_dlq)})


class _TokenLookup:
    """Cached token lookup; the rare 'retired token?' question goes to the store."""

    def __init__(self, cache: HookCache, store: HookStore) -> None:
        self._cache = cache
        self._store = store

    def by_token(self, token: str) -> Any:
        return self._cache.by_token(token)

    def is_retired_token(self, token: str) -> bool:
        return self._store.is_retired_token(token)


_services: Services | None = None
_services_lock = threading.Lock()


def get_services() -> Services:
    global _services
    with _services_lock:
        if _services is None:
            _services = Services()
        return _services


def reset_services(services: Services | None = None) -> None:
    """Drop the built services (tests), or install prepared ones."""
    global _services
    with _services_lock:
        _services = services
