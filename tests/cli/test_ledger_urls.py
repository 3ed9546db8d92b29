"""Every way ``--db`` can fail is one paragraph saying what failed and how to fix it: exit 2
from ``borderflow simulate`` (exit 1 from ``custody``), no traceback, no password shown; and
``simulate --key`` signs the ledger with the key given."""

from __future__ import annotations

import json
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from typer.testing import CliRunner, Result

from cli import app
from orchestrator.custody.treehead import key_id
from risk_bridge.ledger import load_public_key
from risk_bridge.ledger.pg_errors import connect_error

runner = CliRunner()
SIM = ["simulate", "test_small", "--hours", "0.2", "--quiet"]


@pytest.fixture(autouse=True)
def _key_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BORDERFLOW_LEDGER_KEY_DIR", str(tmp_path / "key-dir"))
    monkeypatch.delenv("BORDERFLOW_LEDGER_KEY", raising=False)


@pytest.fixture
def key(tmp_path: Path) -> Path:
    path = tmp_path / "keys" / "ledger.key"
    assert runner.invoke(app, ["custody", "keygen", "--out", str(path)]).exit_code == 0
    return path


def _refused(*args: str) -> Result:
    """Run simulate with ``args``: exit 2, one ``error:`` paragraph, no traceback."""
    result = runner.invoke(app, [*SIM, *args])
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert result.stderr.startswith("error: --db") and "Traceback" not in result.output
    assert result.stderr.count("\n") == 1, result.stderr  # one paragraph (the console wraps)
    return result


def _url(base: str, *, user: str | None = None, db: str | None = None) -> str:
    parts = urlsplit(base)
    netloc = parts.netloc if user is None else f"{user}@{parts.netloc.rpartition('@')[2]}"
    path = parts.path if db is None else f"/{db}"
    return urlunsplit(parts._replace(netloc=netloc, path=path))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_unsupported_scheme_names_the_two_that_work() -> None:
    err = _refused("--db", "mysql://bf:hunter2@db/bf").stderr
    assert "unsupported ledger URL 'mysql://bf:***@db/bf'" in err
    assert "sqlite:///path/to/ledger.db" in err and "postgresql://user@host:port/dbname" in err
    assert "hunter2" not in err


def test_sqlite_paths_that_cannot_be_a_ledger(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("x")
    err = _refused("--db", str(tmp_path / "a-file" / "ledger.db")).stderr
    assert f"{tmp_path / 'a-file'} is a file, not a folder" in err
    assert "in a folder you can write to" in err
    err = _refused("--db", str(tmp_path)).stderr
    assert "is a folder: name a file in it, e.g." in err
    (tmp_path / "notes.db").write_text("not a database\n" * 200)
    assert "it is not an SQLite database" in _refused("--db", str(tmp_path / "notes.db")).stderr
    err = _refused("--db", "/proc/borderflow-ledger.db").stderr  # even root cannot write there
    assert "cannot be written. Give --db a path you can write to" in err
    assert "use sqlite:///path/to/ledger.db" in _refused("--db", "sqlite://ledger.db").stderr


def test_an_unwritable_key_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "a-file").write_text("x")
    monkeypatch.setenv("BORDERFLOW_LEDGER_KEY_DIR", str(tmp_path / "a-file" / "keys"))
    err = _refused("--db", str(tmp_path / "run" / "ledger.db")).stderr
    assert "cannot create the signing key" in err and "$BORDERFLOW_LEDGER_KEY_DIR" in err


def test_key_options(tmp_path: Path, key: Path) -> None:
    result = runner.invoke(app, [*SIM, "--key", str(key)])
    assert result.exit_code == 2
    assert "--key signs the custody ledger: give --db too" in result.stderr
    err = _refused("--db", str(tmp_path / "l.db"), "--key", str(key.parent / "missing.key")).stderr
    assert "signing key" in err and "missing.key not found" in err and "custody keygen" in err
    kpis = tmp_path / "k.json"
    db = tmp_path / "run" / "l.db"
    run = ["simulate", "test_small", "--hours", "1.5", "--quiet", "--json", str(kpis)]
    result = runner.invoke(app, [*run, "--db", str(db), "--key", str(key)])
    assert result.exit_code == 0, result.output
    head = json.loads(kpis.read_text())["custody_ledger"]["tree_head"]
    assert head["key_id"] == key_id(load_public_key(Path(f"{key}.pub")))
    assert not (tmp_path / "key-dir").exists()  # --key given: no default key was made


def test_postgres_needs_a_key_and_says_how() -> None:
    err = _refused("--db", f"postgresql://bf@127.0.0.1:{_free_port()}/bf").stderr
    assert "needs a signing key: pass --key PATH" in err and "custody keygen" in err


def test_refused_connection(key: Path) -> None:
    port = _free_port()
    err = _refused("--db", f"postgresql://bf:pw@127.0.0.1:{port}/bf", "--key", str(key)).stderr
    assert f"nothing accepts connections at 127.0.0.1 port {port} (connection refused)" in err
    assert "Start the PostgreSQL server" in err and "bf:***@" in err and ":pw@" not in err


