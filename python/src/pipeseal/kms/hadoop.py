"""The Hadoop KMS provider over REST (``HADOOP-EEK-AES-CTR`` wrapped keys).

Unwrap = ``POST <base>/v1/keyversion/<version>/_eek?eek_op=decrypt`` with the EEK's IV and
material; the KMS checks its ACLs (``DECRYPT_EEK``) and returns the DEK. Readers need only
decrypt rights. Simple (pseudo) authentication sends ``user.name``; Kerberos/SPNEGO is not
implemented here (pass an ``opener`` with your own handlers, or a delegation-token query).
"""

from __future__ import annotations

import base64
import json
import struct
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from ..errors import (
    AccessDeniedError,
    InvalidWrappedKeyError,
    KmsError,
    KmsUnavailableError,
    UnknownKeyError,
)
from ..keys import WrappedKey

PROVIDER_ID = "hadoop-kms"
ALGORITHM = "HADOOP-EEK-AES-CTR"


def decode_eek(wrapped: WrappedKey) -> tuple[bytes, bytes]:
    name = wrapped.master_key
    b = wrapped.wrapped
    if wrapped.provider != PROVIDER_ID:
        raise InvalidWrappedKeyError(PROVIDER_ID, name, f"wrapped by provider '{wrapped.provider}'")
    if wrapped.algorithm != ALGORITHM:
        raise InvalidWrappedKeyError(PROVIDER_ID, name,
                                     f"unsupported algorithm '{wrapped.algorithm}'")
    if not wrapped.master_key_version.startswith(name + "@"):
        raise InvalidWrappedKeyError(PROVIDER_ID, name, f"key version"
                                     f" '{wrapped.master_key_version}' does not belong to this key")
    if len(b) < 2 or b[0] != 1 or b[1] != 16 or len(b) < 20:
        raise InvalidWrappedKeyError(PROVIDER_ID, name, "malformed EEK bytes")
    iv = b[2:18]
    m = struct.unpack(">H", b[18:20])[0]
    if m != 32 or len(b) != 20 + m:
        raise InvalidWrappedKeyError(PROVIDER_ID, name, "malformed EEK bytes (length)")
    return iv, b[20:]


def kms_base_url(uri: str) -> str:
    """``kms://http@host:9600/kms`` -> ``http://host:9600/kms``."""
    p = urllib.parse.urlsplit(uri)
    if p.scheme != "kms" or "@" not in p.netloc:
        raise ValueError(f"not a Hadoop KMS URI: {uri}")
    proto, host = p.netloc.split("@", 1)
    if ";" in host:
        host = host.split(";")[0]  # several hosts: the first (no load balancing here)
    return f"{proto}://{host}{p.path.rstrip('/')}"


class HadoopKms:
    """Hadoop KMS REST client for unwrapping (decrypt EEK)."""

    provider_id = PROVIDER_ID

    def __init__(self, uri: str, user: str | None = None, timeout: float = 10.0,
                 opener: Any = None) -> None:
        self.base = kms_base_url(uri) if uri.startswith("kms://") else uri.rstrip("/")
        self.user = user
        self.timeout = timeout
        self._opener = opener or urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
        self.calls = 0

    def __repr__(self) -> str:
        return f"HadoopKms({self.base!r})"

    def unwrap(self, wrapped: WrappedKey) -> bytes:
        name = wrapped.master_key
        iv, material = decode_eek(wrapped)
        query = {"eek_op": "decrypt"}
        if self.user:
            query["user.name"] = self.user
        url = (f"{self.base}/v1/keyversion/"
               f"{urllib.parse.quote(wrapped.master_key_version, safe='')}/_eek?"
               + urllib.parse.urlencode(query))
        body = json.dumps({"name": name, "iv": base64.b64encode(iv).decode(),
                           "material": base64.b64encode(material).decode()}).encode()
        req = urllib.request.Request(url, data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
        self.calls += 1
        try:
            with self._opener.open(req, timeout=self.timeout) as resp:
                payload = json.loads(resp.read().decode("utf-8"))
        except urllib.error.HTTPError as e:
            code = e.code
            if code in (401, 403):
                raise AccessDeniedError(PROVIDER_ID, name,
                                        f"KMS refused decrypt of version"
                                        f" {wrapped.master_key_version} (HTTP {code})") from None
            if code == 404:
                raise UnknownKeyError(PROVIDER_ID, name, f"key version"
                                      f" {wrapped.master_key_version} not found (HTTP 404)"
                                      ) from None
            if code == 400:
                raise InvalidWrappedKeyError(PROVIDER_ID, name, "KMS rejected the EEK (HTTP 400)"
                                             ) from None
            raise KmsUnavailableError(PROVIDER_ID, name, f"KMS error HTTP {code}") from None
        except (urllib.error.URLError, OSError, TimeoutError) as e:
            reason = getattr(e, "reason", e)
            raise KmsUnavailableError(PROVIDER_ID, name, f"KMS {self.base} unreachable:"
                                      f" {type(reason).__name__}") from None
        except ValueError:
            raise KmsError(PROVIDER_ID, name, "KMS returned a malformed response") from None
        m = payload.get("material") if isinstance(payload, dict) else None
        if not isinstance(m, str):
            raise KmsError(PROVIDER_ID, name, "KMS response has no key material")
        try:
            key = base64.urlsafe_b64decode(m.replace("+", "-").replace("/", "_")
                                           + "=" * (-len(m) % 4))
        except ValueError:
            raise KmsError(PROVIDER_ID, name, "KMS returned malformed key material") from None
        if len(key) != 32:
            raise KmsError(PROVIDER_ID, name, "KMS returned a key that is not 32 bytes")
        return key
