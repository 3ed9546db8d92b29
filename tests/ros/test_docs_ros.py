"""The ROS 2 blocks of README.md, docs/ros.md and docs/recording.md (marked ``<!-- run: sh ros
... -->``) run as written, in a copy of a fresh clone, on this test run's own DDS domain
(tests/docs/doc_blocks.py says how a block is run: ``ros up`` and ``serve`` in the background,
ports and the domain substituted)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.docs.doc_blocks import ROOT, blocks
from tests.docs.test_docs_commands import run_document

pytestmark = pytest.mark.timeout(600)

DOCS = [ROOT / "README.md", ROOT / "docs" / "ros.md", ROOT / "docs" / "recording.md"]


@pytest.mark.parametrize("doc", DOCS, ids=lambda d: d.name)
def test_the_ros_walk_through_runs_as_written(
    doc: Path, ros_env: dict[str, str], tmp_path: Path
) -> None:
    runnable = [b for b in blocks(doc) if b.mode == "sh" and b.option("ros") is not None]
    assert runnable, f"{doc.name} lost its ROS 2 walk-through"
    run_document(doc, tmp_path, ros=True, subs={"domain": ros_env["ROS_DOMAIN_ID"]})
