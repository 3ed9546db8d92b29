"""GET /v1/ledger/head and /v1/ledger/consistency: hold the custody ledger to a head saved earlier.

The API's counterpart of ``borderflow custody head`` and ``custody verify --against``: a customs
system keeps the signed tree heads it was sent (``ledger.tree_head`` events) or read here, and
asks later whether the ledger still extends one of them. The answer carries the newest signed
head and the consistency proof, so the caller checks it with the ledger's public key on its own
(``orchestrator.custody.merkle.verify_consistency``; docs/custody.md) rather than trusting the
bridge's word; the bridge checks it too and says ``consistent`` (200) or not (409, with why: a
cut tail or a rewritten prefix).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from orchestrator.custody.errors import ProofError
from orchestrator.custody.merkle import verify_consistency
from orchestrator.domain.records import LedgerProof
from risk_bridge.deps import Caller, Service
from risk_bridge.errors import NotFound
from risk_bridge.routers.common import errors
from risk_bridge.schemas_out import LedgerConsistency, LedgerHead
from risk_bridge.service import BridgeService

router = APIRouter(prefix="/v1/ledger", tags=["custody ledger"])
_NO_HEAD = (404, "this fleet keeps no custody ledger here, or it has no signed tree head yet")

TreeSize = Annotated[
    int, Query(ge=1, le=2**62, description="size of the saved tree head (its tree_size)")
]
RootHash = Annotated[
    str,
    Query(
        min_length=64,
        max_length=64,
        pattern="^[0-9a-f]{64}$",
        description="root of the saved tree head (its root_hash: 64 lowercase hex digits)",
    ),
]


async def _proof(svc: BridgeService, from_size: int) -> LedgerProof:
    fleet = svc.fleet
    # The ledger sits behind the fleet's lock (its thread appends): read it off the event loop.
    proof = None if fleet is None else await run_in_threadpool(fleet.ledger_proof, from_size)
    if proof is None:
        raise NotFound(
            "this bridge's fleet keeps no custody ledger (with --fleet ros the orchestrator "
            "node keeps it; `borderflow custody verify --against` checks that one)"
        )
    if proof.tree_head is None:
        raise NotFound(f"the ledger {proof.ledger_url} has no signed tree head yet")
    return proof


@router.get(
    "/head",
    summary="Read the ledger's newest signed tree head",
    response_model=LedgerHead,
    responses=errors(401, _NO_HEAD, 422),
)
async def ledger_head(svc: Service, caller: Caller) -> dict[str, Any]:
    """The custody ledger's newest signed tree head (size, Merkle root, signer key id,
    Ed25519 signature), in the form `borderflow custody verify --against` reads. Save it, and
    later ask `GET /v1/ledger/consistency` whether the ledger still extends it.

    **Who may call:** every signed-in role.
    """
    proof = await _proof(svc, 0)
    assert proof.tree_head is not None
    return {"ledger": proof.ledger_url, "tree_head": proof.tree_head.to_obj()}


@router.get(
    "/consistency",
    summary="Check the ledger against a saved tree head",
    response_model=LedgerConsistency,
    response_model_exclude_unset=True,
    responses={
        200: {"description": "consistent: the ledger extends the saved head (with the proof)"},
        **errors(401, _NO_HEAD, 422),
        409: {
            "model": LedgerConsistency,
            "description": "the ledger does not extend the saved head: `detail` says why (a "
            "cut tail or a rewritten prefix)",
        },
    },
)
async def ledger_consistency(
    svc: Service, caller: Caller, tree_size: TreeSize, root_hash: RootHash
) -> Any:
    """Does the ledger still extend the tree head of `tree_size` / `root_hash` saved earlier?
    The answer carries the newest signed head and the consistency proof (RFC 6962), so the
    caller can check it with the ledger's public key itself
    (`orchestrator.custody.merkle.verify_consistency`) rather than trust the bridge's word.

    **Who may call:** every signed-in role.
    """
    proof = await _proof(svc, tree_size)
    head = proof.tree_head
    assert head is not None
    body: dict[str, Any] = {
        "ledger": proof.ledger_url,
        "saved": {"tree_size": tree_size, "root_hash": root_hash},
        "tree_head": head.to_obj(),
        "proof": [p.hex() for p in proof.proof],
    }
    if tree_size > head.tree_size:
        why = (
            f"the ledger's newest signed tree head has size {head.tree_size}, below the saved "
            f"{tree_size}: entries {head.tree_size}..{tree_size - 1} were cut (with their tree "
            "heads), or this is another ledger"
        )
        return JSONResponse({**body, "consistent": False, "detail": why}, status_code=409)
    try:
        verify_consistency(
            tree_size, head.tree_size, bytes.fromhex(root_hash), head.root_hash, proof.proof
        )
    except ProofError as exc:
        why = (
            f"the ledger's newest signed tree head (size {head.tree_size}) does not extend the "
            f"saved head of size {tree_size}: its first {tree_size} entries were rewritten "
            f"since ({exc})"
        )
        return JSONResponse({**body, "consistent": False, "detail": why}, status_code=409)
    return {**body, "consistent": True}
