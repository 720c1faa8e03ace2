"""The local provider: master keys in a PKCS#12 key store, as kms-bridge ``LocalKms`` keeps them.

One AES-256 secret-key entry per master key version, alias ``name#version``. DEKs (and KEKs) are
wrapped with AES-256-GCM (``nonce(12) || ct || tag``), associated data
``"pipeseal/local/wrap/v1" || writeUTF("local") || writeUTF(name) || int32(version)``.

``cryptography``'s PKCS#12 loader verifies the password (the MAC) but skips secret-key bags, so
the secret bags are read here with a small DER reader and decrypted with ``cryptography``'s
PBKDF2-HMAC and AES-CBC (PBES2, as the JDK writes them).
"""

from __future__ import annotations

import os
import re
import struct
import threading
from typing import Any, Union

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
from cryptography.hazmat.primitives.serialization import pkcs12

from ..errors import InvalidWrappedKeyError, KmsConfigError, UnknownKeyError
from ..keys import WrappedKey, java_utf
from . import _der

PROVIDER_ID = "local"
ALGORITHM = "AES256-GCM"
AAD_LABEL = b"pipeseal/local/wrap/v1"
_ALIAS = re.compile(r"(.+)#([1-9][0-9]{0,8})")

_OID_DATA = "1.2.840.113549.1.7.1"
_OID_SECRET_BAG = "1.2.840.113549.1.12.10.1.5"
_OID_SHROUDED = "1.2.840.113549.1.12.10.1.2"
_OID_FRIENDLY = "1.2.840.113549.1.9.20"
_OID_PBES2 = "1.2.840.113549.1.5.13"
_OID_PBKDF2 = "1.2.840.113549.1.5.12"
_PRFS = {"1.2.840.113549.2.7": hashes.SHA1, "1.2.840.113549.2.9": hashes.SHA256,
         "1.2.840.113549.2.10": hashes.SHA384, "1.2.840.113549.2.11": hashes.SHA512}
_AES_CBC = {"2.16.840.1.101.3.4.1.2": 16, "2.16.840.1.101.3.4.1.22": 24,
            "2.16.840.1.101.3.4.1.42": 32}


def local_aad(name: str, version: int) -> bytes:
    return AAD_LABEL + java_utf(PROVIDER_ID) + java_utf(name) + struct.pack(">i", version)


def _pbes2_decrypt(alg: _der.Tlv, ciphertext: bytes, password: bytes) -> bytes:
    oid, params = alg.children()[0].oid(), alg.children()[1]
    if oid != _OID_PBES2:
        raise KmsConfigError(PROVIDER_ID, None, f"unsupported key protection algorithm {oid}")
    kdf, scheme = params.children()
    kdf_oid, kdf_params = kdf.children()
    if kdf_oid.oid() != _OID_PBKDF2:
        raise KmsConfigError(PROVIDER_ID, None, "unsupported PBES2 key derivation")
    kp = kdf_params.children()
    salt, iterations = kp[0].value, kp[1].integer()
    prf: Any = hashes.SHA1
    for extra in kp[2:]:
        if extra.tag == 0x30:
            prf_oid = extra.children()[0].oid()
            if prf_oid not in _PRFS:
                raise KmsConfigError(PROVIDER_ID, None, f"unsupported PBKDF2 PRF {prf_oid}")
            prf = _PRFS[prf_oid]
    enc_oid, iv = scheme.children()
    key_len = _AES_CBC.get(enc_oid.oid())
    if key_len is None:
        raise KmsConfigError(PROVIDER_ID, None, f"unsupported PBES2 cipher {enc_oid.oid()}")
    key = PBKDF2HMAC(algorithm=prf(), length=key_len, salt=salt,
                     iterations=iterations).derive(password)
    dec = Cipher(algorithms.AES(key), modes.CBC(iv.value)).decryptor()
    padded = dec.update(ciphertext) + dec.finalize()
    unpad = padding.PKCS7(128).unpadder()
    return unpad.update(padded) + unpad.finalize()


def read_secret_keys(data: bytes, password: str) -> dict[str, bytes]:
    """Alias -> raw secret key of every secret-key entry in a JDK PKCS#12 key store.

    Raises :class:`KmsConfigError` on a wrong password or damaged file (never echoing either).
    """
    pw = password.encode("utf-8")
    try:
        pkcs12.load_pkcs12(data, pw)  # verifies the MAC, i.e. the password
    except ValueError:
        raise KmsConfigError(PROVIDER_ID, None,
                             "key store could not be opened (wrong password or damaged file)"
                             ) from None
    out: dict[str, bytes] = {}
    try:
        pfx = _der.parse(data)
        auth_safe = pfx.children()[1]
        if auth_safe.children()[0].oid() != _OID_DATA:
            raise KmsConfigError(PROVIDER_ID, None, "unsupported PKCS#12 (public-key integrity)")
        safes = _der.parse(auth_safe.children()[1].children()[0].value)
        for ci in safes.children():
            ct_oid = ci.children()[0].oid()
            if ct_oid != _OID_DATA:
                continue  # encrypted certificate bags: no secret keys in there
            contents = _der.parse(ci.children()[1].children()[0].value)
            for bag in contents.children():
                parts = bag.children()
                if parts[0].oid() != _OID_SECRET_BAG:
                    continue
                alias = None
                if len(parts) > 2:
                    for attr in parts[2].children():
                        a = attr.children()
                        if a[0].oid() == _OID_FRIENDLY:
                            alias = a[1].children()[0].value.decode("utf-16-be")
                secret_bag = parts[1].children()[0]
                type_id, value = secret_bag.children()
                if type_id.oid() != _OID_SHROUDED or alias is None:
                    continue
                epki = _der.parse(value.children()[0].value)
                alg, enc = epki.children()
                pki = _der.parse(_pbes2_decrypt(alg, enc.value, pw))
                key = pki.children()[2].value
                out[alias] = key
    except (_der.DerError, IndexError, ValueError) as e:
        if isinstance(e, KmsConfigError):
            raise
        raise KmsConfigError(PROVIDER_ID, None,
                             f"key store could not be parsed ({type(e).__name__})") from None
    return out


