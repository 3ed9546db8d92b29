"""RFC 6962 tree, proofs and their checks, against a direct transcription of the RFC."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestrator.custody.errors import ProofError
from orchestrator.custody.merkle import (
    EMPTY_ROOT,
    Frontier,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root_of,
    verify_consistency,
    verify_inclusion,
)


def _mth(leaves: list[bytes]) -> bytes:
    """RFC 6962 section 2.1 MTH, literally (leaves are already leaf hashes)."""
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return leaves[0]
    k = 1
    while k * 2 < n:
        k *= 2
    return node_hash(_mth(leaves[:k]), _mth(leaves[k:]))


def _path(m: int, leaves: list[bytes]) -> list[bytes]:
    n = len(leaves)
    if n == 1:
        return []
    k = 1
    while k * 2 < n:
        k *= 2
    if m < k:
        return [*_path(m, leaves[:k]), _mth(leaves[k:])]
    return [*_path(m - k, leaves[k:]), _mth(leaves[:k])]


def _subproof(m: int, leaves: list[bytes], whole: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if whole else [_mth(leaves)]
    k = 1
    while k * 2 < n:
        k *= 2
    if m <= k:
        return [*_subproof(m, leaves[:k], whole), _mth(leaves[k:])]
    return [*_subproof(m - k, leaves[k:], False), _mth(leaves[:k])]


class Store:
    """Perfect subtree hashes, as a ledger store keeps them."""

    def __init__(self, leaves: list[bytes]) -> None:
        self.nodes: dict[tuple[int, int], bytes] = {}
        self.lookups = 0
        f = Frontier()
        for i, leaf in enumerate(leaves):
            self.nodes[(0, i)] = leaf
            for level, idx, h in f.append(leaf):
                self.nodes[(level, idx)] = h
        self.frontier = f

    def __call__(self, level: int, idx: int) -> bytes:
        self.lookups += 1
        return self.nodes[(level, idx)]


def _leaves(n: int) -> list[bytes]:
    return [leaf_hash(f"entry {i}".encode()) for i in range(n)]


# Certificate Transparency's reference vectors: roots of the first k of these 8 leaves.
CT_LEAVES = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657",
             "606162636465666768696a6b6c6d6e6f"]  # fmt: skip
CT_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]


def test_roots_match_the_certificate_transparency_vectors() -> None:
    leaves = [leaf_hash(bytes.fromhex(x)) for x in CT_LEAVES]
    assert root_of([]) == EMPTY_ROOT
    for k in range(1, 9):
        assert root_of(leaves[:k]).hex() == CT_ROOTS[k - 1]


def test_leaf_and_node_hashes_are_domain_separated() -> None:
    assert leaf_hash(b"x") == hashlib.sha256(b"\x00x").digest()
    assert (
        node_hash(b"a" * 32, b"b" * 32) == hashlib.sha256(b"\x01" + b"a" * 32 + b"b" * 32).digest()
    )


def test_frontier_root_and_stored_nodes_agree_with_the_rfc_for_every_size() -> None:
    leaves = _leaves(70)
    f = Frontier()
    for n in range(1, 71):
        f.append(leaves[n - 1])
        assert f.root() == _mth(leaves[:n]), n
    store = Store(leaves)
    for (level, idx), h in store.nodes.items():
        assert h == _mth(leaves[idx << level : (idx + 1) << level])


def test_frontier_rebuilt_from_its_edge_keys_continues_the_same_tree() -> None:
    leaves = _leaves(45)
    store = Store(leaves[:29])
    edge = [store.nodes[k] for k in Frontier.edge_keys(29)]
    resumed = Frontier(29, edge)
    for leaf in leaves[29:]:
        resumed.append(leaf)
    assert resumed.root() == _mth(leaves)


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 31, 33])
def test_inclusion_proofs_match_the_rfc_and_verify(n: int) -> None:
    leaves = _leaves(n)
    store = Store(leaves)
    root = _mth(leaves)
    for m in range(n):
        proof = inclusion_proof(store, m, n)
        assert proof == _path(m, leaves)
        verify_inclusion(leaves[m], m, n, proof, root)


def test_inclusion_proofs_for_older_tree_sizes_use_the_same_store() -> None:
    leaves = _leaves(40)
    store = Store(leaves)
    for n in (1, 6, 13, 32, 39):
        for m in range(n):
            assert inclusion_proof(store, m, n) == _path(m, leaves[:n])


def test_consistency_proofs_match_the_rfc_and_verify() -> None:
    leaves = _leaves(33)
    store = Store(leaves)
    for n in range(1, 34):
        for m in range(0, n + 1):
            proof = consistency_proof(store, m, n)
            expected = [] if m in (0, n) else _subproof(m, leaves[:n], True)
            assert proof == expected, (m, n)
            verify_consistency(m, n, _mth(leaves[:m]), _mth(leaves[:n]), proof)


def test_a_wrong_leaf_index_root_or_path_fails_inclusion() -> None:
    leaves = _leaves(11)
    store = Store(leaves)
    root = _mth(leaves)
    proof = inclusion_proof(store, 6, 11)
    with pytest.raises(ProofError, match="entry 6"):
        verify_inclusion(leaves[5], 6, 11, proof, root)
    with pytest.raises(ProofError):
        verify_inclusion(leaves[6], 7, 11, proof, root)
    with pytest.raises(ProofError):
        verify_inclusion(leaves[6], 6, 11, proof[:-1], root)
    with pytest.raises(ProofError):
        verify_inclusion(leaves[6], 6, 11, [*proof, root], root)
    bad = [proof[0][:-1] + bytes([proof[0][-1] ^ 1]), *proof[1:]]
    with pytest.raises(ProofError):
        verify_inclusion(leaves[6], 6, 11, bad, root)
    with pytest.raises(ProofError):
        verify_inclusion(leaves[6], 11, 11, proof, root)


def test_a_rewritten_history_fails_consistency() -> None:
    leaves = _leaves(20)
    store = Store(leaves)
    proof = consistency_proof(store, 7, 20)
    forged = _leaves(7)
    forged[3] = leaf_hash(b"rewritten")
    with pytest.raises(ProofError, match="does not extend"):
        verify_consistency(7, 20, _mth(forged), _mth(leaves), proof)
    with pytest.raises(ProofError):
        verify_consistency(7, 20, _mth(leaves[:7]), _mth(leaves[:19]), proof)
    with pytest.raises(ProofError):
        verify_consistency(20, 7, _mth(leaves[:7]), _mth(leaves), proof)
    with pytest.raises(ProofError):
        verify_consistency(7, 7, _mth(leaves[:7]), _mth(leaves[:8]), [])


def test_proofs_need_logarithmic_lookups() -> None:
    leaves = _leaves(1000)
    store = Store(leaves)
    store.lookups = 0
    inclusion_proof(store, 517, 1000)
    assert store.lookups <= 2 * 10 + 2


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 300), st.data())
def test_any_inclusion_and_consistency_proof_checks_out(n: int, data: st.DataObject) -> None:
    leaves = _leaves(n)
    store = Store(leaves)
    m = data.draw(st.integers(0, n - 1))
    verify_inclusion(leaves[m], m, n, inclusion_proof(store, m, n), store.frontier.root())
    old = data.draw(st.integers(0, n))
    verify_consistency(
        old, n, root_of(leaves[:old]), store.frontier.root(), consistency_proof(store, old, n)
    )
