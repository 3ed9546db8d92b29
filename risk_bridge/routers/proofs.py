"""A container's custody proof as a file to check elsewhere: ``GET /v1/containers/{id}/proof``.

The custody timeline (``/custody``) is the bridge's own check; this is the material for the
customs' own: the same proof file ``borderflow custody prove`` writes from the ledger's store
(entries under the newest signed tree head with their RFC 6962 audit paths), to be checked with
only the ledger's public key (``borderflow custody verify-proof``, or any RFC 6962 + Ed25519
library)."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Path

from orchestrator.custody.errors import CustodyError
from risk_bridge.deps import Caller, Service
from risk_bridge.errors import NotFound
from risk_bridge.ledger.files import inclusion_proof_document
from risk_bridge.routers.common import container_or_422, errors
from risk_bridge.schemas_out import InclusionProof

router = APIRouter(prefix="/v1/containers", tags=["containers"])
ContainerNo = Annotated[str, Path(max_length=20, description="ISO 6346 container number")]


@router.get(
    "/{container_id}/proof",
    summary="Download a container's custody inclusion proof",
    response_model=InclusionProof,
    responses=errors(
        401,
        (404, "not on the manifest, no ledger, or no signed custody entry yet"),
        (422, "not an ISO 6346 container number, or an unknown query parameter"),
    ),
)
async def custody_proof(container_id: ContainerNo, svc: Service, caller: Caller) -> dict[str, Any]:
    """The container's custody entries under the ledger's newest signed tree head, each with
    its inclusion proof (format `borderflow-custody-proof/1`, docs/custody.md): check it with
    only the ledger's public key, `borderflow custody verify-proof proof.json --public-key
    KEY.pub`. Entries appended after the head come in a later proof.

    **Who may call:** every signed-in role.
    """
    cid = container_or_422(container_id)
    if cid not in svc.state.cargo:
        raise NotFound(f"container {cid} is not on the manifest of this crossing")
    fleet = svc.fleet
    proofs = await asyncio.to_thread(lambda: fleet.custody_proofs(cid) if fleet else None)
    if proofs is None:
        raise NotFound("this bridge's fleet keeps no custody ledger (serve --ledger none?)")
    try:
        return inclusion_proof_document(proofs, cid)
    except CustodyError as exc:
        raise NotFound(str(exc)) from None
