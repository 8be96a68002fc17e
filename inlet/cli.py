"""`inlet`: manage hooks, send test requests and read logs through the management API.

Every command takes `--json` and then prints exactly one JSON document.
"""
from __future__ import annotations

import argparse
import json
import mimetypes
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
    return f"{hook['name']:<20} {hook['id']:<16} {hook['processing']:<10} {hook['state']:<7} {hook['scenario']:<28} {where}"


def cmd_hooks_create(api: ApiClient, args: argparse.Namespace) -> None:
    body: dict[str, Any] = {"name": args.name, "scenario": args.scenario}
    if args.mail:
        body["channel"] = "mail"
    if args.sequential:
        body["processing"] = "sequential"
    for key in ("max_attempts", "retention_days", "max_body_bytes"):
        if getattr(args, key) is not None:
            body[key] = getattr(args, key)
    options = cli_webhooks.options_from_args(args, {})
    if options is not None:
        body["options"] = options
    hook = api.call("POST", "/hooks", body)
    _print(args, hook, f"created {hook['name']} ({hook['id']})\n  {'address' if args.mail else 'url'}: "
                       f"{hook.get('address') or hook.get('url')}\n  signing secret: {hook['signing_secret']}")


def cmd_hooks_list(api: ApiClient, args: argparse.Namespace) -> None:
    hooks = api.call("GET", "/hooks")
    lines = [f"{'NAME':<20} {'ID':<16} {'PROCESS':<10} {'STATE':<7} {'SCENARIO':<28} URL/ADDRESS"]
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
    for key in ("max_attempts", "retention_days", "max_body_bytes"):
        if getattr(args, key) is not None:
            changes[key] = getattr(args, key)
    if cli_webhooks.options_from_args(args, {}) is not None:
        current = api.call("GET", api.hook_path(args.hook)).get("options") or {}
        changes["options"] = cli_webhooks.options_from_args(args, current)
    hook = api.call("PATCH", api.hook_path(args.hook), changes)
    _print(args, hook, f"updated {hook['name']}")


def cmd_hooks_rotate(api: ApiClient, args: argparse.Namespace) -> None:
    hook = api.call("POST", api.hook_path(args.hook) + "/rotate", {})
    _print(args, hook, f"new {'address' if hook.get('address') else 'url'}: {hook.get('address') or hook.get('url')}")


def cmd_hooks_delete(api: ApiClient, args: argparse.Namespace) -> None:
    result = api.call("DELETE", api.hook_path(args.hook))
    _print(args, result, f"deleted {result['deleted']}")


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
    create.set_defaults(handler=cmd_hooks_create)
    hook_commands.add_parser("list", help="list hooks", parents=[common]).set_defaults(handler=cmd_hooks_list)
    for name, handler, text in (("show", cmd_hooks_show, "show a hook"), ("delete", cmd_hooks_delete, "delete a hook"),
                                ("rotate", cmd_hooks_rotate, "give a hook a new URL or address")):
        sub = hook_commands.add_parser(name, help=text, parents=[common])
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
    update.set_defaults(handler=cmd_hooks_update)
    cli_webhooks.add_hook_commands(hook_commands, common, _print)

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


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    api = ApiClient(args.api_url)
    try:
        args.handler(api, args)
    except ApiError as error:
        if args.json:
            print(json.dumps({"error": error.body, "status": error.status}, ensure_ascii=False))
        else:
            print(f"inlet: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
