"""`inlet`: manage hooks, send test requests and read logs through the management API.

Every command takes `--json` and then prints exactly one JSON document.
"""
from __future__ import annotations

import argparse
import json
import mimetypes
import signal
import sys
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path
from typing import Any

from inlet import cli_webhooks
from inlet.api_client import ApiClient, ApiError


def _print(args: argparse.Namespace, document: Any, human: str) -> None:
    print(json.dumps(document, indent=2, ensure_ascii=False) if args.json else human)


def _hook_line(hook: dict[str, Any]) -> str:
    where = hook.get("url") or hook.get("address") or ""
    queue = hook.get("queue") or {}
    count = f"{queue.get('count', 0)}/{queue.get('limit', hook.get('queue_limit', ''))}"
    last = queue.get("last_item_at") or "-"
    return (f"{hook['name']:<20} {hook['id']:<16} {hook['processing']:<10} {hook['state']:<7} {count:<12} "
            f"{last:<25} {hook['scenario']:<28} {where}")


_DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def duration_seconds(text: str) -> int:
    """`--every`: 30s, 15m, 2h, 1d."""
    text = text.strip().lower()
    if len(text) < 2 or text[-1] not in _DURATION_UNITS or not text[:-1].isdigit() or int(text[:-1]) <= 0:
        raise argparse.ArgumentTypeError(f"expected a duration such as 15m, 2h or 1d, got {text!r}")
    return int(text[:-1]) * _DURATION_UNITS[text[-1]]


HOOK_LIMITS = ("max_attempts", "retention_days", "max_body_bytes")


def _queue_settings(args: argparse.Namespace, body: dict[str, Any]) -> dict[str, Any]:
    """The queue-control flags of `hooks create` and `hooks update` as API fields."""
    if getattr(args, "instant", False):
        body.update(every_seconds=0, cron="")
    if args.every is not None:
        body.update(every_seconds=args.every, cron="")
    if args.cron is not None:
        body.update(cron=args.cron, every_seconds=0)
    return _copy_given(args, body, ("max_per_run", "queue_limit", "order_by", "on_failure"))


