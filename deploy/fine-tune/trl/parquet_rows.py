"""Reads the trainer's parquet dataset (JURIST_DATASET_IMAGES=embedded) with the standard library.

dataset_check.py runs before a GPU host loads any library, so it cannot use pyarrow. This reads
what the trainer writes (trainer/io/dataset-parquet.ts, with hyparquet-writer): the footer's
Thrift compact FileMetaData (schema, key/value metadata; parquet_thrift.py, parquet_schema.py),
then each column chunk's pages (DATA_PAGE or DATA_PAGE_V2, PLAIN or dictionary values,
UNCOMPRESSED, SNAPPY or GZIP; parquet_pages.py, parquet_codecs.py), assembled into rows of
nested lists and structs from the repetition and definition levels (parquet_assembly.py).
Layouts it does not know (other codecs or encodings) raise ParquetError naming them; the
training run itself reads the file with pyarrow through `datasets`.

Followed: apache/parquet-format's parquet.thrift, Encodings.md and the Dremel levels of
LogicalTypes.md "Nested Types"; google/snappy's format_description.txt.
"""

from __future__ import annotations

import json
import mmap
import struct

from parquet_assembly import assemble, leaf_rows
from parquet_pages import read_chunk
from parquet_schema import leaves, schema_tree
from parquet_thrift import ParquetError, Reader, thrift_struct

__all__ = ["MAGIC", "ParquetError", "ParquetFile", "is_parquet"]

MAGIC = b"PAR1"


class ParquetFile:
    """A parquet file's footer, and its rows on demand."""

    def __init__(self, path: str):
        # Mapped, not read: a dataset of embedded images can be far larger than memory, and only
        # the row group being assembled is copied out of the mapping.
        with open(path, "rb") as f:
            try:
                self.data = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
            except ValueError:  # an empty file cannot be mapped
                self.data = b""
        if len(self.data) < 12 or self.data[:4] != MAGIC or self.data[-4:] != MAGIC:
            raise ParquetError("not a parquet file (no PAR1 magic at both ends)")
        length = struct.unpack("<I", self.data[-8:-4])[0]
        footer = Reader(self.data, len(self.data) - 8 - length)
        self.meta = thrift_struct(footer)
        self.root = schema_tree(self.meta[2])
        self.num_rows = self.meta.get(3, 0)
        self.metadata = {
            kv[1].decode(): (kv[2].decode() if kv.get(2) is not None else None)
            for kv in self.meta.get(5, [])
        }

    def schema(self) -> list[dict]:
        """The top-level columns, each as `Node.describe` gives it."""
        return [c.describe() for c in self.root.children]

    def huggingface_features(self) -> dict | None:
        """The `datasets` features in the schema metadata key `huggingface`, if any."""
        raw = self.metadata.get("huggingface")
        if raw is None:
            return None
        info = json.loads(raw).get("info") or {}
        return info.get("features")

    def rows(self):
        """Each row as a dict of columns, row group by row group."""
        by_path = {".".join(leaf.path): leaf for leaf in leaves(self.root)}
        for group in self.meta.get(4, []):
            rows_by_leaf: dict[int, list] = {}
            for chunk in group[1]:
                meta = chunk[3]
                path = ".".join(p.decode() for p in meta[3])
                leaf = by_path.get(path)
                if leaf is None:
                    raise ParquetError(f"column chunk {path} is not in the schema")
                rows_by_leaf[id(leaf)] = leaf_rows(leaf, read_chunk(self.data, meta, leaf))
            for row in range(group[3]):
                yield {c.name: assemble(c, rows_by_leaf, row) for c in self.root.children}


def is_parquet(path: str) -> bool:
    """True when the file starts with parquet's magic bytes (its name is not trusted)."""
    with open(path, "rb") as f:
        return f.read(4) == MAGIC
