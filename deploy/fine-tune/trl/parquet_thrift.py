"""Bytes and Thrift for parquet_rows.py: a cursor over a buffer, and the Thrift compact protocol.

A parquet file's footer (FileMetaData) and every page header are Thrift compact structs; they
come back here as {field id: value}, the ids being parquet.thrift's. Followed: apache/thrift's
doc/specs/thrift-compact-protocol.md, as apache/parquet-format's parquet.thrift uses it.
"""

from __future__ import annotations

import struct


class ParquetError(ValueError):
    """The file is not parquet, or uses a layout this reader does not handle."""


class Reader:
    """A cursor over bytes (or a mapped file) that refuses to read past the end."""

    def __init__(self, data: bytes, pos: int = 0):
        self.data, self.pos = data, pos

    def byte(self) -> int:
        if self.pos >= len(self.data):
            raise ParquetError("truncated data")
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


def _thrift_value(r: Reader, kind: int):
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
        return thrift_struct(r)
    raise ParquetError(f"unknown thrift type {kind}")


def thrift_struct(r: Reader) -> dict:
    """The struct at the cursor, as {field id: value}; the cursor ends after its stop byte."""
    fields, last = {}, 0
    while True:
        header = r.byte()
        if header == 0:
            return fields
        delta, kind = header >> 4, header & 0x0F
        field = last + delta if delta else r.zigzag()
        fields[field] = _thrift_value(r, kind)
        last = field
