"""RFC 6962 / RFC 9162 Merkle tree: leaf and node hashes, tree heads, proofs and their checks.

Leaf hash = SHA-256(0x00 || data), node hash = SHA-256(0x01 || left || right); a tree of n
leaves splits at the largest power of two below n, exactly as in RFC 6962 section 2.1.

Proofs are built from *perfect subtrees*: ``(level, index)`` names the hash of leaves
``[index << level, (index + 1) << level)``. A store keeps every perfect subtree hash once it is
complete (about 2n hashes), so a proof needs O(log n) look-ups, handed in as ``lookup``. The
checks (:func:`verify_inclusion`, :func:`verify_consistency`) follow RFC 9162 sections 2.1.3.2
and 2.1.4.2 and need nothing but hashes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence

from orchestrator.custody.errors import ProofError

__all__ = [
    "EMPTY_ROOT",
    "Frontier",
    "NodeLookup",
    "consistency_proof",
    "inclusion_proof",
    "leaf_hash",
    "node_hash",
    "range_hash",
    "root_of",
    "verify_consistency",
    "verify_inclusion",
]

NodeLookup = Callable[[int, int], bytes]  # (level, index) -> hash of that perfect subtree
EMPTY_ROOT = hashlib.sha256(b"").digest()
_sha256 = hashlib.sha256


def leaf_hash(data: bytes) -> bytes:
    return _sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return _sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """Largest power of two strictly below ``n`` (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


class Frontier:
    """The right edge of a growing tree: one perfect subtree per set bit of the size.

    Appending a leaf returns the perfect subtrees it completes, as ``(level, index, hash)``, so a
    store can keep them; :meth:`root` folds the edge into the tree head in O(log n).
    """

    __slots__ = ("_edge", "size")

    def __init__(self, size: int = 0, edge: Sequence[bytes] = ()) -> None:
        if len(edge) != size.bit_count():
            raise ProofError(f"a frontier of size {size} needs {size.bit_count()} subtree hashes")
        self.size = size
        self._edge = list(edge)  # largest subtree first

    @staticmethod
    def edge_keys(size: int) -> list[tuple[int, int]]:
        """The ``(level, index)`` of the perfect subtrees making up a tree of ``size`` leaves."""
        keys = []
        start = 0
        for level in range(size.bit_length() - 1, -1, -1):
            if size >> level & 1:
                keys.append((level, start >> level))
                start += 1 << level
        return keys

    def copy(self) -> Frontier:
        return Frontier(self.size, self._edge)

    def append(self, leaf: bytes) -> list[tuple[int, int, bytes]]:
        index = self.size
        self.size += 1
        made: list[tuple[int, int, bytes]] = []
        h = leaf
        level = 0
        edge = self._edge
        while index >> level & 1:
            h = _sha256(b"\x01" + edge.pop() + h).digest()
            level += 1
            made.append((level, index >> level, h))
        edge.append(h)
        return made

    def root(self) -> bytes:
        if not self._edge:
            return EMPTY_ROOT
        h = self._edge[-1]
        for left in reversed(self._edge[:-1]):
            h = _sha256(b"\x01" + left + h).digest()
        return h


def root_of(leaves: Iterable[bytes]) -> bytes:
    """Tree head of the given leaf hashes (streaming, O(log n) memory)."""
    f = Frontier()
    for leaf in leaves:
        f.append(leaf)
    return f.root()


def range_hash(lookup: NodeLookup, start: int, size: int) -> bytes:
    """MTH of leaves ``[start, start + size)`` for a range the RFC tree actually contains."""
    if size <= 0:
        raise ProofError(f"empty leaf range at {start}")
    if size & (size - 1) == 0 and start % size == 0:
        level = size.bit_length() - 1
        return lookup(level, start >> level)
    k = _split(size)
    return node_hash(range_hash(lookup, start, k), range_hash(lookup, start + k, size - k))


def inclusion_proof(lookup: NodeLookup, index: int, size: int) -> list[bytes]:
    """RFC 6962 PATH(index, D[0:size]): sibling hashes from the leaf up to the root."""
    if not 0 <= index < size:
        raise ProofError(f"entry {index} is not in a tree of {size} entries")
    path: list[bytes] = []
    start, n, m = 0, size, index
    while n > 1:
        k = _split(n)
        if m < k:
            path.append(range_hash(lookup, start + k, n - k))
            n = k
        else:
            path.append(range_hash(lookup, start, k))
            start, n, m = start + k, n - k, m - k
    path.reverse()
    return path


def consistency_proof(lookup: NodeLookup, old_size: int, new_size: int) -> list[bytes]:
    """RFC 6962 PROOF(old_size, D[0:new_size]): the tree of ``new_size`` extends the older one."""
    if not 0 <= old_size <= new_size:
        raise ProofError(f"no consistency proof from size {old_size} to size {new_size}")
    if old_size in (0, new_size):
        return []
    path: list[bytes] = []
    start, n, m, whole = 0, new_size, old_size, True
    while m != n:
        k = _split(n)
        if m <= k:
            path.append(range_hash(lookup, start + k, n - k))
            n = k
        else:
            path.append(range_hash(lookup, start, k))
            start, n, m, whole = start + k, n - k, m - k, False
    if not whole:
        path.append(range_hash(lookup, start, n))
    path.reverse()
    return path


def verify_inclusion(
    leaf: bytes, index: int, size: int, path: Sequence[bytes], root: bytes
) -> None:
    """Raise :class:`ProofError` unless ``path`` proves ``leaf`` at ``index`` under ``root``."""
    if not 0 <= index < size:
        raise ProofError(f"entry {index} cannot be in a tree of {size} entries")
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            raise ProofError(f"inclusion proof for entry {index} is too long")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError(f"inclusion proof for entry {index} is too short")
    if r != root:
        raise ProofError(f"entry {index} does not hash up to the signed root {root.hex()}")


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, path: Sequence[bytes]
) -> None:
    """Raise :class:`ProofError` unless ``path`` proves the new tree extends the old one."""
    if not 0 <= old_size <= new_size:
        raise ProofError(f"tree size went from {old_size} down to {new_size}")
    if old_size == new_size:
        if path or old_root != new_root:
            raise ProofError(f"two different roots for the same tree size {old_size}")
        return
    if old_size == 0:
        if path:
            raise ProofError("a proof from the empty tree must be empty")
        return
    if not path:
        raise ProofError(f"empty consistency proof from size {old_size} to {new_size}")
    nodes = list(path)
    if old_size & (old_size - 1) == 0:
        nodes.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = nodes[0]
    for c in nodes[1:]:
        if sn == 0:
            raise ProofError("consistency proof is too long")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0 or fr != old_root or sr != new_root:
        raise ProofError(
            f"the tree of {new_size} entries does not extend the tree of {old_size} entries"
        )