def _copy_given(args: argparse.Namespace, body: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    """Copy the flags the user gave (not None) into the API request body."""
    body.update({key: getattr(args, key) for key in keys if getattr(args, key) is not None})
    return body


def cmd_hooks_create(api: ApiClient, args: argparse.Namespace) -> None:
    body: dict[str, Any] = {"name": args.name, "scenario": args.scenario}
    if args.mail:
        body["channel"] = "mail"
    if args.sequential:
        body["processing"] = "sequential"
    _copy_given(args, body, HOOK_LIMITS)
    options = cli_webhooks.options_from_args(args, {})
    if options is not None:
        body["options"] = options
    _queue_settings(args, body)
    hook = api.call("POST", "/hooks", body)
    _print(args, hook, f"created {hook['name']} ({hook['id']})\n  {'address' if args.mail else 'url'}: "
                       f"{hook.get('address') or hook.get('url')}\n  signing secret: {hook['signing_secret']}")


def cmd_hooks_list(api: ApiClient, args: argparse.Namespace) -> None:
    hooks = api.call("GET", "/hooks")
    lines = [f"{'NAME':<20} {'ID':<16} {'PROCESS':<10} {'STATE':<7} {'QUEUE':<12} {'LAST ITEM':<25} "
             f"{'SCENARIO':<28} URL/ADDRESS"]
    lines += [_hook_line(h) for h in hooks["hooks"]]
    _print(args, hooks, "\n".join(lines))


def cmd_hooks_show(api: ApiClient, args: argparse.Namespace) -> None:
    hook = api.call("GET", api.hook_path(args.hook))
    _print(args, hook, json.dumps(hook, indent=2, ensure_ascii=False))


def cmd_hooks_update(api: ApiClient, args: argparse.Namespace) -> None:
    changes: dict[str, Any] = {}
    if args.scenario is not None:
        changes["scenario"] = args.scenario
    if args.rename is not None:
        changes["name"] = args.rename
    if args.sequential:
        changes["processing"] = "sequential"
    if args.parallel:
        changes["processing"] = "parallel"
    _copy_given(args, changes, HOOK_LIMITS)
    if cli_webhooks.options_from_args(args, {}) is not None:
        current = api.call("GET", api.hook_path(args.hook)).get("options") or {}
        changes["options"] = cli_webhooks.options_from_args(args, current)
    _queue_settings(args, changes)
    hook = api.call("PATCH", api.hook_path(args.hook), changes)
    _print(args, hook, f"updated {hook['name']}")


def cmd_hooks_rotate(api: ApiClient, args: argparse.Namespace) -> None:
    hook = api.call("POST", api.hook_path(args.hook) + "/rotate", {})
    _print(args, hook, f"new {'address' if hook.get('address') else 'url'}: {hook.get('address') or hook.get('url')}")


def cmd_hooks_delete(api: ApiClient, args: argparse.Namespace) -> None:
    result = api.call("DELETE", api.hook_path(args.hook), query={"force": "true"} if args.force else None)
    _print(args, result, f"deleted {result['deleted']}")


def cmd_hooks_pause(api: ApiClient, args: argparse.Namespace) -> None:
    hook = api.call("POST", api.hook_path(args.hook) + "/pause", {})
    _print(args, hook, f"paused {hook['name']}: requests are answered and held "
                       f"({hook['queue']['count']}/{hook['queue']['limit']} in the queue)")


def cmd_hooks_resume(api: ApiClient, args: argparse.Namespace) -> None:
    hook = api.call("POST", api.hook_path(args.hook) + "/resume", {})
    _print(args, hook, f"resumed {hook['name']}: released {hook['released']} held item(s) "
                       f"({hook['queue']['parked']} still to release)")


def _loop(api: ApiClient, method: str, path: str, key: str) -> dict[str, Any]:
    """Repeat a batched queue action (purge, release) until it reports no more."""
    total, result = 0, {}
    for _ in range(1000):
        result = api.call(method, path, {} if method == "POST" else None)
        total += result[key]
        if not result.get("more") or not result[key]:
            break
    return {**result, key: total}


def cmd_queue(api: ApiClient, args: argparse.Namespace) -> None:
    path = api.hook_path(args.hook)
    if args.delete:
        result = {"deleted": [api.call("DELETE", f"{path}/queue/{urllib.parse.quote(item)}")["deleted"]
                              for item in args.delete]}
        _print(args, result, "\n".join(f"deleted {item}" for item in result["deleted"]))
        return
    if args.purge:
        result = _loop(api, "DELETE", path + "/queue", "purged")
        _print(args, result, f"purged {result['purged']} item(s)")
        return
    if args.release:
        result = _loop(api, "POST", path + "/release", "released")
        _print(args, result, f"released {result['released']} item(s)")
        return
    queue = api.call("GET", path + "/queue", query={"limit": args.limit})
    lines = [f"{queue['name']} ({queue['state']}): {queue['count']} of {queue['limit']} in the queue"
             + (f", {queue['parked']} held or waiting" if queue["parked"] else "")
             + (f"; last item {queue['last_item_at']}" if queue.get("last_item_at") else "")]
    lines += [f"{item['id']}  {item['received_at']}  {item['status']:<10} attempts={item['attempts']}"
              + (f" lane={item['lane']}" if item.get("lane") and item["lane"] != "-" else "")
              for item in queue["items"]]
    _print(args, queue, "\n".join(lines))


def cmd_replay(api: ApiClient, args: argparse.Namespace) -> None:
    targets = list(args.targets)
    body: dict[str, Any] = {}
    if args.scenario:
        body["scenario"] = args.scenario
    if all(_looks_like_item_id(t) for t in targets):
        result = api.call("POST", "/replay", {**body, "items": targets})
    else:
        hook, items = targets[0], targets[1:]
        if items:
            body["items"] = items
        for key in ("status", "since", "limit"):
            if getattr(args, key) is not None:
                body[key] = getattr(args, key)
        result = api.call("POST", api.hook_path(hook) + "/replay", body)
    lines = [f"replayed {r['id']} (was {r['was']}) to {r['scenario']}" for r in result["replayed"]]
    lines += [f"skipped {s['id']}: {s['reason']}" for s in result["skipped"]]
    _print(args, result, "\n".join(lines) or "nothing to replay")


def _looks_like_item_id(text: str) -> bool:
    return len(text) == 26 and text.isalnum() and text.upper() == text


def cmd_dlq(api: ApiClient, args: argparse.Namespace) -> None:
    if args.redrive:
        result = api.call("POST", "/dlq/redrive", {})
        _print(args, result, ", ".join(f"{kind}: moved {n}" for kind, n in result["moved"].items()))
        return
    result = api.call("GET", "/dlq")
    _print(args, result, ", ".join(f"{kind}: {n} message(s)" for kind, n in result["dead_letters"].items()))


def _send_body(args: argparse.Namespace) -> tuple[bytes | None, str | None]:
    if args.json_body is not None:
        try:
            json.loads(args.json_body)
        except ValueError as error:
            raise SystemExit(f"inlet send: --json is not valid JSON: {error}")
        return args.json_body.encode(), "application/json"
    if args.file:
        boundary = uuid.uuid4().hex
        parts = []
        for field in args.data or []:
            name, _, value = field.partition("=")
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
        for path_text in args.file:
            path = Path(path_text)
            ctype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{path.name}"\r\n'
                         f"Content-Type: {ctype}\r\n\r\n".encode() + path.read_bytes() + b"\r\n")
        return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"
    if args.data:
        pairs = [tuple(field.partition("=")[::2]) for field in args.data]
        return urllib.parse.urlencode(pairs).encode(), "application/x-www-form-urlencoded"
    if args.body is not None:
        return args.body.encode(), None
    return None, None


