"""Session fixture: a real PostgreSQL server for the tests marked ``postgres``.

Uses ``$BORDERFLOW_TEST_PG_URL`` when set (an existing server the tests may create databases
on); otherwise starts a throw-away cluster with ``scripts/postgres.sh`` (installing the Debian
package if needed) and stops it at the end. PostgreSQL being unavailable is a test failure with
the reason, never a skip.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "postgres.sh"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """URL of a PostgreSQL server whose user may CREATE DATABASE."""
    given = os.environ.get("BORDERFLOW_TEST_PG_URL")
    if given:
        yield given
        return
    workdir = tempfile.mkdtemp(prefix="borderflow-pg-")
    try:
        started = subprocess.run(
            ["bash", str(SCRIPT), "start", workdir, str(_free_port())],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if started.returncode != 0:
            pytest.fail(
                "PostgreSQL is needed for these tests and could not be started by "
                f"scripts/postgres.sh (exit {started.returncode}):\n{started.stderr}\n"
                "Fix the server install, or point $BORDERFLOW_TEST_PG_URL at a server.",
                pytrace=False,
            )
        yield started.stdout.strip().splitlines()[-1]
    finally:
        subprocess.run(["bash", str(SCRIPT), "stop", workdir], capture_output=True, check=False)
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture
def pg_url(pg_server: str) -> Iterator[str]:
    """A fresh, empty schema on the test server for one test (its URL sets search_path to it);
    dropped afterwards. A schema is ten times cheaper to make than a database."""
    import psycopg

    name = f"bf_test_{uuid.uuid4().hex[:12]}"
    try:
        with psycopg.connect(pg_server, autocommit=True, connect_timeout=10) as db:
            db.execute(f"CREATE SCHEMA {name}")
    except psycopg.Error as exc:
        pytest.fail(f"cannot create a test schema on {pg_server}: {exc}", pytrace=False)
    parts = urlsplit(pg_server)
    query = "&".join(q for q in (parts.query, f"options=-csearch_path%3D{name}") if q)
    yield urlunsplit(parts._replace(query=query))
    with psycopg.connect(pg_server, autocommit=True, connect_timeout=10) as db:
        db.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")
