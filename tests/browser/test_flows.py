"""The real flows in Chromium against the live server: sign in, find a free space, book from
the week, meet a conflict and take an alternative, book a weekly series and cancel one of it,
approve and reject as the manager, switch language, copy the calendar link; and the manager's
admin round: a new tenant, an invited person with a qualification, a lease made and ended."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser


def test_a_member_books_from_the_week_meets_a_conflict_and_books_a_series(new_page, output_dir):
    page = new_page("member@demo.example")
    assert page.locator("html").get_attribute("lang") == "nl"
    screenshot(page, output_dir, "home")

    # Search the spaces free on Thursday 10/12 from 10:00 to 11:00.
    page.get_by_role("link", name="Ruimtes").click()
    page.get_by_label("Soort").select_option("meeting_room")
    page.get_by_label("Vrij vanaf").fill("2026-12-10T10:00")
    page.get_by_label("Vrij tot").fill("2026-12-10T11:00")
    page.get_by_role("button", name="Zoeken").click()
    assert re.search(r"\d+ ruimtes? dan vrij", page.locator("h2.results-head").inner_text())
    screenshot(page, output_dir, "search")
    page.locator(".space-card h3 a").first.click()
    assert page.get_by_label("Begin").input_value() == "2026-12-10T10:00"

    # Choose a free hour in the week with the keyboard: it fills the form on the page.
    screenshot(page, output_dir, "space")
    slot = page.locator('.timeline .slot[data-start^="2026-12-11"]').first
    start, end = slot.get_attribute("data-start"), slot.get_attribute("data-end")
    slot.focus()
    page.keyboard.press("Enter")
    assert page.get_by_label("Begin").input_value() == start
    assert page.get_by_label("Einde").input_value() == end
    page.get_by_label("Titel").fill("Klantgesprek")
    page.get_by_label("Titel").press("Enter")  # Enter submits
    page.wait_for_url(re.compile(r"/bookings/\d+$"))
    assert "Je boeking is bevestigd." in page.locator(".flashes").inner_text()
    space_url = page.locator("dd a[href^='/spaces/']").get_attribute("href")

    # The same hour again: the conflict shows what is in the way and one-click alternatives.
    page.goto(f"{space_url}?start={start}&end={end}")
    page.get_by_label("Titel").fill("Tweede gesprek")
    page.get_by_role("button", name=re.compile("^(Boeken|Boeking aanvragen)$")).click()
    problem = page.locator("#problem")
    assert "Op dat moment is er al iets geboekt." in problem.inner_text()
    assert page.get_by_label("Titel").input_value() == "Tweede gesprek"  # nothing lost
    screenshot(page, output_dir, "conflict")
    problem.locator("button.choice").first.click()
    page.wait_for_url(re.compile(r"/bookings/\d+$"))
    assert page.locator("h1").inner_text() == "Tweede gesprek"

    # A weekly series, in words: every Monday until the end of January.
    page.goto(space_url)
    page.get_by_label("Begin").fill("2026-12-14T19:00")
    page.get_by_label("Einde").fill("2026-12-14T20:00")
    page.get_by_label("Titel").fill("Weekoverleg")
    page.get_by_label("Elke week herhalen").check()
    page.get_by_role("checkbox", name="maandag").check()
    page.get_by_label("Tot en met").fill("2027-01-25")
    page.get_by_label("Sla bezette weken over; boek de rest").check()
    page.get_by_role("button", name=re.compile("^(Boeken|Boeking aanvragen)$")).click()
    page.wait_for_url(re.compile(r"/bookings/\d+$"))
    assert re.search(r"\d+ boekingen gemaakt", page.locator(".flashes").inner_text())

    # Cancel one occurrence of it.
    page.get_by_label("Alleen deze").check()
    page.get_by_role("button", name="Boeking annuleren").click()
    assert "1 boeking is geannuleerd." in page.locator(".flashes").inner_text()
    assert "Geannuleerd" in page.locator(".badge").first.inner_text()
    screenshot(page, output_dir, "cancelled")


def test_the_manager_approves_and_rejects(new_page, output_dir):
    page = new_page("manager@demo.example")
    page.get_by_role("link", name="Goedkeuringen").click()
    rows = page.locator(".approval")
    before = rows.count()
    assert before >= 2
    screenshot(page, output_dir, "approvals")
    first_title = rows.first.locator("h2").inner_text()
    rows.first.get_by_role("button", name="Goedkeuren", exact=True).click()
    assert "goedgekeurd" in page.locator(".flashes").inner_text()
    assert page.locator(".approval h2", has_text=first_title).count() == 0 or (
        page.locator(".approval").count() < before
    )
    row = page.locator(".approval").first
    row.get_by_label("Reden (gaat naar wie boekte)").fill("De zaal is nodig voor examens")
    row.get_by_role("button", name="Afwijzen", exact=True).click()
    assert "afgewezen" in page.locator(".flashes").inner_text()


def test_switching_language_and_copying_the_calendar_link(new_page, output_dir):
    page = new_page("member2@demo.example")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.get_by_role("link", name="EN", exact=True).click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("link", name="My bookings").is_visible()
    page.get_by_role("link", name="Account").click()
    link = page.get_by_label("Calendar link (https)").input_value()
    assert "/ical/" in link and link.endswith("/me.ics")
    assert page.get_by_label("Subscription link (webcal)").input_value().startswith("webcal://")
    page.locator("[data-copy=ical-url]").click()
    assert page.evaluate("() => navigator.clipboard.readText()") == link
    screenshot(page, output_dir, "account-en")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Make new links").click()
    assert page.get_by_label("Calendar link (https)").input_value() != link
    page.get_by_role("link", name="NL", exact=True).click()
    assert page.locator("html").get_attribute("lang") == "nl"
    assert page.get_by_role("heading", name="Je boekingen in je agenda").is_visible()


def test_the_manager_adds_a_tenant_invites_grants_and_leases(new_page, output_dir):
    page = new_page("manager@demo.example")
    page.get_by_role("link", name="Beheer").click()
    page.get_by_role("link", name="Huurders").click()

    # A new tenant; a VAT number typed with dots and spaces is accepted and tidied.
    page.get_by_label("Naam").fill("Nordlicht Labs")
    page.get_by_label("Btw-nummer").fill("BE 0758.301.656")
    page.get_by_label("Gratis uren per maand").fill("6")
    page.get_by_role("button", name="Huurder toevoegen").click()
    assert "Huurder Nordlicht Labs is toegevoegd." in page.locator(".flashes").inner_text()
    assert page.get_by_label("Btw-nummer").input_value() == "BE0758301656"
    screenshot(page, output_dir, "tenant")

    # Invite someone of that tenant: they get an e-mail to choose a password.
    page.get_by_role("link", name="Iemand uitnodigen").click()
    assert page.get_by_label("Huurder").locator("option:checked").inner_text() == "Nordlicht Labs"
    page.get_by_label("Naam").fill("Astrid Nordlicht")
    page.get_by_label("E-mail").fill("astrid@nordlicht.example")
    page.get_by_label("Rol").select_option("tenant_admin")
    page.get_by_role("combobox", name="Taal").select_option("en")
    page.get_by_role("button", name="Uitnodiging versturen").click()
    page.wait_for_url(re.compile(r"/admin/users/\d+$"))
    assert "astrid@nordlicht.example" in page.locator(".flashes").inner_text()
    assert page.locator("h1").inner_text() == "Astrid Nordlicht"

    # Grant a qualification until a day.
    page.get_by_label("Kwalificatie (code)").fill("cleanroom-gowning")
    page.get_by_label("Geldig tot en met (niet verplicht)").fill("2027-06-30")
    page.get_by_role("button", name="Toekennen").click()
    assert "cleanroom-gowning is toegekend." in page.locator(".flashes").inner_text()
    assert "tot 30/06/2027" in page.locator("#qualifications").inner_text()
    screenshot(page, output_dir, "user")

    # Lease a free office to the new tenant from the first of January.
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Beheer").click()
    page.get_by_role("link", name="Huurcontracten").click()
    page.get_by_role("link", name="Nieuw huurcontract").click()
    page.get_by_label("Huurder").select_option(label="Nordlicht Labs")
    page.get_by_label("Eerste dag").fill("2027-01-01")
    page.get_by_label(re.compile(r"^H\.2\.07 ")).check()
    page.get_by_label("Per m² per maand").check()
    page.get_by_label("Bedrag (EUR)").fill("15.50")
    screenshot(page, output_dir, "lease-new")
    page.get_by_role("button", name="Huurcontract aanmaken").click()
    page.wait_for_url(re.compile(r"/admin/leases/\d+$"))
    assert "Het huurcontract is aangemaakt." in page.locator(".flashes").inner_text()
    facts = page.locator(".facts-list").inner_text()
    assert "Nordlicht Labs" in facts and "01/01/2027" in facts
    assert "€\xa015,50 per m² per maand" in facts

    # The same office again for another tenant: the lease in the way is named.
    page.goto("/admin/leases/new")
    page.get_by_label("Huurder").select_option(label="Qualiva")
    page.get_by_label("Eerste dag").fill("2027-03-01")
    page.get_by_label(re.compile(r"^H\.2\.07 ")).check()
    page.get_by_label("Huurvrij").check()
    page.get_by_role("button", name="Huurcontract aanmaken").click()
    problem = page.locator("#problem")
    assert "H.2.07 is al verhuurd aan Nordlicht Labs vanaf 01/01/2027" in problem.inner_text()
    assert page.get_by_label(re.compile(r"^H\.2\.07 ")).is_checked()  # nothing lost
    screenshot(page, output_dir, "lease-conflict")
    problem.get_by_role("link", name="Bekijk dat huurcontract").click()

    # End the lease after six months (the browser asks to confirm).
    page.get_by_label("Laatste dag").fill("2027-06-30")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Huurcontract op deze dag beëindigen").click()
    assert "Het huurcontract loopt nu af op 30/06/2027." in page.locator(".flashes").inner_text()
    assert "30/06/2027" in page.locator(".facts-list").inner_text()
    screenshot(page, output_dir, "lease-ended")


def test_a_tenant_admin_finds_its_members_in_the_navigation(new_page, output_dir):
    page = new_page("tenant-admin@demo.example", width=390)
    page.get_by_role("link", name="Leden").click()
    assert page.locator("h1").inner_text() == "Leden van CellForge Therapeutics"
    rows = page.locator("table.stack tbody tr")
    assert rows.count() >= 3
    assert page.get_by_role("link", name="An Peeters").is_visible()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    screenshot(page, output_dir, "members-390")