def cmd_send(api: ApiClient, args: argparse.Namespace) -> None:
    hook = api.call("GET", api.hook_path(args.hook))
    if "url" not in hook:
        raise SystemExit(f"inlet send: {args.hook} is a mailhook; send mail to {hook.get('address')}")
    url = hook["url"]
    if args.query:
        url += "?" + urllib.parse.urlencode([tuple(q.partition("=")[::2]) for q in args.query])
    body, content_type = _send_body(args)
    headers = {}
    if content_type:
        headers["Content-Type"] = content_type
    for header in args.header or []:
        name, _, value = header.partition(":")
        headers[name.strip()] = value.strip()
    method = args.method or ("POST" if body is not None else "GET")
    request = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=api.timeout) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    try:
        answer: Any = json.loads(raw)
    except ValueError:
        answer = raw.decode("utf-8", "replace")
    _print(args, {"status": status, "response": answer}, f"{status} {json.dumps(answer, ensure_ascii=False)}")
    if status >= 400:
        raise SystemExit(1)


def cmd_logs(api: ApiClient, args: argparse.Namespace) -> None:
    if args.item:
        entry = api.call("GET", f"{api.hook_path(args.hook)}/logs/{urllib.parse.quote(args.item)}")
        _print(args, entry, json.dumps(entry, indent=2, ensure_ascii=False))
        return
    logs = api.call("GET", api.hook_path(args.hook) + "/logs", query={"limit": args.limit, "status": args.status})
    lines = []
    for entry in logs["entries"]:
        attempts = entry["attempts"]
        last = f" last error: {attempts[-1]['error']}" if attempts and not attempts[-1]["ok"] else ""
        reason = f" ({entry['reason']})" if entry.get("reason") else ""
        lines.append(f"{entry['id']}  {entry['received_at']}  {entry['status']:<10} attempts={len(attempts)}"
                     f"{reason}{last}\n    {json.dumps(entry['data'], ensure_ascii=False)[:200]}")
    _print(args, logs, "\n".join(lines) or "no log entries")