def test_bad_password_is_named_as_such() -> None:
    # The server the tests start trusts loopback, so it never asks for a password: this is
    # libpq's wording for a wrong and for a missing one, as a password-checking server gives.
    url = "postgresql://pw:wrong@127.0.0.1:5432/bf"
    text = (
        'connection failed: connection to server at "127.0.0.1", port 5432 failed: FATAL:  '
        'password authentication failed for user "pw"'
    )
    message = str(connect_error(url, psycopg.OperationalError(text)))
    assert "refused the credentials of user pw (wrong password)" in message
    assert (
        "~/.pgpass" in message and "wrong" not in message.split("(wrong password)", maxsplit=1)[0]
    )
    missing = psycopg.OperationalError(
        'connection to server at "127.0.0.1", port 5432 failed: fe_sendauth: no password supplied'
    )
    assert "(no password was given)" in str(connect_error(url, missing))


@pytest.mark.postgres
def test_missing_database_and_unknown_user(pg_server: str, key: Path) -> None:
    err = _refused("--db", _url(pg_server, db="bf_no_such_db"), "--key", str(key)).stderr
    assert "the database bf_no_such_db does not exist on 127.0.0.1 port" in err
    assert "createdb -h 127.0.0.1" in err
    err = _refused("--db", _url(pg_server, user="bf_nobody"), "--key", str(key)).stderr
    assert "the server has no user bf_nobody" in err and "createuser" in err


@pytest.fixture
def weak_role(pg_server: str) -> Iterator[str]:
    """A role that may log in but create nothing."""
    name = f"bf_weak_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_server, autocommit=True) as db:
        db.execute(f"CREATE ROLE {name} LOGIN")
    yield name
    with psycopg.connect(pg_server, autocommit=True) as db:
        db.execute(f"DROP OWNED BY {name}")  # the grants below
        db.execute(f"DROP ROLE {name}")


@pytest.mark.postgres
def test_no_right_to_create_the_tables(pg_url: str, weak_role: str, key: Path) -> None:
    url = _url(pg_url, user=weak_role)
    err = _refused("--db", url, "--key", str(key)).stderr
    assert f"user {weak_role} has no schema to create the ledger's tables in" in err
    assert "search_path" in err and "GRANT USAGE, CREATE ON SCHEMA" in err
    schema = pg_url.rpartition("%3D")[2]
    with psycopg.connect(pg_url, autocommit=True) as db:
        db.execute(f"GRANT USAGE ON SCHEMA {schema} TO {weak_role}")
    err = _refused("--db", url, "--key", str(key)).stderr
    assert f"user {weak_role} may not create the ledger's tables" in err
    assert "permission denied for schema" in err
    assert f"GRANT CREATE ON SCHEMA {schema} TO {weak_role}" in err
    assert "LINE" not in err  # the server's statement excerpt is left out


@pytest.mark.postgres
def test_custody_commands_give_the_same_messages(pg_server: str) -> None:
    result = runner.invoke(
        app, ["custody", "containers", "--db", _url(pg_server, db="bf_no_such_db")]
    )
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "the database bf_no_such_db does not exist" in result.stderr


def test_a_ledger_that_fails_mid_run_stops_the_run_with_one_paragraph(tmp_path: Path) -> None:
    # Another process takes the SQLite file's write lock once the run has written entries: the
    # run stops at the event it could not record (a container never moves without its custody
    # record) and says what failed, when, and what to check; exit 4, no traceback.
    import sqlite3
    import threading
    import time

    db = tmp_path / "locked.db"
    locked = threading.Event()
    done = threading.Event()

    def lock_when_written() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not done.is_set():
            try:
                con = sqlite3.connect(db, isolation_level=None, timeout=0.1)
                if con.execute("SELECT count(*) FROM entries").fetchone()[0] > 50:
                    con.execute("BEGIN EXCLUSIVE")
                    locked.set()
                    done.wait(60)
                    con.close()
                    return
                con.close()
            except sqlite3.Error:
                pass
            time.sleep(0.05)

    locker = threading.Thread(target=lock_when_written, daemon=True)
    locker.start()
    try:
        result = runner.invoke(app, ["simulate", "erenhot_day", "--quiet", "--db", str(db)])
    finally:
        done.set()
        locker.join(10)
    assert locked.is_set(), "the run ended before the test could lock its ledger"
    assert result.exit_code == 4, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output and result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith(f"error: the custody ledger {db} failed at d1 ")
    assert "OperationalError: database is locked" in result.stderr
    assert "borderflow custody verify" in result.stderr
    entries = int(result.stderr.split("keeps the ")[1].split()[0])
    assert entries > 50
    con = sqlite3.connect(db)
    assert con.execute("SELECT count(*) FROM entries").fetchone()[0] == entries  # all kept
    con.close()
