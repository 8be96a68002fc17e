"""Secret store on SSM Parameter Store: one SecureString per secret, encrypted with the
account's `aws/ssm` KMS key, named `<prefix>/hooks/<hook id>/<secret name>`.

A hook's secrets are read together (`GetParametersByPath`, decrypted), so the ingest makes
one call per hook per cache period. Values never appear in an error message or a log line.
"""
from __future__ import annotations

import builtins
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.adapters.aws import error_code, translated
from chalicelib.errors import Transient


class SsmSecretStore:
    def __init__(self, ssm: Any, prefix: str = "/inlet") -> None:
        self._ssm = ssm
        self._prefix = "/" + prefix.strip("/")

    def _path(self, hook_id: str) -> str:
        return f"{self._prefix}/hooks/{hook_id}"

    def _parameters(self, hook_id: str, decrypt: bool) -> builtins.list[dict[str, Any]]:
        found: builtins.list[dict[str, Any]] = []
        paginator = self._ssm.get_paginator("get_parameters_by_path")
        for page in paginator.paginate(Path=self._path(hook_id), Recursive=False, WithDecryption=decrypt):
            found.extend(page.get("Parameters", []))
        return found

    @translated
    def get_all(self, hook_id: str) -> dict[str, str]:
        return {p["Name"].rsplit("/", 1)[1]: p["Value"] for p in self._parameters(hook_id, True)}

    @translated
    def names(self, hook_id: str) -> builtins.list[str]:
        return sorted(p["Name"].rsplit("/", 1)[1] for p in self._parameters(hook_id, False))

    def put(self, hook_id: str, name: str, value: str) -> None:
        # The error is reported by its code alone: a validation message could echo the value.
        try:
            self._ssm.put_parameter(Name=f"{self._path(hook_id)}/{name}", Value=value, Type="SecureString",
                                    Overwrite=True, Description="Inlet hook secret")
        except ClientError as error:
            raise Transient(f"AWS error {error_code(error)} storing secret {name!r}") from None
        except (BotoCoreError, ValueError, TypeError) as error:
            raise Transient(f"could not store secret {name!r} ({type(error).__name__})") from None

    @translated
    def delete(self, hook_id: str, name: str) -> bool:
        try:
            self._ssm.delete_parameter(Name=f"{self._path(hook_id)}/{name}")
        except self._ssm.exceptions.ParameterNotFound:
            return False
        return True
