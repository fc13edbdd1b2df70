"""Engine set-up per database: SQLite gets a serialized write path, PostgreSQL row locks."""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

# SQLite has one writer at a time. A transaction that reads, then writes, can lose its snapshot
# to another writer and fail; so writing transactions begin IMMEDIATE (take the write lock
# first, wait for it) and re-read inside. Reads (GET requests) begin DEFERRED and run in
# parallel under WAL. Outside a request (CLI, services in tests, bench) the default is to write.
_sqlite_begin: contextvars.ContextVar[str] = contextvars.ContextVar(
    "sqlite_begin", default="IMMEDIATE"
)


def set_read_only_transactions(read_only: bool) -> None:
    """Make this context's next SQLite transactions DEFERRED (reads) or IMMEDIATE (writes)."""
    _sqlite_begin.set("DEFERRED" if read_only else "IMMEDIATE")


@contextmanager
def read_only_transactions() -> Iterator[None]:
    token = _sqlite_begin.set("DEFERRED")
    try:
        yield
    finally:
        _sqlite_begin.reset(token)


def configure_engine(engine: Engine) -> None:
    """Install the per-dialect connection behaviour on a new engine."""
    if engine.dialect.name != "sqlite":
        return

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
        connection.exec_driver_sql(f"BEGIN {_sqlite_begin.get()}")
