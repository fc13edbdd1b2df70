"""Every page at 1280 px and 390 px wide: screenshots to look at, and axe-core finds no
serious or critical violation."""

from __future__ import annotations

import pytest

from tests.browser.conftest import axe_violations, screenshot

pytestmark = pytest.mark.browser

MEMBER_PAGES = [
    ("home", "/"),
    ("spaces", "/spaces"),
    ("spaces-free", "/spaces?free_from=2026-12-02T10:00&free_to=2026-12-02T11:00"),
    ("space", "/spaces/1"),
    ("account", "/account"),
    ("not-found", "/no-such-page"),
]
MANAGER_PAGES = [
    ("approvals", "/approvals"),
    ("admin", "/admin"),
    ("admin-spaces", "/admin/spaces"),
    ("admin-space", "/admin/spaces/1"),
    ("admin-closures", "/admin/closures"),
    ("reports", "/reports"),
]


@pytest.mark.parametrize("width", [1280, 390])
def test_every_page_looks_right_and_passes_axe(new_page, output_dir, width):
    problems = {}
    for email, pages in (
        ("member@demo.example", MEMBER_PAGES),
        ("manager@demo.example", MANAGER_PAGES),
    ):
        page = new_page(email, width=width)
        for name, path in pages:
            page.goto(path)
            screenshot(page, output_dir, f"{name}-{width}")
            found = axe_violations(page)
            if found:
                problems[name] = [(v["id"], v["impact"], v["nodes"][0]["html"]) for v in found]
        page.context.close()
    assert not problems, problems
