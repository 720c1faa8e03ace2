"""Pipeseal for Python: read (and write) Pipeseal envelopes and PME Parquet files with the same
keys as the Java connectors. See ``docs/python.md``."""

from __future__ import annotations

from .dataset import (
    decrypt_cells,
    embeddings_to_numpy,
    hf_dataset,
    iter_batches,
    numpy_batches,
    open_dataset,
    read_dataset,
    to_fixed_size,
    torch_dataset,
)
from .envelope import DekCipher, Header, parse_header
from .errors import *  # noqa: F403
from .keys import KeyRegistry, KeyRing, WrappedKey
from .kms import HadoopKms, LocalKms, open_kms
from .reader import Pipeseal, decrypt_json_fields, kafka_context, spark_context

__version__ = "0.1.0"

__all__ = [
    "DekCipher", "HadoopKms", "Header", "KeyRegistry", "KeyRing", "LocalKms", "Pipeseal",
    "WrappedKey", "decrypt_cells", "decrypt_json_fields", "embeddings_to_numpy", "hf_dataset",
    "iter_batches", "kafka_context", "numpy_batches", "open_dataset", "open_kms", "parse_header",
    "read_dataset", "spark_context", "to_fixed_size", "torch_dataset",
]
