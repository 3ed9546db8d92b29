"""Why a PostgreSQL ledger cannot be opened, said in one paragraph: what failed and how to fix
it (server not listening, unknown host, bad credentials, missing database or user, no right to
create the ledger's tables). The URL in a message never shows its password.

libpq reports connection failures as text only (no SQLSTATE before the session exists), so the
known messages are recognised by their wording; anything else is passed on, on one line.
"""

from __future__ import annotations

import getpass
import re

import psycopg
from psycopg.conninfo import conninfo_to_dict

from risk_bridge.ledger.store import StoreUnavailable, redact_url

__all__ = ["connect_error", "schema_error"]


def _one_line(exc: BaseException) -> str:
    # A server error's primary message, without the statement excerpt ("LINE 2: ...").
    diag = getattr(exc, "diag", None)
    primary = getattr(diag, "message_primary", None)
    return re.sub(r"\s+", " ", str(primary or exc)).strip()


def _parts(url: str) -> tuple[str, str, str, str]:
    """(host, port, database, user) of a URL, with libpq's defaults."""
    try:
        info = conninfo_to_dict(url)
    except psycopg.Error:
        info = {}
    try:
        login = getpass.getuser()
    except (KeyError, OSError):
        login = "your login name"
    user = str(info.get("user") or login)
    host = str(info.get("host") or "the local socket")
    return host, str(info.get("port") or 5432), str(info.get("dbname") or user), user


def connect_error(url: str, exc: psycopg.Error) -> StoreUnavailable:
    shown = redact_url(url)
    host, port, db, user = _parts(url)
    text = _one_line(exc)
    at = f"{host} port {port}"
    if "Connection refused" in text or "No such file or directory" in text:
        why = (
            f"nothing accepts connections at {at} (connection refused). Start the PostgreSQL "
            "server, or fix the host and port in the URL (postgresql://user@host:port/dbname)"
        )
    elif "failed to resolve host" in text or "could not translate host name" in text:
        why = f"the host name {host} is not known. Fix the host in the URL"
    elif "timeout expired" in text:
        why = (
            f"no answer from {at} within 10 s. Check the host and port in the URL, and that a "
            "firewall lets the connection through"
        )
    elif "password authentication failed" in text or "no password supplied" in text:
        why = (
            f"the server refused the credentials of user {user} ("
            + ("no password was given" if "no password" in text else "wrong password")
            + "). Fix the user and password (postgresql://user:password@host:port/dbname, or "
            "the password in ~/.pgpass or $PGPASSWORD rather than in the URL)"
        )
    elif m := re.search(r'role "([^"]+)" does not exist', text):
        why = (
            f"the server has no user {m.group(1)}. Fix the user in the URL (without one, your "
            f"login name is used), or create it: `createuser -h {host} -p {port} {m.group(1)}`"
        )
    elif m := re.search(r'database "([^"]+)" does not exist', text):
        why = (
            f"the database {m.group(1)} does not exist on {at}. Create it (`createdb -h {host} "
            f"-p {port} -U {user} {m.group(1)}`) or fix the name at the end of the URL"
        )
    elif "no pg_hba.conf entry" in text:
        why = (
            f"the server does not let user {user} connect to {db} from here (no pg_hba.conf "
            "entry). Ask its administrator for access, or use another user"
        )
    else:
        why = text
    return StoreUnavailable(f"cannot open the PostgreSQL ledger {shown}: {why}")


def schema_error(url: str, exc: psycopg.Error) -> StoreUnavailable:
    """The ledger's tables could not be made (or checked) on a server that let us in."""
    shown = redact_url(url)
    _, _, db, user = _parts(url)
    if isinstance(exc, psycopg.errors.InsufficientPrivilege):
        m = re.search(r"for schema (\S+)", _one_line(exc))
        why = (
            f"user {user} may not create the ledger's tables in {db} ({_one_line(exc)}). Use "
            "the database owner's account, or grant it: `GRANT CREATE ON SCHEMA "
            f"{m.group(1) if m else 'public'} TO {user}`"
        )
    elif isinstance(exc, psycopg.errors.InvalidSchemaName):
        why = (
            f"user {user} has no schema to create the ledger's tables in ({_one_line(exc)}): "
            "none on its search_path exists or may be used by it. Name one in the URL "
            "(?options=-csearch_path%3DSCHEMA) or grant it: `GRANT USAGE, CREATE ON SCHEMA "
            f"SCHEMA TO {user}`"
        )
    else:
        why = _one_line(exc)
    return StoreUnavailable(f"cannot set up the PostgreSQL ledger {shown}: {why}")
