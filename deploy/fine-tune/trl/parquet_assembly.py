"""Dremel assembly for parquet_rows.py: the levels of each leaf back into nested row values.

Each leaf's triplets become one value per row, nested in as many lists as the leaf has repeated
ancestors; structs then zip their children's values back together. Followed: the Dremel levels
of apache/parquet-format's LogicalTypes.md "Nested Types" (three-level LIST groups).
"""

from __future__ import annotations

from parquet_schema import Node


def _list_levels(leaf: Node) -> list[int]:
    """For each REPEATED node above the leaf, the definition level of its optional LIST group."""
    chain, node = [], leaf
    while node is not None:
        chain.append(node)
        node = node.parent
    return [n.parent.max_def for n in reversed(chain) if n.repetition == "REPEATED"]


def leaf_rows(leaf: Node, triplets) -> list:
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


def assemble(node: Node, rows_by_leaf: dict[int, list], row: int):
    """The value of `node` in row `row`, nested in its repeated ancestors' lists; `rows_by_leaf`
    holds each leaf's `leaf_rows`, keyed by the leaf's id()."""
    if not node.children:
        return rows_by_leaf[id(node)][row]
    if node.converted == "LIST" or node.repetition == "REPEATED":
        return assemble(node.children[0], rows_by_leaf, row)
    depth = sum(1 for _ in _repeated_ancestors(node))
    columns = [assemble(c, rows_by_leaf, row) for c in node.children]
    return _zip_struct([c.name for c in node.children], columns, depth)


def _repeated_ancestors(node: Node):
    node = node.parent
    while node is not None:
        if node.repetition == "REPEATED":
            yield node
        node = node.parent
