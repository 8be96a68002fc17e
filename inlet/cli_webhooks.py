"""The `inlet` commands and flags for webhook options, secrets and data structures:

    inlet hooks create NAME --scenario S [--guard-json J] [--include-headers] [--idempotency-header H] …
    inlet hooks update HOOK [--options-json J] [--no-include-headers] …   (merged into the hook's options)
    inlet hooks secret HOOK NAME [--value V | --delete]                     (else the value is read from stdin)
    inlet structure HOOK [--redetermine] [--set FILE] [--strict on|off] [--python]
"""
from __future__ import annotations

import argparse
import getpass
import json
import sys
import urllib.parse
from pathlib import Path
from typing import Any, Callable

from inlet.api_client import ApiClient

Printer = Callable[[argparse.Namespace, Any, str], None]
_FLAGS = ("include_headers", "include_method", "json_passthrough", "parse_json_form_fields", "parse_xml")


def add_option_flags(parser: argparse.ArgumentParser) -> None:
    """Flags that set a webhook's options (see README, "Webhook requests")."""
    group = parser.add_argument_group("webhook options")
    group.add_argument("--options-json", help="options as one JSON object (merged over the current ones)")
    group.add_argument("--guard-json", help='guards as JSON, e.g. {"signature": {"preset": "github", '
                                            '"secret_names": ["gh"]}}')
    group.add_argument("--handshakes-json", help='handshakes as JSON, e.g. {"sns_confirm": true}')
    group.add_argument("--response-json", help='static answer, e.g. {"status": 202, "body": "ok"}')
    for flag in _FLAGS:
        group.add_argument("--" + flag.replace("_", "-"), action=argparse.BooleanOptionalAction, default=None)
    key = group.add_mutually_exclusive_group()
    key.add_argument("--idempotency-header", help="header holding an idempotency key (e.g. X-GitHub-Delivery)")
    key.add_argument("--idempotency-pointer", help="JSON Pointer to an idempotency key in the item (e.g. /id)")


def _json_arg(flag: str, text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as error:
        raise SystemExit(f"inlet: {flag} is not valid JSON: {error}")


def options_from_args(args: argparse.Namespace, current: dict[str, Any]) -> dict[str, Any] | None:
    """The options after applying the flags to `current`, or None when no flag was given."""
    options = dict(current)
    changed = False
    if getattr(args, "options_json", None) is not None:
        given = _json_arg("--options-json", args.options_json)
        if not isinstance(given, dict):
            raise SystemExit("inlet: --options-json must be a JSON object")
        options.update(given)
        changed = True
    for flag, key in (("guard_json", "guards"), ("handshakes_json", "handshakes"), ("response_json", "response")):
        if getattr(args, flag, None) is not None:
            options[key] = _json_arg("--" + flag.replace("_", "-"), getattr(args, flag))
            changed = True
    for flag in _FLAGS:
        value = getattr(args, flag, None)
        if value is not None:
            options[flag] = value
            changed = True
    if getattr(args, "idempotency_header", None):
        options["idempotency"] = {"header": args.idempotency_header}
        changed = True
    if getattr(args, "idempotency_pointer", None):
        options["idempotency"] = {"pointer": args.idempotency_pointer}
        changed = True
    return options if changed else None


# --- inlet hooks secret ---------------------------------------------------------------------


def add_hook_commands(hook_commands: Any, common: argparse.ArgumentParser, printer: Printer) -> None:
    secret = hook_commands.add_parser("secret", parents=[common],
                                      help="set or delete a hook secret (API key, signing secret, password)")
    secret.add_argument("hook")
    secret.add_argument("name", help="the secret's name, as the hook's options refer to it")
    given = secret.add_mutually_exclusive_group()
    given.add_argument("--value", help="the value (else read from stdin; avoid --value in shared shells)")
    given.add_argument("--delete", action="store_true", help="remove the secret")
    secret.set_defaults(handler=lambda api, args: _cmd_secret(api, args, printer))


def _cmd_secret(api: ApiClient, args: argparse.Namespace, printer: Printer) -> None:
    path = f"{api.hook_path(args.hook)}/secrets/{urllib.parse.quote(args.name, safe='')}"
    if args.delete:
        result = api.call("DELETE", path)
        printer(args, result, f"deleted secret {args.name}")
        return
    value = args.value
    if value is None:
        value = getpass.getpass(f"value of {args.name}: ") if sys.stdin.isatty() else sys.stdin.read()
        value = value.rstrip("\r\n")
    result = api.call("PUT", path, {"value": value})
    printer(args, result, f"secret {args.name} set (the value is never shown again)")


# --- inlet structure ------------------------------------------------------------------------


def add_commands(commands: Any, common: argparse.ArgumentParser, printer: Printer) -> None:
    structure = commands.add_parser("structure", parents=[common],
                                    help="show, set, redetermine a hook's data structure; strict on/off")
    structure.add_argument("hook")
    structure.add_argument("--set", metavar="FILE", help="set the JSON Schema from a file ('-': stdin)")
    structure.add_argument("--strict", choices=["on", "off"], help="refuse requests that do not fit (400)")
    structure.add_argument("--redetermine", action="store_true", help="the next item replaces the structure")
    structure.add_argument("--python", action="store_true", help="print a TypedDict for a Python scenario")
    structure.set_defaults(handler=lambda api, args: _cmd_structure(api, args, printer))


def _cmd_structure(api: ApiClient, args: argparse.Namespace, printer: Printer) -> None:
    path = api.hook_path(args.hook) + "/structure"
    if args.set:
        text = sys.stdin.read() if args.set == "-" else Path(args.set).read_text(encoding="utf-8")
        schema = _json_arg("--set", text)
        api.call("PUT", path, {"schema": schema})
    if args.strict:
        api.call("POST", path + "/strict", {"strict": args.strict == "on"})
    if args.redetermine:
        api.call("POST", path + "/redetermine", {})
    shown = api.call("GET", path, query={"format": "python"} if args.python else None)
    if args.python:
        printer(args, shown, shown.get("python") or "# no structure yet: send an item first")
        return
    lines = [f"{shown['name']}: version {shown['version']}, strict {'on' if shown['strict'] else 'off'}"
             + (", redetermined by the next item" if shown["redetermine"] else "")]
    if shown["schema"] is None:
        lines.append("no structure yet: the first item determines it")
    else:
        lines.append("fields: " + ", ".join(json.dumps(f, ensure_ascii=False) for f in shown["fields"]))
        if shown["drift"]:
            lines.append("type drift at: " + ", ".join(shown["drift"]))
        lines.append(json.dumps(shown["schema"], indent=2, ensure_ascii=False))
    printer(args, shown, "\n".join(lines))
