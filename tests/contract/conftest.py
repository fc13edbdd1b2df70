"""The API contract: every answer under /api that the session sees is recorded and checked
against the OpenAPI document (tests/contract/recorder.py), and test_coverage.py, moved to the
very end of the session, checks the whole of it.

pytest imports this file while it collects, before any test runs; the recorder then hears the
answers of every test of the session, in every directory.
"""

from __future__ import annotations

import pytest

from tests.contract import recorder

recorder.start()

LAST = "test_coverage.py"


def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    """Move the coverage check to the end, after every other test of the session."""
    last = [item for item in items if item.path.name == LAST]
    if last:
        items[:] = [item for item in items if item.path.name != LAST] + last