class LocalKms:
    """Reads a ``local:`` key store. Reloads the file when it changes (new master key versions)."""

    provider_id = PROVIDER_ID

    def __init__(self, path: Union[str, os.PathLike[str]], password: str) -> None:
        self.path = os.fspath(path)
        self._password = password
        self._lock = threading.Lock()
        self._identity: tuple[int, int, int] | None = None
        self._keys: dict[str, dict[int, AESGCM]] = {}
        self.unwraps = 0
        self._load()

    def __repr__(self) -> str:
        return f"LocalKms({self.path!r})"

    def _load(self) -> None:
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            raise KmsConfigError(PROVIDER_ID, None, f"key store {self.path} does not exist"
                                 ) from None
        ident = (st.st_ino, st.st_mtime_ns, st.st_size)
        with self._lock:
            if ident == self._identity:
                return
            with open(self.path, "rb") as f:
                data = f.read()
            try:
                secrets = read_secret_keys(data, self._password)
            except KmsConfigError as e:
                raise KmsConfigError(PROVIDER_ID, None, f"key store {self.path}: "
                                     + str(e).split("] ", 1)[-1]) from None
            keys: dict[str, dict[int, AESGCM]] = {}
            for alias, key in secrets.items():
                m = _ALIAS.fullmatch(alias)
                if not m or len(key) != 32:
                    continue
                keys.setdefault(m.group(1), {})[int(m.group(2))] = AESGCM(key)
            self._keys = keys
            self._identity = ident

    def master_keys(self) -> dict[str, list[int]]:
        """Master key names and their versions (no key material)."""
        self._load()
        return {k: sorted(v) for k, v in self._keys.items()}

    def _version(self, name: str, version: int) -> AESGCM:
        self._load()
        versions = self._keys.get(name)
        if versions is None:
            raise UnknownKeyError(PROVIDER_ID, name, f"no such master key in {self.path}")
        gcm = versions.get(version)
        if gcm is None:
            raise UnknownKeyError(PROVIDER_ID, name,
                                  f"master key version {version} does not exist in {self.path}")
        return gcm

    def unwrap(self, wrapped: WrappedKey) -> bytes:
        name = wrapped.master_key
        if wrapped.provider != PROVIDER_ID:
            raise InvalidWrappedKeyError(PROVIDER_ID, name,
                                         f"key was wrapped by provider '{wrapped.provider}'")
        if wrapped.algorithm != ALGORITHM:
            raise InvalidWrappedKeyError(PROVIDER_ID, name,
                                         f"unsupported wrapping algorithm '{wrapped.algorithm}'")
        try:
            version = int(wrapped.master_key_version)
            if version <= 0:
                raise ValueError
        except ValueError:
            raise UnknownKeyError(PROVIDER_ID, name, f"master key version"
                                  f" '{wrapped.master_key_version}' does not exist") from None
        gcm = self._version(name, version)
        b = wrapped.wrapped
        if len(b) < 28:
            raise InvalidWrappedKeyError(PROVIDER_ID, name, f"version {version}: wrapped key is"
                                         " truncated")
        self.unwraps += 1
        try:
            dek = gcm.decrypt(b[:12], b[12:], local_aad(name, version))
        except InvalidTag:
            raise InvalidWrappedKeyError(
                PROVIDER_ID, name, f"version {version}: authentication failed: wrapped key was"
                " tampered with, relabelled, or wrapped by another key store") from None
        if len(dek) != 32:
            raise InvalidWrappedKeyError(PROVIDER_ID, name, f"version {version}: unwrapped key"
                                         " is not 32 bytes")
        return dek

    def wrap(self, name: str, dek: bytes, version: int | None = None) -> WrappedKey:
        """Wraps ``dek`` under the current (or given) version of master key ``name``."""
        self._load()
        if version is None:
            if name not in self._keys:
                raise UnknownKeyError(PROVIDER_ID, name, f"no such master key in {self.path}")
            version = max(self._keys[name])
        gcm = self._version(name, version)
        nonce = os.urandom(12)
        return WrappedKey(PROVIDER_ID, name, str(version), ALGORITHM,
                          nonce + gcm.encrypt(nonce, dek, local_aad(name, version)))


def wrap_local(kms: LocalKms, name: str, dek: bytes) -> WrappedKey:
    return kms.wrap(name, dek)
