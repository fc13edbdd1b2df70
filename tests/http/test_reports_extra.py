"""Peak hours, cancellation rates, the printable invoice and the usage pages, with every
expectation computed by hand."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from flask import g
from flask_babel import refresh
from lxml import etree

from booking.models import Lease
from tests.http.scene import (
    error,
    fast_api_as,  # noqa: F401  (the api_as fixture, faster)
    local,
)
from tests.http.test_invoices import NS, january  # noqa: F401  (the January 2027 fixture)

D = Decimal
CSV = {"Accept": "text/csv"}
WEEKDAYS_8_18 = {day: [["08:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def sign_in(client, session, user):
    """Signed in as user from the next request on. The test's app context is shared by its
    requests: forget the user Flask-Login remembered there, as a new request would."""
    session.commit()
    g.pop("_login_user", None)
    with client.session_transaction() as browser_session:
        browser_session["_user_id"] = user.get_id()
        browser_session["_fresh"] = True


def page(client, path, lang="en", status=200):
    """The page's text as the reader gets it (the locale chosen afresh, as a real request
    would: the test's app context is shared by its requests)."""
    refresh()
    answer = client.get(path + ("&" if "?" in path else "?") + f"lang={lang}")
    assert answer.status_code == status, (path, answer.status_code)
    return answer.get_data(as_text=True)


def visible(html):
    """The text of the page's <main>, tags removed, spaces folded."""
    main = html[html.index("<main") : html.index("</main>")]
    text = re.sub(r"<[^>]+>", " ", main).replace("&nbsp;", " ").replace("\xa0", " ")
    return re.sub(r"\s+", " ", text)


