"""Opening providers from the same URIs as ``pipeseal.kms.uri`` (``docs/kms-bridge-config.md``)."""

from __future__ import annotations

import os
import urllib.parse
from typing import Any

from ..errors import KmsConfigError


def resolve_secret(ref: str) -> str:
    """``file:/path`` (content, trailing newline stripped), ``env:NAME``, else the literal."""
    if ref.startswith("file:"):
        path = ref[5:]
        if path.startswith("//"):
            path = urllib.parse.urlsplit(ref).path
        try:
            with open(path, encoding="utf-8") as f:
                return f.read().rstrip("\r\n")
        except OSError as e:
            raise KmsConfigError(None, None, f"secret file {path} cannot be read:"
                                 f" {type(e).__name__}") from None
    if ref.startswith("env:"):
        v = os.environ.get(ref[4:])
        if v is None:
            raise KmsConfigError(None, None, f"environment variable {ref[4:]} is not set")
        return v
    return ref


def open_kms(uri: str, password: str | None = None, **options: Any) -> Any:
    """A provider for ``local:///path/keys.p12``, ``kms://http@host:port/kms`` or
    ``hybrid:...`` (with ``private_keys=`` the recipient key store).

    ``password`` may be a literal or a ``file:``/``env:`` reference (local provider).
    """
    if uri.startswith("local:"):
        from .local import LocalKms

        path = urllib.parse.urlsplit(uri).path if uri.startswith("local://") else uri[6:]
        if password is None:
            raise KmsConfigError("local", None, "the local provider needs a password")
        return LocalKms(path, resolve_secret(password))
    if uri.startswith("kms://"):
        from .hadoop import HadoopKms

        return HadoopKms(uri, **options)
    if uri.startswith("hybrid:"):
        from .hybrid import HybridKms

        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(uri).query))
        keys = options.get("private_keys") or query.get("private-keys")
        if not keys or password is None:
            raise KmsConfigError("hybrid", None, "reading needs private_keys= (the recipient"
                                 " PKCS#12 store) and its password")
        return HybridKms.open(keys, resolve_secret(password))
    scheme = uri.split(":", 1)[0]
    raise KmsConfigError(scheme, None, f"provider '{scheme}:' is not supported by the Python"
                         " reader (supported: local:, kms://, hybrid:)")
