"""Page decompression for parquet_rows.py, standard library only.

The trainer writes SNAPPY pages (hyparquet-writer's default, as pyarrow's); a user who re-saves
the dataset with pandas or pyarrow may pick GZIP, decoded here with zlib. The other codecs
(ZSTD, BROTLI, LZ4, LZ4_RAW, LZO) have no decoder in Python 3.11's standard library: they are
refused with the codec's name and what to do, though `datasets` itself would load them.

Followed: parquet.thrift's CompressionCodec enum and Compression.md (apache/parquet-format);
google/snappy's format_description.txt; RFC 1952 (GZIP members, several allowed in a row).
"""

from __future__ import annotations

import zlib

from parquet_thrift import ParquetError, Reader

# parquet.thrift's CompressionCodec, by number.
CODECS = {
    0: "UNCOMPRESSED",
    1: "SNAPPY",
    2: "GZIP",
    3: "LZO",
    4: "BROTLI",
    5: "LZ4",
    6: "ZSTD",
    7: "LZ4_RAW",
}
SUPPORTED = ("UNCOMPRESSED", "SNAPPY", "GZIP")


def snappy_decompress(data: bytes) -> bytes:
    """Snappy's raw block format (no framing), as parquet stores it."""
    r = Reader(data)
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


def gzip_decompress(data: bytes) -> bytes:
    """GZIP pages: one or more gzip members (a zlib stream is accepted too, as Arrow does)."""
    out, rest = bytearray(), bytes(data)
    try:
        while rest:
            member = zlib.decompressobj(wbits=47)  # 32 + 15: a gzip or zlib header, detected
            out += member.decompress(rest)
            if not member.eof:
                raise ParquetError("truncated GZIP data")
            rest = member.unused_data
    except zlib.error as error:
        raise ParquetError(f"corrupt GZIP data: {error}") from None
    return bytes(out)


def decompress(codec: int, data: bytes, column: str) -> bytes:
    """A page body of `column` (named in errors) as its codec stored it, decompressed."""
    if codec == 0:
        return data
    if codec == 1:
        return snappy_decompress(data)
    if codec == 2:
        return gzip_decompress(data)
    name = CODECS.get(codec, f"number {codec}")
    raise ParquetError(
        f"column {column} is compressed with {name}, which this standard-library check cannot "
        f"decode (it reads {', '.join(SUPPORTED)}): write the file again with one of those, "
        "e.g. pyarrow.parquet.write_table(table, path, compression='snappy')"
    )
