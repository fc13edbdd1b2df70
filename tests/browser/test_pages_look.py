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
    ("admin-tenants", "/admin/tenants"),
    ("admin-tenant", "/admin/tenants/1"),
    ("admin-users", "/admin/users"),
    ("admin-users-filtered", "/admin/users?tenant_id=1&role=member&active=yes"),
    ("admin-user", "/admin/users/3"),
    ("admin-user-new", "/admin/users/new"),
    ("admin-user-deactivate", "/admin/users/3/deactivate"),
    ("admin-qualifications", "/admin/qualifications"),
    ("admin-leases", "/admin/leases"),
    ("admin-leases-all", "/admin/leases?show=all"),
    ("admin-lease", "/admin/leases/1"),
    ("admin-lease-new", "/admin/leases/new"),
    ("reports", "/reports"),
]
# A tenant admin manages its own members on the same pages.
TENANT_ADMIN_PAGES = [
    ("members", "/admin/users"),
    ("member", "/admin/users/3"),
    ("member-new", "/admin/users/new"),
]


SIGNED_OUT_PAGES = [
    ("login", "/login"),
    ("reset", "/reset"),
    ("reset-bad-link", "/reset/no-such-link"),
    ("api-docs", "/api/docs"),
]


def _first_booking(page) -> str:
    """The member's next booking, as the home page links to it."""
    page.goto("/")
    href = page.locator("main a[href^='/bookings/']").first.get_attribute("href")
    assert href, "the member has no upcoming booking on /"
    return href


@pytest.mark.parametrize("width", [1280, 390])
def test_every_page_looks_right_and_passes_axe(new_page, output_dir, width):
    problems = {}
    member = new_page("member@demo.example", width=width)
    signed_out = new_page(width=width)
    for page, pages in (
        (member, [("booking", _first_booking(member))]),
        (signed_out, SIGNED_OUT_PAGES),
    ):
        for name, path in pages:
            page.goto(path)
            page.wait_for_load_state("networkidle")
            screenshot(page, output_dir, f"{name}-{width}")
            found = axe_violations(page)
            if found:
                problems[name] = [(v["id"], v["impact"], v["nodes"][0]["html"]) for v in found]
    for email, pages in (
        ("member@demo.example", MEMBER_PAGES),
        ("manager@demo.example", MANAGER_PAGES),
        ("tenant-admin@demo.example", TENANT_ADMIN_PAGES),
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
