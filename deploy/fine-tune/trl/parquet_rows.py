"""Reads the trainer's parquet dataset (JURIST_DATASET_IMAGES=embedded) with the standard library.

dataset_check.py runs before a GPU host loads any library, so it cannot use pyarrow. This reads
what the trainer writes (trainer/io/dataset-parquet.ts, with hyparquet-writer): the footer's
Thrift compact FileMetaData (schema, key/value metadata), then each column chunk's pages
(DATA_PAGE or DATA_PAGE_V2, PLAIN or dictionary values, UNCOMPRESSED or SNAPPY), assembled into
rows of nested lists and structs from the repetition and definition levels. Layouts it does not
know (other codecs or encodings) raise ParquetError naming them; the training run itself reads
the file with pyarrow through `datasets`.

Followed: apache/parquet-format's parquet.thrift, Encodings.md and the Dremel levels of
LogicalTypes.md "Nested Types"; google/snappy's format_description.txt.
"""

from __future__ import annotations

import json
import mmap
import struct

MAGIC = b"PAR1"

# parquet.thrift enums, by number.
PHYSICAL = {
    0: "BOOLEAN",
    1: "INT32",
    2: "INT64",
    3: "INT96",
    4: "FLOAT",
    5: "DOUBLE",
    6: "BYTE_ARRAY",
    7: "FIXED_LEN_BYTE_ARRAY",
}
REPETITION = {0: "REQUIRED", 1: "OPTIONAL", 2: "REPEATED"}
CONVERTED = {0: "UTF8", 1: "MAP", 2: "MAP_KEY_VALUE", 3: "LIST"}
CODECS = {0: "UNCOMPRESSED", 1: "SNAPPY"}
PLAIN, PLAIN_DICTIONARY, RLE, RLE_DICTIONARY = 0, 2, 3, 8
DATA_PAGE, DICTIONARY_PAGE, DATA_PAGE_V2 = 0, 2, 3


class ParquetError(ValueError):
    """The file is not parquet, or uses a layout this reader does not handle."""