def build_parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(add_help=False)
    top.add_argument("--json", action="store_true", help="print one JSON document")
    top.add_argument("--api-url", help="management API (default: $INLET_API_URL or the local stack)")
    # The same flags after a subcommand; SUPPRESS keeps them from resetting a value given before it.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="print one JSON document")
    common.add_argument("--api-url", default=argparse.SUPPRESS, help="management API URL")
    parser = argparse.ArgumentParser(prog="inlet", description=__doc__, parents=[top])
    commands = parser.add_subparsers(dest="command", required=True)

    hooks = commands.add_parser("hooks", help="create, list, show, update, delete hooks", parents=[common])
    hook_commands = hooks.add_subparsers(dest="hooks_command", required=True)
    create = hook_commands.add_parser("create", help="create a hook", parents=[common])
    create.add_argument("name")
    create.add_argument("--scenario", required=True, help="registered function name or http(s):// URL")
    create.add_argument("--mail", action="store_true", help="a mailhook (an address) instead of a webhook")
    create.add_argument("--sequential", action="store_true", help="one item at a time, in arrival order")
    for flag in ("--max-attempts", "--retention-days", "--max-body-bytes"):
        create.add_argument(flag, type=int)
    cli_webhooks.add_option_flags(create)
    _queue_flags(create)
    create.set_defaults(handler=cmd_hooks_create)
    hook_commands.add_parser("list", help="list hooks", parents=[common]).set_defaults(handler=cmd_hooks_list)
    for name, handler, text in (("show", cmd_hooks_show, "show a hook"), ("delete", cmd_hooks_delete, "delete a hook"),
                                ("rotate", cmd_hooks_rotate, "give a hook a new URL or address"),
                                ("pause", cmd_hooks_pause, "hold new and queued items (requests still answered)"),
                                ("resume", cmd_hooks_resume, "release held items in arrival order")):
        sub = hook_commands.add_parser(name, help=text, parents=[common])
        if name == "delete":
            sub.add_argument("--force", action="store_true",
                             help="delete even if items are undelivered (they are lost)")
        sub.add_argument("hook", help="hook id or name")
        sub.set_defaults(handler=handler)
    update = hook_commands.add_parser("update", help="change a hook's settings", parents=[common])
    update.add_argument("hook")
    update.add_argument("--scenario")
    update.add_argument("--rename")
    update.add_argument("--sequential", action="store_true")
    update.add_argument("--parallel", action="store_true")
    for flag in ("--max-attempts", "--retention-days", "--max-body-bytes"):
        update.add_argument(flag, type=int)
    cli_webhooks.add_option_flags(update)
    _queue_flags(update)
    update.add_argument("--instant", action="store_true", help="deliver at once (drop an interval trigger)")
    update.set_defaults(handler=cmd_hooks_update)
    cli_webhooks.add_hook_commands(hook_commands, common, _print)

    queue = commands.add_parser("queue", help="a hook's undelivered items; delete, purge, release",
                                parents=[common])
    queue.add_argument("hook")
    queue.add_argument("--limit", type=int, default=50)
    actions = queue.add_mutually_exclusive_group()
    actions.add_argument("--delete", action="append", metavar="ITEM", help="take an item out of the queue")
    actions.add_argument("--purge", action="store_true", help="take every undelivered item out of the queue")
    actions.add_argument("--release", action="store_true", help="deliver held or waiting items now")
    queue.set_defaults(handler=cmd_queue)

    replay = commands.add_parser("logs-replay", parents=[common],
                                 help="(inlet logs replay) deliver items again",
                                 usage="inlet logs replay ITEM... | HOOK [ITEM...] [--status S] [--since T]")
    replay.add_argument("targets", nargs="+", metavar="ITEM|HOOK")
    replay.add_argument("--status", help="replay the hook's items with this status (e.g. failed)")
    replay.add_argument("--since", help="only items received since (ISO 8601 or an age: 30m, 2h, 3d)")
    replay.add_argument("--limit", type=int, help="at most this many (default 100)")
    replay.add_argument("--scenario", help="deliver to this scenario instead (this replay only)")
    replay.set_defaults(handler=cmd_replay)

    dlq = commands.add_parser("dlq", help="dead-letter queues: show depth, --redrive to move back",
                              parents=[common])
    dlq.add_argument("--redrive", action="store_true", help="move every dead-lettered message back")
    dlq.set_defaults(handler=cmd_dlq)

    send = commands.add_parser("send", help="send a test request to a webhook", parents=[common])
    send.add_argument("hook")
    send.add_argument("--json-body", "--body-json", dest="json_body", help="a JSON body")
    send.add_argument("--data", "-d", action="append", help="form field name=value (repeatable)")
    send.add_argument("--file", "-f", action="append", help="attach a file (multipart/form-data)")
    send.add_argument("--body", help="a raw body (no Content-Type unless --header sets one)")
    send.add_argument("--header", "-H", action="append", help="'Name: value' (repeatable)")
    send.add_argument("--query", "-q", action="append", help="query parameter name=value (repeatable)")
    send.add_argument("--method", "-X", choices=["GET", "POST", "PUT", "PATCH", "DELETE"])
    send.set_defaults(handler=cmd_send)

    logs = commands.add_parser("logs", help="a hook's log, newest first", parents=[common])
    logs.add_argument("hook")
    logs.add_argument("item", nargs="?", help="show one entry in full")
    logs.add_argument("--limit", type=int, default=20)
    logs.add_argument("--status", help="only entries with this status")
    logs.set_defaults(handler=cmd_logs)
    cli_webhooks.add_commands(commands, common, _print)

    from inlet.deploy.cli import add_commands
    add_commands(commands, common)
    return parser


