"""A column chunk's pages, decoded into (repetition, definition, value) triplets.

For parquet_rows.py: DATA_PAGE and DATA_PAGE_V2 with their levels (RLE/bit-packed hybrid),
PLAIN or dictionary-encoded values and the dictionary page they refer to, each page body
decompressed by parquet_codecs.py. Encodings it does not know raise ParquetError naming them.
Followed: apache/parquet-format's parquet.thrift (PageHeader, ColumnMetaData) and Encodings.md.
"""

from __future__ import annotations

import struct

from parquet_codecs import decompress
from parquet_schema import PHYSICAL, Node
from parquet_thrift import ParquetError, Reader, thrift_struct

# parquet.thrift's Encoding and PageType, the members used here.
PLAIN, PLAIN_DICTIONARY, RLE, RLE_DICTIONARY = 0, 2, 3, 8
DATA_PAGE, DICTIONARY_PAGE, DATA_PAGE_V2 = 0, 2, 3


def _rle_hybrid(r: Reader, bit_width: int, count: int, end: int) -> list[int]:
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


def _plain(r: Reader, physical: int, count: int, type_length: int | None) -> list:
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


def read_chunk(data: bytes, meta: dict, leaf: Node):
    """The (repetition, definition, value) triplets of one column chunk, in order."""
    codec = meta.get(4, 0)
    column = ".".join(leaf.path)
    # The chunk starts at its dictionary page when it has one; its pages fill total_compressed_size.
    offset = min(meta[9], meta[11]) if meta.get(11) is not None else meta[9]
    end = offset + meta[7]
    r = Reader(data, offset)
    dictionary: list | None = None
    triplets: list[tuple[int, int, object]] = []
    while r.pos < end:
        header = thrift_struct(r)
        body = r.take(header[3])
        kind = header[1]
        if kind == DICTIONARY_PAGE:
            values = Reader(decompress(codec, body, column))
            dictionary = _plain(values, leaf.physical, header[7][1], leaf.type_length)
        elif kind == DATA_PAGE_V2:
            page = header[8]
            levels_length = page.get(5, 0) + page.get(6, 0)
            # Version 2 pages keep their levels uncompressed, repetition first, unprefixed.
            rep_length, count = page.get(6, 0), page[1]
            reps = defs = [0] * count
            if leaf.max_rep:
                reps = _rle_hybrid(Reader(body), _bit_width(leaf.max_rep), count, rep_length)
            if leaf.max_def:
                defs_reader = Reader(body[rep_length:levels_length])
                defs = _rle_hybrid(defs_reader, _bit_width(leaf.max_def), count, page.get(5, 0))
            payload = body[levels_length:]
            if page.get(7, True):
                payload = decompress(codec, payload, column)
            values = _values(Reader(payload), page[4], leaf, page[1] - page.get(2, 0), dictionary)
            triplets += _zip_levels(reps, defs, values, leaf.max_def)
        elif kind == DATA_PAGE:
            page = header[5]
            p = Reader(decompress(codec, body, column))
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


def _values(r: Reader, encoding: int, leaf: Node, count: int, dictionary: list | None) -> list:
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