class _Reader:
    def __init__(self, data: bytes, pos: int = 0):
        self.data, self.pos = data, pos

    def byte(self) -> int:
        value = self.data[self.pos]
        self.pos += 1
        return value

    def take(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise ParquetError("truncated data")
        value = self.data[self.pos : self.pos + n]
        self.pos += n
        return value

    def varint(self) -> int:
        shift = result = 0
        while True:
            b = self.byte()
            result |= (b & 0x7F) << shift
            if not b & 0x80:
                return result
            shift += 7

    def zigzag(self) -> int:
        n = self.varint()
        return (n >> 1) ^ -(n & 1)


# --- Thrift compact protocol: structs come back as {field id: value} ---------------------------


def _thrift_value(r: _Reader, kind: int):
    if kind in (1, 2):  # a boolean field: the type is the value
        return kind == 1
    if kind == 3:
        return struct.unpack("<b", r.take(1))[0]
    if kind in (4, 5, 6):
        return r.zigzag()
    if kind == 7:
        return struct.unpack("<d", r.take(8))[0]
    if kind == 8:
        return r.take(r.varint())
    if kind in (9, 10):
        header = r.byte()
        size, element = header >> 4, header & 0x0F
        if size == 15:
            size = r.varint()
        if element in (1, 2):  # booleans inside a list are one byte each
            return [r.byte() == 1 for _ in range(size)]
        return [_thrift_value(r, element) for _ in range(size)]
    if kind == 11:
        size = r.varint()
        if size == 0:
            return {}
        types = r.byte()
        return {
            _thrift_value(r, types >> 4): _thrift_value(r, types & 0x0F) for _ in range(size)
        }
    if kind == 12:
        return _thrift_struct(r)
    raise ParquetError(f"unknown thrift type {kind}")


def _thrift_struct(r: _Reader) -> dict:
    fields, last = {}, 0
    while True:
        header = r.byte()
        if header == 0:
            return fields
        delta, kind = header >> 4, header & 0x0F
        field = last + delta if delta else r.zigzag()
        fields[field] = _thrift_value(r, kind)
        last = field


# --- Snappy (raw block format) ----------------------------------------------------------------


def snappy_decompress(data: bytes) -> bytes:
    r = _Reader(data)
    length = r.varint()
    out = bytearray()
    while r.pos < len(data):
        tag = r.byte()
        kind = tag & 3
        if kind == 0:
            size = tag >> 2
            if size >= 60:
                size = int.from_bytes(r.take(size - 59), "little")
            out += r.take(size + 1)
            continue
        if kind == 1:
            size, offset = ((tag >> 2) & 7) + 4, ((tag >> 5) << 8) | r.byte()
        elif kind == 2:
            size, offset = (tag >> 2) + 1, int.from_bytes(r.take(2), "little")
        else:
            size, offset = (tag >> 2) + 1, int.from_bytes(r.take(4), "little")
        if offset == 0 or offset > len(out):
            raise ParquetError("corrupt snappy data")
        for _ in range(size):  # byte by byte: a copy may overlap what it writes
            out.append(out[-offset])
    if len(out) != length:
        raise ParquetError("corrupt snappy data")
    return bytes(out)


def _decompress(codec: int, data: bytes) -> bytes:
    if codec == 0:
        return data
    if codec == 1:
        return snappy_decompress(data)
    raise ParquetError(f"codec {CODECS.get(codec, codec)} is not supported here")


# --- Encodings --------------------------------------------------------------------------------


def _rle_hybrid(r: _Reader, bit_width: int, count: int, end: int) -> list[int]:
    values: list[int] = []
    width_bytes = (bit_width + 7) // 8
    while len(values) < count and r.pos < end:
        header = r.varint()
        if header & 1:  # bit-packed groups of eight, least significant bit first
            groups = header >> 1
            packed = int.from_bytes(r.take(groups * bit_width), "little")
            mask = (1 << bit_width) - 1
            values += [(packed >> (i * bit_width)) & mask for i in range(groups * 8)]
        else:
            run = header >> 1
            values += [int.from_bytes(r.take(width_bytes), "little")] * run
    return values[:count]


def _plain(r: _Reader, physical: int, count: int, type_length: int | None) -> list:
    if physical == 6:
        return [r.take(struct.unpack("<I", r.take(4))[0]) for _ in range(count)]
    if physical == 1:
        return list(struct.unpack(f"<{count}i", r.take(4 * count)))
    if physical == 2:
        return list(struct.unpack(f"<{count}q", r.take(8 * count)))
    if physical == 4:
        return list(struct.unpack(f"<{count}f", r.take(4 * count)))
    if physical == 5:
        return list(struct.unpack(f"<{count}d", r.take(8 * count)))
    if physical == 0:
        packed = r.take((count + 7) // 8)
        return [bool(packed[i // 8] >> (i % 8) & 1) for i in range(count)]
    if physical == 7:
        return [r.take(type_length or 0) for _ in range(count)]
    raise ParquetError(f"physical type {PHYSICAL.get(physical, physical)} is not supported here")


def _bit_width(max_level: int) -> int:
    return max_level.bit_length()


# --- Schema -----------------------------------------------------------------------------------


class Node:
    """One schema element, with its children and the levels at which it is defined."""

    def __init__(self, element: dict, parent: Node | None):
        self.name = element.get(4, b"").decode()
        self.physical = element.get(1)
        self.type_length = element.get(2)
        self.repetition = REPETITION.get(element.get(3, 0), "REQUIRED") if parent else None
        self.converted = CONVERTED.get(element.get(6))
        self.children: list[Node] = []
        self.parent = parent
        up_def = parent.max_def if parent else 0
        up_rep = parent.max_rep if parent else 0
        self.max_def = up_def + (self.repetition in ("OPTIONAL", "REPEATED"))
        self.max_rep = up_rep + (self.repetition == "REPEATED")
        # The column path below the root, as path_in_schema names a leaf's chunks.
        self.path: list[str] = [*parent.path, self.name] if parent else []

    def describe(self) -> dict:
        """The element as plain data: name, repetition, physical type, annotation, children."""
        return {
            "name": self.name,
            "repetition": self.repetition,
            "type": PHYSICAL.get(self.physical) if self.physical is not None else None,
            "converted": self.converted,
            "children": [c.describe() for c in self.children],
        }


def _schema_tree(elements: list[dict]) -> Node:
    root = Node(elements[0], None)
    position = 1

    def grow(node: Node, count: int) -> None:
        nonlocal position
        for _ in range(count):
            child = Node(elements[position], node)
            position += 1
            node.children.append(child)
            grow(child, elements[position - 1].get(5, 0) or 0)

    grow(root, elements[0].get(5, 0) or 0)
    return root


def _leaves(node: Node) -> list[Node]:
    return [node] if not node.children else [leaf for c in node.children for leaf in _leaves(c)]


# --- Column chunks ----------------------------------------------------------------------------


def _read_chunk(data: bytes, meta: dict, leaf: Node):
    """The (repetition, definition, value) triplets of one column chunk, in order."""
    codec = meta.get(4, 0)
    # The chunk starts at its dictionary page when it has one; its pages fill total_compressed_size.
    offset = min(meta[9], meta[11]) if meta.get(11) is not None else meta[9]
    end = offset + meta[7]
    r = _Reader(data, offset)
    dictionary: list | None = None
    triplets: list[tuple[int, int, object]] = []
    while r.pos < end:
        header = _thrift_struct(r)
        body = r.take(header[3])
        kind = header[1]
        if kind == DICTIONARY_PAGE:
            values = _reader(_decompress(codec, body))
            dictionary = _plain(values, leaf.physical, header[7][1], leaf.type_length)
        elif kind == DATA_PAGE_V2:
            page = header[8]
            levels_length = page.get(5, 0) + page.get(6, 0)
            # Version 2 pages keep their levels uncompressed, repetition first, unprefixed.
            rep_length, count = page.get(6, 0), page[1]
            reps = defs = [0] * count
            if leaf.max_rep:
                reps = _rle_hybrid(_Reader(body), _bit_width(leaf.max_rep), count, rep_length)
            if leaf.max_def:
                defs_reader = _Reader(body[rep_length:levels_length])
                defs = _rle_hybrid(defs_reader, _bit_width(leaf.max_def), count, page.get(5, 0))
            payload = body[levels_length:]
            if page.get(7, True):
                payload = _decompress(codec, payload)
            values = _values(_reader(payload), page[4], leaf, page[1] - page.get(2, 0), dictionary)
            triplets += _zip_levels(reps, defs, values, leaf.max_def)
        elif kind == DATA_PAGE:
            page = header[5]
            p = _reader(_decompress(codec, body))
            reps = defs = [0] * page[1]
            if leaf.max_rep:
                length = struct.unpack("<I", p.take(4))[0]
                reps = _rle_hybrid(p, _bit_width(leaf.max_rep), page[1], p.pos + length)
            if leaf.max_def:
                length = struct.unpack("<I", p.take(4))[0]
                start = p.pos
                defs = _rle_hybrid(p, _bit_width(leaf.max_def), page[1], start + length)
                p.pos = start + length
            present = sum(1 for d in defs if d == leaf.max_def)
            values = _values(p, page[2], leaf, present, dictionary)
            triplets += _zip_levels(reps, defs, values, leaf.max_def)
        # index pages and anything else carry no values
    return triplets


def _reader(data: bytes) -> _Reader:
    return _Reader(data)


def _values(r: _Reader, encoding: int, leaf: Node, count: int, dictionary: list | None) -> list:
    if encoding == PLAIN:
        return _plain(r, leaf.physical, count, leaf.type_length)
    if encoding in (PLAIN_DICTIONARY, RLE_DICTIONARY):
        if dictionary is None:
            column = ".".join(leaf.path)
            raise ParquetError(f"column {column}: dictionary indexes without a dictionary")
        width = r.byte()
        return [dictionary[i] for i in _rle_hybrid(r, width, count, len(r.data))]
    if encoding == RLE and leaf.physical == 0:
        length = struct.unpack("<I", r.take(4))[0]
        return [bool(v) for v in _rle_hybrid(r, 1, count, r.pos + length)]
    raise ParquetError(f"column {'.'.join(leaf.path)}: encoding {encoding} is not supported here")


def _zip_levels(reps, defs, values, max_def):
    out, it = [], iter(values)
    for rep, d in zip(reps, defs):
        out.append((rep, d, next(it) if d == max_def else None))
    return out


# --- Assembly: Dremel levels back into nested values ------------------------------------------


def _list_levels(leaf: Node) -> list[int]:
    """For each REPEATED node above the leaf, the definition level of its optional LIST group."""
    chain, node = [], leaf
    while node is not None:
        chain.append(node)
        node = node.parent
    return [n.parent.max_def for n in reversed(chain) if n.repetition == "REPEATED"]


def _leaf_rows(leaf: Node, triplets) -> list:
    """Each row's value of one leaf, nested in as many lists as the leaf has repeated ancestors."""
    groups = _list_levels(leaf)
    depth = len(groups)

    def make(d: int, v, k: int):
        if k == depth:
            return _convert(leaf, v) if d == leaf.max_def else None
        if d < groups[k]:
            return None  # the list, or something above it, is null
        if d == groups[k]:
            return []  # an empty list
        return [make(d, v, k + 1)]

    rows: list = []
    for rep, d, v in triplets:
        if rep == 0:
            rows.append(make(d, v, 0))
            continue
        container = rows[-1]
        for _ in range(rep - 1):
            container = container[-1]
        container.append(make(d, v, rep))
    return rows


def _convert(leaf: Node, value):
    if value is not None and leaf.converted == "UTF8":
        return value.decode("utf-8")
    return value


def _zip_struct(names: list[str], columns: list, depth: int):
    first = columns[0]
    if depth == 0 or first is None:
        if first is None and depth > 0:
            return None
        return dict(zip(names, columns))
    return [_zip_struct(names, [c[i] for c in columns], depth - 1) for i in range(len(first))]


def _assemble(node: Node, leaf_rows: dict[int, list], row: int):
    """The value of `node` in row `row`, nested in its repeated ancestors' lists."""
    if not node.children:
        return leaf_rows[id(node)][row]
    if node.converted == "LIST" or node.repetition == "REPEATED":
        return _assemble(node.children[0], leaf_rows, row)
    depth = sum(1 for _ in _repeated_ancestors(node))
    columns = [_assemble(c, leaf_rows, row) for c in node.children]
    return _zip_struct([c.name for c in node.children], columns, depth)


def _repeated_ancestors(node: Node):
    node = node.parent
    while node is not None:
        if node.repetition == "REPEATED":
            yield node
        node = node.parent


# --- The file ---------------------------------------------------------------------------------


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
        footer = _Reader(self.data, len(self.data) - 8 - length)
        self.meta = _thrift_struct(footer)
        self.root = _schema_tree(self.meta[2])
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
        leaves = {".".join(leaf.path): leaf for leaf in _leaves(self.root)}
        for group in self.meta.get(4, []):
            leaf_rows: dict[int, list] = {}
            for chunk in group[1]:
                meta = chunk[3]
                path = ".".join(p.decode() for p in meta[3])
                leaf = leaves.get(path)
                if leaf is None:
                    raise ParquetError(f"column chunk {path} is not in the schema")
                leaf_rows[id(leaf)] = _leaf_rows(leaf, _read_chunk(self.data, meta, leaf))
            for row in range(group[3]):
                yield {c.name: _assemble(c, leaf_rows, row) for c in self.root.children}


def is_parquet(path: str) -> bool:
    with open(path, "rb") as f:
        return f.read(4) == MAGIC