def _queue_flags(parser: argparse.ArgumentParser) -> None:
    trigger = parser.add_mutually_exclusive_group()
    trigger.add_argument("--every", type=duration_seconds, help="interval trigger: 15m, 2h, 1d (items wait)")
    trigger.add_argument("--cron", help="interval trigger: a 5-field cron expression, UTC")
    parser.add_argument("--max-per-run", type=int, help="items released per run (default 10)")
    parser.add_argument("--queue-limit", type=int, help="most undelivered items kept (default 10000)")
    parser.add_argument("--order-by", help="lane key of a sequential hook: $.json.path, header:NAME or sender")
    parser.add_argument("--on-failure", choices=["continue", "halt"],
                        help="a failed item of a lane: set it aside (continue) or stop the lane (halt)")


def _rewrite(argv: list[str]) -> list[str]:
    """`inlet logs replay ...` is the `logs-replay` command."""
    index = 0
    while index < len(argv):
        word = argv[index]
        if word == "--api-url":
            index += 2
            continue
        if not word.startswith("-"):
            if word == "logs" and argv[index + 1:index + 2] == ["replay"]:
                return argv[:index] + ["logs-replay"] + argv[index + 2:]
            break
        index += 1
    return argv


def main(argv: list[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    try:
        args = build_parser().parse_args(_rewrite(words))
    except SystemExit as stop:
        # argparse has written its usage error to stderr; with --json stdout still gets one document.
        if stop.code not in (0, None) and "--json" in words:
            print(json.dumps({"error": {"error": "usage", "message": "invalid arguments (see stderr)"},
                              "status": 0}))
        raise
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `inlet … | head` ends quietly
    try:
        api = ApiClient(args.api_url)
        args.handler(api, args)
    except ApiError as error:
        if args.json:
            print(json.dumps({"error": error.body, "status": error.status}, ensure_ascii=False))
        else:
            print(f"inlet: {error}", file=sys.stderr)
        return 1
    except (OSError, ValueError) as error:  # a file that is not there, a URL that is not one
        message = f"{type(error).__name__}: {error}" if not isinstance(error, OSError) else str(error)
        if args.json:
            print(json.dumps({"error": {"error": "cli_error", "message": message}, "status": 0}))
        else:
            print(f"inlet: {message}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
