"""What the benchmarks share: timing warm calls, and a scratch database per run."""

from __future__ import annotations

import os
import secrets
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


def stats(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "median_ms": round(statistics.median(ordered) * 1000, 3),
        "p95_ms": round(p95 * 1000, 3),
        "calls": len(ordered),
    }


def timed(call: Callable[[], None], calls: int, warmup: int = 3) -> dict[str, float]:
    for _ in range(warmup):
        call()
    samples = []
    for _ in range(calls):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return stats(samples)


def timed_together(
    calls: list[Callable[[], None]], rounds: int, warmup: int = 3
) -> list[dict[str, float]]:
    """Each call once per round, in turn: a shared machine's changing load falls on all of them
    alike, so that their ratios hold even when the absolute times move."""
    for _ in range(warmup):
        for call in calls:
            call()
    samples: list[list[float]] = [[] for _ in calls]
    for _ in range(rounds):
        for call, taken in zip(calls, samples, strict=True):
            started = time.perf_counter()
            call()
            taken.append(time.perf_counter() - started)
    return [stats(taken) for taken in samples]


@contextmanager
def scratch_database(url: str | None, prefix: str = "bench") -> Iterator[str]:
    """A new empty database, dropped afterwards: a SQLite file in a temporary folder (or the
    SQLite URL given), or a database of its own on the PostgreSQL server of `url`. The test
    suite and the fuzz run make theirs here too."""
    if url is None or url.startswith("sqlite"):
        with tempfile.TemporaryDirectory() as folder:
            yield url or f"sqlite:///{Path(folder) / f'{prefix}.db'}"
        return
    from booking.config import normalise_database_url

    base = make_url(normalise_database_url(url))
    name = f"{prefix}_{os.getpid()}_{secrets.token_hex(3)}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
