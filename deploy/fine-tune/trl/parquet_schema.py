"""The schema tree of a parquet file, for parquet_rows.py.

FileMetaData's schema is a flat, depth-first list of elements, each saying how many children
follow; this rebuilds the tree and, per node, the maximum repetition and definition levels that
the Dremel encoding of its values uses. Followed: apache/parquet-format's parquet.thrift
(SchemaElement) and LogicalTypes.md "Nested Types".
"""

from __future__ import annotations

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


def schema_tree(elements: list[dict]) -> Node:
    """The root of the tree that FileMetaData's flat schema list describes."""
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


def leaves(node: Node) -> list[Node]:
    """The columns that hold values (the leaves), in schema order."""
    return [node] if not node.children else [leaf for c in node.children for leaf in leaves(c)]
