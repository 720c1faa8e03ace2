"""Typed errors. Messages name the context, column, key or file, never key bytes or plaintext."""

from __future__ import annotations


class PipesealError(Exception):
    """Base class of every error this package raises on purpose."""


class PipesealCryptoError(PipesealError):
    """An envelope could not be decrypted (mirrors Java ``PipesealCryptoException``)."""


class UnsupportedEnvelopeVersionError(PipesealCryptoError):
    """Byte 0 of an envelope is neither ``0x01`` nor ``0x02``."""


class UnknownAlgorithmError(PipesealCryptoError):
    """Unknown algorithm id."""


class UnknownKeyReferenceKindError(PipesealCryptoError):
    """Unknown key reference kind."""


class TruncatedCiphertextError(PipesealCryptoError):
    """The input ends inside the header, nonce or a tag."""


class MalformedEnvelopeError(PipesealCryptoError):
    """Non-canonical varint, impossible segmentation, bad segment size."""


class AuthenticationFailedError(PipesealCryptoError):
    """Tag or SIV mismatch: tampering, wrong key, wrong context or swapped key reference."""


class TypeMismatchError(PipesealCryptoError):
    """The typed-value tag names another type than the one asked for."""


class KmsError(PipesealError):
    """A KMS operation failed (mirrors Java ``KmsException``)."""

    def __init__(self, provider: str | None, master_key: str | None, message: str) -> None:
        self.provider = provider
        self.master_key = master_key
        where = f"[{provider or '?'} key '{master_key}'] " if master_key else f"[{provider or '?'}] "
        super().__init__(where + message)


class KmsConfigError(KmsError):
    """Bad KMS configuration: missing key store, wrong password, bad URI."""


class UnknownKeyError(KmsError):
    """The master key, its version or a registry key id does not exist."""


class InvalidWrappedKeyError(KmsError):
    """A wrapped key does not parse or fails authentication under its master key or KEK."""


class KmsUnavailableError(KmsError):
    """The KMS cannot be reached (connection refused, timeout, server error)."""


class AccessDeniedError(KmsError):
    """The KMS refused the caller (HTTP 401/403)."""


class RegistryError(PipesealError):
    """Key registry failure."""


class CorruptRecordError(RegistryError):
    """A registry record does not parse or contradicts its path."""


class ParquetKeyError(PipesealError):
    """A Parquet wrapped-key string or key material is invalid."""


class TableBindingError(PipesealError):
    """A Parquet file's AAD prefix names another table than the one being read."""


class ValueDecryptionError(PipesealError):
    """A cell of a column failed to decrypt; names the column, row, context and key reference.

    The cause (``__cause__``) is the precise typed error.
    """

    def __init__(self, message: str, *, column: str | None = None, row: int | None = None,
                 context: str | None = None) -> None:
        self.column = column
        self.row = row
        self.context = context
        super().__init__(message)
