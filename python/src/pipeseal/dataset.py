"""Reading an encrypted lake for training: PME columns and Pipeseal cells decrypted in one pass."""

from __future__ import annotations

from typing import Any, Iterator, Mapping, Sequence, Tuple, Union

import numpy as np
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.fs as pafs
import pyarrow.parquet.encryption as pe

from . import parquet as _pq
from . import values
from .errors import PipesealError, ValueDecryptionError
from .keys import KeyRegistry, Kms
from .reader import Pipeseal, spark_context

CellSpec = Union[str, None, Tuple[Union[str, None], str]]
"""A cell column's type (``'string'``, ``'array<float>'``, ``'auto'``, ``None`` = raw bytes),
optionally with an explicit context: ``('int', 'sales.users.age')``."""


def _client(kms: Any, registry: Any, filesystem: Any) -> Pipeseal:
    if isinstance(kms, Pipeseal):
        return kms
    if kms is None:
        raise ValueError("read_dataset needs kms= (a provider, a list of them, or a Pipeseal)")
    return Pipeseal(kms, registry, filesystem)


def _fs_and_path(path: str, filesystem: Any) -> tuple[Any, str]:
    if filesystem is not None:
        return filesystem, path
    if "://" in path:
        return pafs.FileSystem.from_uri(path)
    return pafs.LocalFileSystem(), path


def open_dataset(path: str, client: Pipeseal, filesystem: Any = None,
                 table: str | None = "auto", partitioning: Any = "hive") -> ds.Dataset:
    """A ``pyarrow.dataset`` over a PME lake, decrypting with ``client``'s keys.

    ``table``: the table id every encrypted file's AAD prefix must name (``'auto'``: the path
    without Hive partition directories, as ``PipesealCryptoFactory`` binds it; ``None``: no check).
    """
    fs, root = _fs_and_path(path, filesystem)
    factory = _pq.crypto_factory(client.keyring)
    dconf = ds.ParquetDecryptionConfig(factory, _pq.kms_connection_config(),
                                       pe.DecryptionConfiguration(cache_lifetime=600))
    fmt = ds.ParquetFileFormat(
        default_fragment_scan_options=ds.ParquetFragmentScanOptions(decryption_config=dconf))
    dataset = ds.dataset(root, format=fmt, filesystem=fs, partitioning=partitioning)
    if table is not None:
        expected = _pq.auto_table_id(root) if table == "auto" else table
        for f in dataset.files:
            _pq.verify_table(f, expected, fs)
    return dataset


def decrypt_cells(batch: pa.RecordBatch | pa.Table, client: Pipeseal,
                  cells: Mapping[str, CellSpec]) -> pa.Table:
    """Replaces each cell column of ``batch`` by its decrypted values."""
    table = batch if isinstance(batch, pa.Table) else pa.Table.from_batches([batch])
    for name, spec in cells.items():
        if name not in table.column_names:
            continue
        type_name, context = (spec if isinstance(spec, tuple) else (spec, spark_context(name)))
        col = table.column(name)
        if type_name == "auto":
            type_name = _detect_type(client, col, context, name)
        chunks = [client.decrypt_array(c, context, type_name, column=name,
                                       typed=type_name is not None)
                  for c in col.chunks]
        if not chunks:
            continue
        arr = pa.chunked_array(chunks) if len(chunks) > 1 else chunks[0]
        idx = table.column_names.index(name)
        table = table.set_column(idx, pa.field(name, arr.type), arr)
    return table


def _detect_type(client: Pipeseal, col: pa.ChunkedArray, context: str, name: str) -> str | None:
    for chunk in col.chunks:
        for v in chunk:
            if v.is_valid:
                try:
                    pt = client.decrypt_bytes(v.as_py(), context)
                except PipesealError as e:
                    raise ValueDecryptionError(f"decrypt failed for column '{name}' (context"
                                               f" '{context}'): {type(e).__name__}: {e}",
                                               column=name, context=context) from e
                return values.type_of(pt)
    return "binary"


