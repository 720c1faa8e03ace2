"""KMS providers: local PKCS#12 key store, Hadoop KMS (REST), and how to open them from a URI."""

from __future__ import annotations

from .hadoop import HadoopKms
from .hybrid import HybridKms, NoPrivateKeyError
from .local import LocalKms, wrap_local
from .uri import open_kms

__all__ = ["HadoopKms", "HybridKms", "LocalKms", "NoPrivateKeyError", "open_kms", "wrap_local"]