def table(answer):
    assert answer.status_code == 200, answer.data[:300]
    assert answer.headers["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.reader(io.StringIO(answer.data.decode("utf-8"))))


# ---------------------------------------------------------------------------------------------
# Peak hours


@pytest.fixture
def rooms(session, make_space, make_building, make_tenant, make_user):
    hub, lab = make_building(code="HUB"), make_building(code="LAB")
    tenant = make_tenant(name="T")
    return {
        "meeting": make_space(code="M.1", opening_hours=WEEKDAYS_8_18, building=hub),
        "training": make_space(code="T.1", kind="training_room", building=hub),
        "lab": make_space(code="L.1", kind="lab", building=lab),
        "member": make_user(tenant=tenant),
        "manager": make_user(role="manager"),
        "tenant": tenant,
        "session": session,
    }


def heat(api, query):
    answer = api.get(f"/reports/peak-hours?{query}")
    assert answer.status_code == 200, answer.get_json()
    items = answer.get_json()["items"]
    assert len(items) == 168
    assert [(i["weekday"], i["hour"]) for i in items] == [(d, h) for d in DAYS for h in range(24)]
    return {(i["weekday"], i["hour"]): i["booked_hours"] for i in items if i["booked_hours"]}


def test_a_booking_is_split_at_the_hour_boundaries(rooms, api_as, make_booking):
    # Wednesday 2027-03-03 08:30-10:15.
    make_booking(
        rooms["meeting"],
        rooms["member"],
        local("2027-03-03", "08:30"),
        local("2027-03-03", "10:15"),
    )
    rooms["session"].commit()
    cells = heat(api_as(rooms["manager"]), "from=2027-03-01&to=2027-03-31")
    assert cells == {("wed", 8): 0.5, ("wed", 9): 1.0, ("wed", 10): 0.25}


def test_peak_hours_add_up_the_spaces_and_the_weeks(rooms, api_as, make_booking):
    member = rooms["member"]
    # Two Mondays in two spaces at 09:00-10:00, and one in the lab 09:00-09:30.
    for day in ("2027-03-01", "2027-03-08"):
        make_booking(rooms["meeting"], member, local(day, "09:00"), local(day, "10:00"))
        make_booking(rooms["training"], member, local(day, "09:00"), local(day, "10:00"))
    make_booking(rooms["lab"], member, local("2027-03-15", "09:00"), local("2027-03-15", "09:30"))
    rooms["session"].commit()
    manager = api_as(rooms["manager"])
    assert heat(manager, "from=2027-03-01&to=2027-03-31") == {("mon", 9): 4.5}
    assert heat(manager, "from=2027-03-01&to=2027-03-31&kind=lab") == {("mon", 9): 0.5}
    assert heat(manager, "from=2027-03-01&to=2027-03-31&building=HUB") == {("mon", 9): 4.0}
    assert heat(manager, "from=2027-03-01&to=2027-03-31&building=HUB&kind=lab") == {}
    # The period: only the first Monday.
    assert heat(manager, "from=2027-03-01&to=2027-03-07") == {("mon", 9): 2.0}


def test_a_booking_across_midnight_lands_on_two_weekdays(rooms, api_as, make_booking):
    # Thursday 2027-03-04 22:00 to Friday 02:00.
    make_booking(
        rooms["lab"], rooms["member"], local("2027-03-04", "22:00"), local("2027-03-05", "02:00")
    )
    rooms["session"].commit()
    manager = api_as(rooms["manager"])
    assert heat(manager, "from=2027-03-01&to=2027-03-31") == {
        ("thu", 22): 1.0,
        ("thu", 23): 1.0,
        ("fri", 0): 1.0,
        ("fri", 1): 1.0,
    }
    # Cut by the period: Thursday only.
    assert heat(manager, "from=2027-03-04&to=2027-03-04") == {("thu", 22): 1.0, ("thu", 23): 1.0}


def test_daylight_saving_nights_on_the_wall_clock(rooms, api_as, make_booking):
    lab, member = rooms["lab"], rooms["member"]
    # Sunday 2026-10-25 00:00-04:00: 02:00-03:00 happens twice, 5 real hours.
    make_booking(lab, member, local("2026-10-25", "00:00"), local("2026-10-25", "04:00"))
    # Sunday 2027-03-28 01:00-04:00: 02:00-03:00 does not exist, 2 real hours.
    make_booking(lab, member, local("2027-03-28", "01:00"), local("2027-03-28", "04:00"))
    rooms["session"].commit()
    manager = api_as(rooms["manager"])
    autumn = heat(manager, "from=2026-10-25&to=2026-10-25")
    assert autumn == {("sun", 0): 1.0, ("sun", 1): 1.0, ("sun", 2): 2.0, ("sun", 3): 1.0}
    spring = heat(manager, "from=2027-03-28&to=2027-03-28")
    assert spring == {("sun", 1): 1.0, ("sun", 3): 1.0}


def test_only_confirmed_bookings_count_inside_opening_hours_or_not(rooms, api_as, make_booking):
    meeting, member = rooms["meeting"], rooms["member"]
    for n, status in enumerate(("pending", "cancelled", "rejected")):
        day = f"2027-03-0{n + 2}"
        make_booking(meeting, member, local(day, "09:00"), local(day, "10:00"), status=status)
    # After the room's opening hours (a manager may book there): counted all the same.
    make_booking(meeting, member, local("2027-03-05", "18:00"), local("2027-03-05", "19:00"))
    rooms["session"].commit()
    assert heat(api_as(rooms["manager"]), "from=2027-03-01&to=2027-03-31") == {("fri", 18): 1.0}


def test_peak_hours_as_csv(rooms, api_as, make_booking):
    make_booking(
        rooms["meeting"],
        rooms["member"],
        local("2027-03-03", "08:30"),
        local("2027-03-03", "10:15"),
    )
    rooms["session"].commit()
    rows = table(
        api_as(rooms["manager"]).get(
            "/reports/peak-hours?from=2027-03-01&to=2027-03-31", headers=CSV
        )
    )
    assert rows[0] == ["weekday", "hour", "booked_hours"]
    assert len(rows) == 1 + 168
    assert rows[1] == ["mon", "0", "0.0"]
    assert ["wed", "8", "0.5"] in rows and ["wed", "10", "0.25"] in rows


@pytest.mark.parametrize(
    "query",
    [
        "from=2027-03-01",
        "from=2027-03-05&to=2027-03-01",
        "from=2027-01-01&to=2028-06-30",
        "from=2027-03-01&to=2027-03-05&kind=broom_cupboard",
        "from=2027-03-01&to=2027-03-05&group_by=kind",
    ],
)
def test_bad_peak_hours_queries_are_400(rooms, api_as, query):
    answer = api_as(rooms["manager"]).get(f"/reports/peak-hours?{query}")
    assert answer.status_code == 400
    assert error(answer)["code"] == "bad_request"


# ---------------------------------------------------------------------------------------------
# Cancellations, late cancellations, rejections, expiries


@pytest.fixture
def march(rooms, make_booking):
    """March 2027. The meeting room (HUB): 10 bookings, of which 3 cancelled (2 late), 1
    rejected, 1 expired. The lab (LAB): 4 bookings, 2 cancelled (1 late: 23:59 before its
    start; the other exactly 24 hours before, in time)."""
    member, manager = rooms["member"], rooms["manager"]
    meeting, lab = rooms["meeting"], rooms["lab"]

    def book(space, day, status="confirmed", cancelled_before=None, decided_by=None):
        start = local(day, "10:00")
        extra = {}
        if cancelled_before is not None:
            extra["cancelled_at"] = start - cancelled_before
        if decided_by is not None:
            extra["decided_by_id"] = decided_by.id
        return make_booking(
            space, member, start, start + timedelta(hours=1), status=status, **extra
        )

    for day in ("01", "02", "03", "04", "05"):
        book(meeting, f"2027-03-{day}")
    book(meeting, "2027-03-08", "cancelled", cancelled_before=timedelta(days=3))
    book(meeting, "2027-03-09", "cancelled", cancelled_before=timedelta(hours=2))
    book(meeting, "2027-03-10", "cancelled", cancelled_before=timedelta(hours=-1))  # after start
    book(meeting, "2027-03-11", "rejected", decided_by=manager)
    book(meeting, "2027-03-12", "rejected")  # nobody decided: expired
    book(lab, "2027-03-15")
    book(lab, "2027-03-16", "pending")
    book(lab, "2027-03-17", "cancelled", cancelled_before=timedelta(hours=23, minutes=59))
    book(lab, "2027-03-18", "cancelled", cancelled_before=timedelta(hours=24))
    # Starting in February or April: not March's.
    book(meeting, "2027-02-26", "cancelled", cancelled_before=timedelta(hours=1))
    book(lab, "2027-04-01", "rejected", decided_by=manager)
    rooms["session"].commit()
    return rooms


def test_cancellation_and_rejection_rates_by_kind(march, api_as):
    answer = api_as(march["manager"]).get(
        "/reports/cancellations?from=2027-03-01&to=2027-03-31&group_by=kind"
    )
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["items"] == [
        {
            "kind": "meeting_room",
            "bookings": 10,
            "cancelled": 3,
            "late_cancelled": 2,
            "rejected": 1,
            "expired": 1,
            "cancellation_rate": 0.3,
            "late_cancellation_rate": 0.2,
            "rejection_rate": 0.1,
            "expiry_rate": 0.1,
        },
        {
            "kind": "lab",
            "bookings": 4,
            "cancelled": 2,
            "late_cancelled": 1,
            "rejected": 0,
            "expired": 0,
            "cancellation_rate": 0.5,
            "late_cancellation_rate": 0.25,
            "rejection_rate": 0.0,
            "expiry_rate": 0.0,
        },
    ]


def test_cancellation_rates_by_space_and_building(march, api_as):
    manager = api_as(march["manager"])
    query = "/reports/cancellations?from=2027-03-01&to=2027-03-31&group_by="
    spaces = manager.get(query + "space").get_json()["items"]
    assert [(i["space_id"], i["code"], i["bookings"]) for i in spaces] == [
        (march["lab"].id, "L.1", 4),
        (march["meeting"].id, "M.1", 10),
    ]
    buildings = {i["building"]: i for i in manager.get(query + "building").get_json()["items"]}
    assert buildings["HUB"]["late_cancellation_rate"] == 0.2
    assert buildings["LAB"]["cancellation_rate"] == 0.5
    # A week: 5 bookings, none cancelled; the default grouping is by kind.
    week = manager.get("/reports/cancellations?from=2027-03-01&to=2027-03-07").get_json()
    assert week["items"] == [
        {
            "kind": "meeting_room",
            "bookings": 5,
            "cancelled": 0,
            "late_cancelled": 0,
            "rejected": 0,
            "expired": 0,
            "cancellation_rate": 0.0,
            "late_cancellation_rate": 0.0,
            "rejection_rate": 0.0,
            "expiry_rate": 0.0,
        }
    ]


def test_cancellations_as_csv(march, api_as):
    rows = table(
        api_as(march["manager"]).get(
            "/reports/cancellations?from=2027-03-01&to=2027-03-31&group_by=kind", headers=CSV
        )
    )
    assert rows == [
        [
            "kind",
            "bookings",
            "cancelled",
            "late_cancelled",
            "rejected",
            "expired",
            "cancellation_rate",
            "late_cancellation_rate",
            "rejection_rate",
            "expiry_rate",
        ],
        ["meeting_room", "10", "3", "2", "1", "1", "0.3", "0.2", "0.1", "0.1"],
        ["lab", "4", "2", "1", "0", "0", "0.5", "0.25", "0.0", "0.0"],
    ]


def test_the_new_reports_are_the_managers(march, api_as, make_user):
    for role in ("member", "tenant_admin"):
        client = api_as(make_user(role=role, tenant=march["tenant"]))
        for path in ("/reports/peak-hours", "/reports/cancellations"):
            answer = client.get(path)
            assert answer.status_code == 403, (role, path)
            assert error(answer)["code"] == "forbidden"


# ---------------------------------------------------------------------------------------------
# The reports page


def test_the_reports_page_shows_the_heat_map_rates_and_tenants(march, client, make_booking):
    make_booking(
        march["meeting"],
        march["member"],
        local("2026-12-02", "08:30"),
        local("2026-12-02", "10:15"),
    )
    sign_in(client, march["session"], march["manager"])
    html = page(client, "/reports")
    heat_table = html[html.index('<table class="heat">') :]
    heat_table = heat_table[: heat_table.index("</table>")]
    # Seven rows of 24 cells; Wednesday 8, 9, 10 shaded and written out.
    assert heat_table.count("<td class=") == 168
    wednesday = re.search(r'<abbr title="Wednesday">.*?</tr>', heat_table).group(0)
    cells = re.findall(r'<td class="l(\d)"[^>]*>([^<]*)</td>', wednesday)
    assert cells[8] == ("3", "0.5") and cells[9] == ("5", "1") and cells[10] == ("2", "0.25")
    assert cells[11] == ("0", "0")
    text = visible(page(client, "/reports?month=2027-03"))
    # March: the meeting rooms' 10 bookings, 3 cancelled (30.0 %), 2 late (20.0 %).
    assert "Meeting room 10 3 (30.0 %) 2 (20.0 %) 1 (10.0 %) 1 (10.0 %)" in text
    assert "Lab 4 2 (50.0 %) 1 (25.0 %) 0 (0.0 %) 0 (0.0 %)" in text
    assert "No-shows are not known" in text
    assert "Usage and invoices in 03/2027" in text and march["tenant"].name in text
    # The heat map filtered by kind, in Dutch.
    dutch = visible(page(client, "/reports?month=2026-12&kind=lab", lang="nl"))
    assert "Piekuren in 12/2026" in dutch


def test_every_table_of_the_reports_page_downloads_as_csv(march, client):
    sign_in(client, march["session"], march["manager"])
    html = page(client, "/reports?month=2027-03")
    links = re.findall(r'href="(/reports/[a-z-]+\.csv[^"]*)"', html)
    assert len(links) == 10
    first_columns = set()
    for link in links:
        rows = table(client.get(link.replace("&amp;", "&")))
        first_columns.add((link.split(".csv")[0], tuple(rows[0][:2])))
    assert first_columns == {
        ("/reports/occupancy", ("at", "scope")),
        ("/reports/occupancy-months", ("month", "scope")),
        ("/reports/utilisation", ("kind", "booked_hours")),
        ("/reports/utilisation", ("building", "booked_hours")),
        ("/reports/utilisation", ("space_id", "code")),
        ("/reports/peak-hours", ("weekday", "hour")),
        ("/reports/cancellations", ("kind", "bookings")),
        ("/reports/cancellations", ("building", "bookings")),
        ("/reports/cancellations", ("space_id", "code")),
        ("/reports/usage", ("tenant_id", "tenant")),
    }
    cancellations = table(client.get("/reports/cancellations.csv?month=2027-03&group_by=kind"))
    meeting_rooms = ["meeting_room", "10", "3", "2", "1", "1", "0.3", "0.2", "0.1", "0.1"]
    assert cancellations[1] == meeting_rooms
    peak = table(client.get("/reports/peak-hours.csv?month=2027-03&kind=lab"))
    # The lab's two confirmed hours in March: Monday 15 10:00-11:00 only (the rest is
    # pending or cancelled).
    assert [row for row in peak[1:] if row[2] != "0.0"] == [["mon", "10", "1.0"]]
    assert client.get("/reports/nothing.csv").status_code == 404


def test_report_pages_and_downloads_are_the_managers(march, client, make_user):
    for role in ("member", "tenant_admin"):
        sign_in(client, march["session"], make_user(role=role, tenant=march["tenant"]))
        assert client.get("/reports").status_code == 403
        assert client.get("/reports/usage.csv").status_code == 403
        assert client.get("/reports/peak-hours.csv").status_code == 403


# ---------------------------------------------------------------------------------------------
# The printable invoice


def invoice_xml(client, tenant, month):
    answer = client.get(f"/tenants/{tenant.id}/invoices/{month}.xml")
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "application/xml; charset=utf-8"
    return etree.fromstring(answer.data)


def test_the_invoice_page_has_the_ubl_invoices_numbers(january, client, api_as):  # noqa: F811
    tenant = january["tenant"]
    sign_in(client, january["session"], january["admin"])
    text = visible(page(client, f"/tenants/{tenant.id}/invoices/2027-01"))
    number = f"2027-01-{tenant.id:05d}"
    assert f"Invoice {number}" in text
    # Issued today (01/12/2026: January 2027 has not begun), due 30 days later.
    assert "Issue date 01/12/2026" in text and "Due date 31/12/2026" in text
    assert "Period 01/01/2027–31/01/2027" in text
    # Seller and buyer with their VAT numbers and addresses.
    assert "Health Campus Innovation Hub (demo) Campuslaan 1 3590 Diepenbeek Belgium" in text
    assert "VAT BE0123456749" in text
    assert "CellForge Therapeutics Agoralaan 1 3590 Diepenbeek Belgium VAT BE0477472701" in text
    # Lines: the lab's rent 10/31 days of 1000.00, the office 15/31 of 24 m² × 16.50; the
    # bookings: 1.5 h all free, 2 h of which 0.5 free at 12.35, 4 h across midnight at 45.
    assert "Rent 01/01/2027–10/01/2027 L.1.01 Lab 10/31 days €1,000.00 / month €322.58 21 %" in text
    assert "24 m² at €16.50 per m² a month H.2.01 Office 15/31 days €396.00 / month €191.61" in text
    assert "1.50 h booked, of which 1.50 h free A.1 Demer 0.00 h €45.00 / h €0.00" in text
    assert "2.00 h booked, of which 0.50 h free B.1 Dijle 1.50 h €12.35 / h €18.53" in text
    assert "Booking 31/01/2027 22:00 – 01/02/2027 02:00 A.1 Demer 4.00 h €45.00 / h €180.00" in text
    assert "Free hours used: 2.00 of 2.00 this month." in text
    # Totals: net 712.72; VAT 21 % of it, 149.6712 -> 149.67; 862.39.
    assert "Total excl. VAT €712.72" in text
    assert "VAT 21 % on €712.72 €149.67" in text
    assert "Total to pay €862.39" in text
    # The UBL document says the same.
    root = invoice_xml(client, tenant, "2027-01")
    assert root.findtext("cbc:ID", namespaces=NS) == number
    assert root.findtext("cbc:IssueDate", namespaces=NS) == "2026-12-01"
    assert root.findtext("cac:LegalMonetaryTotal/cbc:TaxExclusiveAmount", namespaces=NS) == "712.72"
    assert root.findtext("cac:TaxTotal/cbc:TaxAmount", namespaces=NS) == "149.67"
    assert root.findtext("cac:LegalMonetaryTotal/cbc:PayableAmount", namespaces=NS) == "862.39"
    # Payment: the seller's IBAN and the structured reference of the UBL document, whose
    # last two digits are the first ten mod 97.
    reference = root.findtext("cac:PaymentMeans/cbc:PaymentID", namespaces=NS)
    assert "IBAN BE68 5390 0754 7034" in text
    assert f"Structured reference {reference}" in text
    digits = re.sub(r"\D", "", reference)
    assert len(digits) == 12 and (int(digits[:10]) % 97 or 97) == int(digits[10:])
    # And the usage the API gives, line by line.
    usage = api_as(january["admin"]).get(f"/tenants/{tenant.id}/usage?month=2027-01").get_json()
    for line in usage["lines"]:
        assert f"€{D(line['amount_eur']):,.2f}" in text
    assert usage["net_eur"] == "712.72"


def test_the_invoice_page_in_dutch_writes_euros_the_belgian_way(january, client):  # noqa: F811
    sign_in(client, january["session"], january["manager"])
    text = visible(page(client, f"/tenants/{january['tenant'].id}/invoices/2027-01", lang="nl"))
    assert "Factuur 2027-01-" in text
    assert "€ 1.000,00 / maand" in text
    assert "Totaal te betalen € 862,39" in text
    assert "Btw 21 % op € 712,72 € 149,67" in text
    assert "Agoralaan 1 3590 Diepenbeek België" in text


def test_a_lease_across_the_month_end_is_prorated_on_both_invoices(
    session, client, make_space, make_tenant, make_user
):
    tenant = make_tenant(name="Crosser")
    office = make_space(code="O.1", name="Maas", kind="office", area_m2=D("20"))
    # 1000.00 a month from 20 January to 10 February 2027: 12/31 -> 387.10; 10/28 -> 357.14.
    session.add(
        Lease(
            tenant_id=tenant.id,
            start=date(2027, 1, 20),
            end=date(2027, 2, 10),
            rent_eur_month=D("1000.00"),
            spaces=[office],
        )
    )
    sign_in(client, session, make_user(role="manager"))
    january_text = visible(page(client, f"/tenants/{tenant.id}/invoices/2027-01"))
    assert (
        "Rent 20/01/2027–31/01/2027 O.1 Maas 12/31 days €1,000.00 / month €387.10" in january_text
    )
    assert "Total to pay €468.39" in january_text  # 387.10 + 81.29 (21 %, 81.291)
    february_text = visible(page(client, f"/tenants/{tenant.id}/invoices/2027-02"))
    assert (
        "Rent 01/02/2027–10/02/2027 O.1 Maas 10/28 days €1,000.00 / month €357.14" in february_text
    )
    assert "Total to pay €432.14" in february_text  # 357.14 + 75.00 (74.9994)


def test_who_sees_which_invoice_page(january, client, make_user):  # noqa: F811
    tenant, session = january["tenant"], january["session"]
    path = f"/tenants/{tenant.id}/invoices/2027-01"
    other_path = f"/tenants/{january['other'].id}/invoices/2027-01"
    session.commit()
    assert client.get(path).status_code == 302  # to the sign-in page
    sign_in(client, session, january["admin"])
    assert client.get(path).status_code == 200
    assert client.get(path + ".xml").status_code == 200
    assert client.get(f"/tenants/{tenant.id}/usage/2027-01.csv").status_code == 200
    for other in (other_path, other_path + ".xml", f"/tenants/{january['other'].id}/invoices"):
        assert client.get(other).status_code == 404, other
    for user in (january["member"], january["other_admin"]):
        sign_in(client, session, user)
        assert client.get(path).status_code == 404
        assert client.get(path + ".xml").status_code == 404
        assert client.get(f"/tenants/{tenant.id}/invoices").status_code == 404
    sign_in(client, session, january["manager"])
    assert client.get(path).status_code == 200
    assert client.get("/tenants/999999/invoices/2027-01").status_code == 404
    assert client.get(f"/tenants/{tenant.id}/invoices/2027-13").status_code == 404


def test_a_month_without_charges_has_no_invoice(january, client):  # noqa: F811
    sign_in(client, january["session"], january["manager"])
    # Qualiva has one booking in January, nothing in March.
    text = visible(page(client, f"/tenants/{january['other'].id}/invoices/2027-03", status=404))
    assert "No invoice for 03/2027" in text
    assert "Qualiva had no rent and no confirmed bookings to charge in 03/2027." in text
    assert client.get(f"/tenants/{january['other'].id}/invoices/2027-03.xml").status_code == 404


def test_the_invoice_prints_on_a4_without_the_navigation(january, client):  # noqa: F811
    sign_in(client, january["session"], january["admin"])
    html = page(client, f"/tenants/{january['tenant'].id}/invoices/2027-01")
    assert re.search(
        r'<link rel="stylesheet" href="/static/css/print\.css[^"]*" media="print">', html
    )
    assert 'class="invoice-tools no-print"' in html
    css = client.get("/static/css/print.css").get_data(as_text=True)
    assert "size: A4" in css
    assert re.search(r"\.site-header, \.site-footer[^{]*\.no-print[^{]*\{ display: none", css)
    assert "background: #fff" in css and "color: #000" in css


def test_the_usage_csv_and_xml_downloads_match_the_api(january, client, api_as):  # noqa: F811
    tenant = january["tenant"]
    sign_in(client, january["session"], january["admin"])
    web_csv = client.get(f"/tenants/{tenant.id}/usage/2027-01.csv")
    api_csv = api_as(january["admin"]).get(f"/tenants/{tenant.id}/usage?month=2027-01", headers=CSV)
    assert table(web_csv) == table(api_csv)
    web_xml = client.get(f"/tenants/{tenant.id}/invoices/2027-01.xml").data
    api_xml = api_as(january["admin"]).get(f"/tenants/{tenant.id}/invoices/2027-01.xml").data
    assert web_xml == api_xml


# ---------------------------------------------------------------------------------------------
# Usage & invoices: the tenant's months, the manager's overview


def test_a_tenant_admin_finds_its_months_under_usage_and_invoices(january, client):  # noqa: F811
    tenant = january["tenant"]
    sign_in(client, january["session"], january["admin"])
    home = page(client, "/")
    assert '<a href="/usage" >Usage & invoices</a>' in home
    answer = client.get("/usage")
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith(f"/tenants/{tenant.id}/invoices")
    html = page(client, f"/tenants/{tenant.id}/invoices")
    text = visible(html)
    # From its first lease (December 2026) to this month, newest first: December only, as
    # today is 01/12/2026: the lab's rent, and the 2 h booking of 31 December, all free.
    assert "12/2026 running 2.00 2.00 €1,000.00 €0.00 €1,210.00" in text
    assert f"Invoice 2026-12-{tenant.id:05d}" in text
    assert "/invoices/2027-01" not in html
    # The month form leads to any month's invoice.
    answer = client.get(f"/tenants/{tenant.id}/invoices?month=2027-01")
    assert answer.headers["Location"].endswith(f"/tenants/{tenant.id}/invoices/2027-01")


def test_members_have_no_usage_page(january, client):  # noqa: F811
    sign_in(client, january["session"], january["member"])
    assert "/usage" not in page(client, "/")
    assert client.get("/usage").status_code == 404
    sign_in(client, january["session"], january["manager"])
    assert client.get("/usage").headers["Location"].endswith("/reports#invoices")


def test_the_manager_sees_every_tenants_month_on_the_reports_page(january, client):  # noqa: F811
    sign_in(client, january["session"], january["manager"])
    text = visible(page(client, "/reports?month=2027-01"))
    # CellForge: 7.5 h booked (1.5 + 2 + 4), 2 free; rent 514.19; bookings 198.53;
    # 712.72 net, 862.39 with VAT.
    assert "CellForge Therapeutics 7.50 2.00 €514.19 €198.53 €712.72 €862.39 Invoice" in text
    # Qualiva: its member's hour at 12.35, no free hours: 12.35, with VAT 14.9435 -> 14.94.
    assert "Qualiva 1.00 0.00 €0.00 €12.35 €12.35 €14.94 Invoice" in text
    rows = table(client.get("/reports/usage.csv?month=2027-01"))
    assert rows[0] == [
        "tenant_id",
        "tenant",
        "month",
        "invoice",
        "booked_hours",
        "free_hours_used",
        "rent_eur",
        "bookings_eur",
        "net_eur",
        "vat_eur",
        "total_eur",
    ]
    cellforge = next(row for row in rows if row[1] == "CellForge Therapeutics")
    assert cellforge[3:] == [
        f"2027-01-{january['tenant'].id:05d}",
        "7.50",
        "2.00",
        "514.19",
        "198.53",
        "712.72",
        "149.67",
        "862.39",
    ]
