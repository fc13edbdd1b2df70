"""Run last in the session (see conftest.py): the document and the test suite agree.

- every answer the suite produced under /api was documented (status, media type, schema) and,
  for errors, in the one error shape;
- every answer the document promises — each (method, path, status) — was produced by some
  test of the suite.

It needs the whole suite: run alone or with a part of it, it is skipped.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.contract import recorder

TESTS = Path(__file__).resolve().parent.parent
# The files whose tests together produce every documented answer.
NEEDED = sorted(
    p.relative_to(TESTS).as_posix()
    for folder in ("http", "contract")
    for p in (TESTS / folder).glob("test_*.py")
)


def _whole_suite(session: pytest.Session) -> list[str]:
    ran = {item.path.resolve().relative_to(TESTS).as_posix() for item in session.items}
    return [name for name in NEEDED if name not in ran and not name.endswith("test_coverage.py")]


def test_every_answer_seen_was_documented_in_the_one_shape(request: pytest.FixtureRequest):
    missing = _whole_suite(request.session)
    if missing:
        pytest.skip(f"runs with the whole suite; not collected: {', '.join(missing[:5])}")
    problems = sorted(set(recorder.RECORD.problems))

    assert recorder.RECORD.answers > 1000, "the recorder heard (almost) nothing"
    assert not problems, f"{len(problems)} answers break the document:\n" + "\n".join(problems[:60])


def test_every_documented_answer_was_produced(request: pytest.FixtureRequest):
    missing = _whole_suite(request.session)
    if missing:
        pytest.skip(f"runs with the whole suite; not collected: {', '.join(missing[:5])}")
    doc = recorder.RECORD.doc
    assert doc is not None

    never = sorted(
        set(recorder.documented_answers(doc)) - recorder.RECORD.seen,
        key=lambda a: (a[1], a[0], a[2]),
    )

    assert not never, f"{len(never)} documented answers no test produced:\n" + "\n".join(
        f"{method} {path} -> {status}" for method, path, status in never
    )
