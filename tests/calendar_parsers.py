"""Read iCalendar feeds the way calendar clients do, for tests.

Two independent parsers expand a feed into the occurrences a user would see:
``expand_python`` (icalendar + recurring_ical_events) and ``expand_icaljs`` (ical.js under
Node, as used by Thunderbird and many web clients; see tests/js/expand.mjs). Both return the
same sorted list of ``Instance`` so that a test can compare them with what it expects.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import icalendar
import recurring_ical_events

__all__ = ["Instance", "ensure_icaljs", "expand_icaljs", "expand_python", "node_available"]

JS_DIR = Path(__file__).resolve().parent / "js"
EXPAND_SCRIPT = JS_DIR / "expand.mjs"
PACKAGE_JSON = JS_DIR / "package.json"


@dataclass(frozen=True)
class Instance:
    """One occurrence as a calendar client shows it."""

    uid: str
    start_utc: datetime
    end_utc: datetime
    status: str  # as in the file: "CONFIRMED" / "TENTATIVE" / "CANCELLED" ("" when absent)
    summary: str


def _sorted(instances: list[Instance]) -> list[Instance]:
    return sorted(instances, key=lambda i: (i.start_utc, i.uid))


def _check_window(start: datetime, end: datetime) -> None:
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("the window needs aware datetimes")


def _utc(value: date | datetime, what: str) -> datetime:
    # Our feeds have no all-day and no floating times; one would be a bug worth failing on.
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise AssertionError(f"{what} is not an aware date-time: {value!r}")
    return value.astimezone(UTC)


def expand_python(ics: bytes, start: datetime, end: datetime) -> list[Instance]:
    """Occurrences overlapping [start, end) according to icalendar + recurring_ical_events."""
    _check_window(start, end)
    calendar = icalendar.Calendar.from_ical(ics)
    instances = []
    for component in recurring_ical_events.of(calendar).between(start, end):
        uid = str(component["UID"])
        instances.append(
            Instance(
                uid=uid,
                start_utc=_utc(component.start, f"{uid} DTSTART"),
                end_utc=_utc(component.end, f"{uid} DTEND"),
                status=str(component.get("STATUS", "")),
                summary=str(component.get("SUMMARY", "")),
            )
        )
    return _sorted(instances)


def node_available() -> bool:
    """Whether a ``node`` executable is on PATH."""
    return shutil.which("node") is not None


def _cache_dir() -> Path:
    root = os.environ.get("CAMPUS_BOOKING_CACHE")
    base = Path(root) if root else Path.home() / ".cache" / "campus-booking"
    return base / "icaljs"


def _pinned_version() -> str:
    manifest: dict[str, Any] = json.loads(PACKAGE_JSON.read_text(encoding="utf-8"))
    return str(manifest["dependencies"]["ical.js"])


def _installed_version(node_modules: Path) -> str | None:
    manifest = node_modules / "ical.js" / "package.json"
    try:
        return str(json.loads(manifest.read_text(encoding="utf-8"))["version"])
    except (OSError, ValueError, KeyError):
        return None


def ensure_icaljs() -> Path:
    """Install the pinned ical.js into the cache folder once; return its node_modules path.

    The folder is ``$CAMPUS_BOOKING_CACHE/icaljs`` or ``~/.cache/campus-booking/icaljs``. A
    different pinned version in tests/js/package.json triggers a fresh install. A file lock
    keeps parallel test workers from installing at the same time.
    """
    folder = _cache_dir()
    node_modules = folder / "node_modules"
    version = _pinned_version()
    if _installed_version(node_modules) == version:
        return node_modules
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is needed to install ical.js for the calendar tests")
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _installed_version(node_modules) != version:
            shutil.copyfile(PACKAGE_JSON, folder / "package.json")
            (folder / "package-lock.json").unlink(missing_ok=True)
            completed = subprocess.run(
                [npm, "install", "--no-audit", "--no-fund", "--prefix", str(folder)],
                capture_output=True,
                text=True,
                timeout=600,
                check=False,
            )
            installed = _installed_version(node_modules)
            if completed.returncode != 0 or installed != version:
                raise RuntimeError(
                    f"npm install of ical.js {version} into {folder} failed "
                    f"(exit {completed.returncode}, found {installed}):\n"
                    f"{completed.stdout}\n{completed.stderr}"
                )
    return node_modules


def expand_icaljs(ics: bytes, start: datetime, end: datetime) -> list[Instance]:
    """Occurrences overlapping [start, end) according to ical.js (tests/js/expand.mjs)."""
    _check_window(start, end)
    node = shutil.which("node")
    if node is None:
        raise RuntimeError("node is needed to parse calendars with ical.js")
    node_modules = ensure_icaljs()
    env = {**os.environ, "ICALJS_NODE_MODULES": str(node_modules), "NODE_PATH": str(node_modules)}
    completed = subprocess.run(
        [node, str(EXPAND_SCRIPT), start.isoformat(), end.isoformat()],
        input=ics,
        capture_output=True,
        env=env,
        timeout=120,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(
            f"expand.mjs failed (exit {completed.returncode}):\n"
            f"{completed.stderr.decode('utf-8', 'replace')}"
        )
    rows: list[dict[str, str]] = json.loads(completed.stdout)
    return _sorted(
        [
            Instance(
                uid=row["uid"],
                start_utc=datetime.fromisoformat(row["start"]).astimezone(UTC),
                end_utc=datetime.fromisoformat(row["end"]).astimezone(UTC),
                status=row["status"],
                summary=row["summary"],
            )
            for row in rows
        ]
    )
