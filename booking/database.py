"""Engine set-up per database: how reads and writes begin.

SQLite has one writer at a time. A transaction that reads, then writes, can lose its snapshot
to another writer and fail; so writing transactions begin IMMEDIATE (take the write lock
first, wait for it) and re-read inside. Reads (GET requests) begin DEFERRED and run in
parallel under WAL.

PostgreSQL writers lock the rows they decide on (the space, the booking). Reads run in
autocommit: no BEGIN and ROLLBACK round trips around a GET request's few statements.

Outside a request (CLI, services in tests, bench) the default is to write.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

_read_only: contextvars.ContextVar[bool] = contextvars.ContextVar("read_only", default=False)


def set_read_only_transactions(read_only: bool) -> None:
    """Make this context's next transactions reads (True) or writes (False)."""
    _read_only.set(read_only)


@contextmanager
def read_only_transactions() -> Iterator[None]:
    token = _read_only.set(True)
    try:
        yield
    finally:
        _read_only.reset(token)


def configure_engine(engine: Engine) -> None:
    """Install the per-dialect connection behaviour on a new engine."""
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)
    elif engine.dialect.name == "postgresql":
        _configure_postgresql(engine)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event, below, issue BEGIN itself.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN DEFERRED" if _read_only.get() else "BEGIN IMMEDIATE")


def _configure_postgresql(engine: Engine) -> None:
    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        # Nothing has been sent yet: psycopg begins a transaction with the first statement.
        if _read_only.get():
            connection.connection.dbapi_connection.autocommit = True

    @event.listens_for(engine, "checkin")
    def _checkin(dbapi_connection: Any, _record: Any) -> None:
        if dbapi_connection is not None and not dbapi_connection.closed:
            dbapi_connection.autocommit = False