def to_fixed_size(arr: pa.Array | pa.ChunkedArray) -> pa.Array:
    """``list<float>`` with equal lengths -> ``fixed_size_list`` without copying the values."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks() if arr.num_chunks != 1 else arr.chunk(0)
    if pa.types.is_fixed_size_list(arr.type):
        return arr
    if not (pa.types.is_list(arr.type) or pa.types.is_large_list(arr.type)):
        raise TypeError(f"not a list column: {arr.type}")
    if arr.null_count:
        raise ValueError("a fixed-size embedding column cannot hold nulls")
    offsets = np.asarray(arr.offsets)
    lengths = np.diff(offsets)
    if len(lengths) and not (lengths == lengths[0]).all():
        raise ValueError("embeddings have different lengths")
    dim = int(lengths[0]) if len(lengths) else 0
    flat = arr.values.slice(int(offsets[0]), int(offsets[-1] - offsets[0])) if len(offsets) else \
        arr.values
    return pa.FixedSizeListArray.from_arrays(flat, dim)


def embeddings_to_numpy(arr: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """A ``(rows, dim)`` numpy view of a fixed-size (or equal-length list) float column."""
    fixed = to_fixed_size(arr)
    dim = fixed.type.list_size
    flat = fixed.values.slice(fixed.offset * dim, len(fixed) * dim)
    return flat.to_numpy(zero_copy_only=True).reshape(len(fixed), dim)


def _finish(table: pa.Table, client: Pipeseal, cells: Mapping[str, CellSpec],
            embeddings: Sequence[str]) -> pa.Table:
    table = decrypt_cells(table, client, cells)
    for name in embeddings:
        if name in table.column_names:
            idx = table.column_names.index(name)
            arr = to_fixed_size(table.column(name))
            table = table.set_column(idx, pa.field(name, arr.type), arr)
    return table


def read_dataset(path: str, kms: Any = None, *, registry: str | KeyRegistry | None = None,
                 columns: Sequence[str] | None = None,
                 cells: Mapping[str, CellSpec] | None = None,
                 embeddings: Sequence[str] = (), table: str | None = "auto",
                 filesystem: Any = None, filter: Any = None) -> pa.Table:
    """Reads a lake (a directory of PME Parquet files, Hive-partitioned or not) as one table.

    - ``kms``: a provider (``LocalKms``, ``HadoopKms``), a list of them, or a :class:`Pipeseal`.
    - ``registry``: key registry root for registry-referenced cells (the Spark default).
    - ``cells``: Pipeseal cell columns and their types, e.g. ``{'ssn': 'string',
      'emb_cell': 'array<float>'}``; ``'auto'`` takes the type from the first value's tag.
    - ``embeddings``: PME list columns to return as ``fixed_size_list`` (zero-copy to numpy).
    - ``table``: table binding check (see :func:`open_dataset`).
    """
    client = _client(kms, registry, filesystem)
    dataset = open_dataset(path, client, filesystem, table)
    t = dataset.to_table(columns=list(columns) if columns else None, filter=filter)
    return _finish(t, client, cells or {}, embeddings)


def iter_batches(path: str, kms: Any = None, *, registry: str | KeyRegistry | None = None,
                 columns: Sequence[str] | None = None,
                 cells: Mapping[str, CellSpec] | None = None, embeddings: Sequence[str] = (),
                 table: str | None = "auto", filesystem: Any = None, batch_size: int = 4096,
                 files: Sequence[str] | None = None) -> Iterator[pa.Table]:
    """Streams decrypted tables of at most ``batch_size`` rows (constant memory)."""
    client = _client(kms, registry, filesystem)
    dataset = open_dataset(path, client, filesystem, table)
    if files is not None:
        wanted = set(files)
        fragments = [f for f in dataset.get_fragments() if f.path in wanted]
    else:
        fragments = list(dataset.get_fragments())
    for frag in fragments:
        for batch in frag.to_batches(columns=list(columns) if columns else None,
                                     batch_size=batch_size):
            yield _finish(pa.Table.from_batches([batch]), client, cells or {}, embeddings)


def numpy_batches(path: str, kms: Any = None, **kwargs: Any) -> Iterator[dict[str, np.ndarray]]:
    """Like :func:`iter_batches`, as ``{column: numpy array}``; embeddings are ``(n, dim)``."""
    for t in iter_batches(path, kms, **kwargs):
        out: dict[str, np.ndarray] = {}
        for name in t.column_names:
            col = t.column(name)
            if pa.types.is_fixed_size_list(col.type):
                out[name] = embeddings_to_numpy(col)
            else:
                out[name] = col.to_numpy(zero_copy_only=False)
        yield out


def torch_dataset(path: str, kms: Any = None, **kwargs: Any) -> Any:
    """A ``torch.utils.data.IterableDataset`` of decrypted batches (dicts of tensors).

    Files are split across DataLoader workers; embeddings come as ``(n, dim)`` float tensors made
    with ``torch.from_numpy`` (no copy). Needs ``torch`` (imported lazily).
    """
    import torch  # noqa: PLC0415 - optional dependency
    from torch.utils.data import IterableDataset, get_worker_info

    client = _client(kms, kwargs.pop("registry", None), kwargs.get("filesystem"))
    files = sorted(open_dataset(path, client, kwargs.get("filesystem"),
                                kwargs.get("table", "auto")).files)

    class _Lake(IterableDataset):  # type: ignore[misc]
        def __iter__(self) -> Iterator[dict[str, Any]]:
            info = get_worker_info()
            mine = files if info is None else files[info.id :: info.num_workers]
            for batch in numpy_batches(path, client, files=mine, **kwargs):
                yield {k: torch.from_numpy(v) if v.dtype != object else v
                       for k, v in batch.items()}

    return _Lake()


def hf_dataset(path: str, kms: Any = None, **kwargs: Any) -> Any:
    """A Hugging Face ``datasets.Dataset`` built with ``Dataset.from_generator`` (lazy import)."""
    import datasets  # noqa: PLC0415 - optional dependency

    client = _client(kms, kwargs.pop("registry", None), kwargs.get("filesystem"))

    def rows() -> Iterator[dict[str, Any]]:
        for t in iter_batches(path, client, **kwargs):
            yield from t.to_pylist()

    return datasets.Dataset.from_generator(rows)


_ = (Kms, Union)
