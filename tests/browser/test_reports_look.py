"""The reports page with its heat map, and a monthly invoice, at 1280 px and 390 px: screenshots
to look at, axe-core finds no serious or critical violation, and the invoice prints on A4
without the site around it."""

from __future__ import annotations

import pytest

from tests.browser.conftest import axe_violations, screenshot

pytestmark = pytest.mark.browser


def _problems(page):
    """axe-core's serious and critical findings, and a page wider than the screen."""
    found = [(v["id"], v["impact"], v["nodes"][0]["html"]) for v in axe_violations(page)]
    width = page.evaluate("() => document.documentElement.scrollWidth")
    if width > page.viewport_size["width"]:
        found.append(("page-scrolls-sideways", "serious", width))
    return found


@pytest.mark.parametrize("width", [1280, 390])
def test_the_reports_page_and_an_invoice_look_right(new_page, output_dir, width):
    page = new_page("manager@demo.example", width=width)
    page.goto("/reports")
    heat = page.locator("table.heat")
    assert heat.locator("tbody tr").count() == 7
    assert heat.locator("tbody td").count() == 7 * 24
    # The demo books on weekdays in the daytime: some cells are shaded.
    assert heat.locator("td.l5").count() >= 1
    screenshot(page, output_dir, f"reports-{width}")
    page.locator("section:has(#peak-title)").screenshot(path=str(output_dir / f"heat-{width}.png"))
    problems = {"reports": _problems(page)}

    # The heat map filtered to one kind, through the form, by keyboard.
    page.locator("#heat-kind").select_option("meeting_room")
    page.locator("form:has(#heat-kind) button").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "kind=meeting_room" in page.url

    # From the per-tenant table to the first tenant's invoice of this month.
    page.goto("/reports")
    page.locator("section:has(#invoices) tbody a[href*='/invoices/']").first.click()
    page.wait_for_load_state()
    assert page.locator("article.invoice").count() == 1
    # A line per booking makes a long page: its top, and its end.
    page.screenshot(path=str(output_dir / f"invoice-top-{width}.png"))
    page.locator(".invoice-bottom").scroll_into_view_if_needed()
    page.screenshot(path=str(output_dir / f"invoice-end-{width}.png"))
    problems["invoice"] = _problems(page)
    # Three months back: before the demo's bookings, the rent alone, a page or so.
    for _ in range(3):
        with page.expect_navigation():
            page.locator(".invoice-tools nav a").first.click()
    screenshot(page, output_dir, f"invoice-{width}")
    problems["invoice-rent"] = _problems(page)

    # Printed: no navigation, no buttons, the invoice alone.
    page.emulate_media(media="print")
    assert not page.locator(".site-header").is_visible()
    assert not page.locator(".invoice-tools").is_visible()
    assert page.locator("article.invoice").is_visible()
    screenshot(page, output_dir, f"invoice-print-{width}")
    if width == 1280:
        pdf = page.pdf(format="A4", print_background=True)
        (output_dir / "invoice.pdf").write_bytes(pdf)
        assert pdf.startswith(b"%PDF") and len(pdf) > 5_000
    assert not any(problems.values()), problems


@pytest.mark.parametrize("width", [1280, 390])
def test_a_tenant_admin_finds_usage_and_invoices(new_page, output_dir, width):
    page = new_page("tenant-admin@demo.example", width=width)
    page.goto("/")
    page.get_by_role("link", name="Verbruik & facturen").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Verbruik & facturen"
    screenshot(page, output_dir, f"usage-{width}")
    problems = {"usage": _problems(page)}
    page.locator("table.usage-table tbody a[href*='/invoices/']").first.click()
    page.wait_for_load_state()
    assert page.locator("article.invoice h1").inner_text().startswith("Factuur")
    screenshot(page, output_dir, f"tenant-invoice-{width}")
    problems["invoice"] = _problems(page)
    assert not any(problems.values()), problems
