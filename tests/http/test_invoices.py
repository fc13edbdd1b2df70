"""A tenant's usage and its UBL invoice, with amounts computed by hand."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from lxml import etree
from peppol import check_rules, validate_xsd

from booking.models import Lease
from tests.http.scene import (
    error,
    fast_api_as,  # noqa: F401  (the api_as fixture, faster)
    local,
)

D = Decimal
NS = {
    "ubl": "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}


def lease(session, tenant, *spaces, start, end=None, **rent):
    row = Lease(tenant_id=tenant.id, start=start, end=end, spaces=list(spaces), **rent)
    session.add(row)
    session.flush()
    return row


@pytest.fixture
def january(session, make_space, make_tenant, make_user, make_booking):
    """CellForge in January 2027: two free hours, four bookings, two leases."""
    tenant = make_tenant(
        name="CellForge Therapeutics",
        vat_number="BE0477472701",
        address="Agoralaan 1, 3590 Diepenbeek",
        free_hours_month=D("2"),
    )
    other = make_tenant(name="Qualiva")
    room_a = make_space(code="A.1", name="Demer", hourly_rate_eur=D("45.00"))
    room_b = make_space(code="B.1", name="Dijle", hourly_rate_eur=D("12.35"))
    office = make_space(code="H.2.01", name="Office", kind="office", area_m2=D("24"))
    lab = make_space(code="L.1.01", name="Lab", kind="lab", area_m2=D("80"))
    admin = make_user(role="tenant_admin", tenant=tenant, email="admin@cellforge.example")
    member = make_user(tenant=tenant)
    outsider = make_user(tenant=other)
    bookings = {
        # 1.5 h, all free.
        "first": make_booking(
            room_a, member, local("2027-01-05", "09:00"), local("2027-01-05", "10:30")
        ),
        # 2 h, the last 0.5 free hour: 1.5 h × 12.35 = 18.525 -> 18.53.
        "second": make_booking(
            room_b, admin, local("2027-01-06", "10:00"), local("2027-01-06", "12:00")
        ),
        # Across midnight into February: counted in January, all 4 h: 180.00.
        "midnight": make_booking(
            room_a, member, local("2027-01-31", "22:00"), local("2027-02-01", "02:00")
        ),
    }
    for day, status in (("07", "pending"), ("08", "cancelled"), ("09", "rejected")):
        make_booking(
            room_a,
            member,
            local(f"2027-01-{day}", "09:00"),
            local(f"2027-01-{day}", "17:00"),
            status=status,
        )
    # Started in December, or in February, or another tenant's: not January's.
    make_booking(room_a, member, local("2026-12-31", "23:00"), local("2027-01-01", "01:00"))
    make_booking(room_a, member, local("2027-02-01", "09:00"), local("2027-02-01", "10:00"))
    make_booking(room_b, outsider, local("2027-01-06", "13:00"), local("2027-01-06", "14:00"))
    # 24 m² × 16.50 = 396.00 a month, from the 17th: 15/31 -> 191.61.
    lease(session, tenant, office, start=date(2027, 1, 17), rent_eur_per_m2_month=D("16.50"))
    # 1000.00 a month until the 10th: 10/31 -> 322.58.
    lease(
        session,
        tenant,
        lab,
        start=date(2026, 12, 1),
        end=date(2027, 1, 10),
        rent_eur_month=D("1000.00"),
    )
    return {
        "tenant": tenant,
        "other": other,
        "admin": admin,
        "member": member,
        "manager": make_user(role="manager"),
        "other_admin": make_user(role="tenant_admin", tenant=other),
        "bookings": bookings,
        "spaces": {"a": room_a, "b": room_b, "office": office, "lab": lab},
        "session": session,
    }


def usage_of(api, tenant, month):
    answer = api.get(f"/tenants/{tenant.id}/usage?month={month}")
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def test_a_months_usage_line_by_line(january, api_as):
    data = usage_of(api_as(january["manager"]), january["tenant"], "2027-01")
    s, b = january["spaces"], january["bookings"]
    assert data["tenant_id"] == january["tenant"].id
    assert data["month"] == "2027-01"
    assert [(line["kind"], line["space_id"]) for line in data["lines"]] == [
        ("rent", s["lab"].id),
        ("rent", s["office"].id),
        ("booking", s["a"].id),
        ("booking", s["b"].id),
        ("booking", s["a"].id),
    ]
    lab, office, first, second, midnight = data["lines"]
    assert (lab["unit_price_eur"], lab["days"], lab["month_days"]) == ("1000.00", 10, 31)
    assert (lab["amount_eur"], lab["vat_eur"]) == ("322.58", "67.74")
    assert (office["unit_price_eur"], office["days"]) == ("396.00", 15)
    assert (office["amount_eur"], office["vat_eur"]) == ("191.61", "40.24")
    assert first["booking_id"] == b["first"].id
    assert (first["hours"], first["free_hours"], first["unit_price_eur"]) == (
        "1.50",
        "1.50",
        "45.00",
    )
    assert (first["amount_eur"], first["vat_eur"]) == ("0.00", "0.00")
    assert (second["hours"], second["free_hours"]) == ("2.00", "0.50")
    assert (second["amount_eur"], second["vat_eur"]) == ("18.53", "3.89")
    assert midnight["start"] == "2027-01-31T22:00:00+01:00"
    assert midnight["end"] == "2027-02-01T02:00:00+01:00"
    assert (midnight["hours"], midnight["free_hours"]) == ("4.00", "0.00")
    assert (midnight["amount_eur"], midnight["vat_eur"]) == ("180.00", "37.80")
    assert "31/01/2027 22:00–01/02/2027 02:00" in midnight["description"]
    assert data["free_hours_used"] == "2.00"
    assert data["net_eur"] == "712.72"  # 322.58 + 191.61 + 0 + 18.53 + 180.00
    assert data["vat_eur"] == "149.67"  # 67.74 + 40.24 + 0 + 3.89 + 37.80
    assert data["total_eur"] == "862.39"


def test_next_month_has_the_rest_of_the_leases_and_not_januarys_bookings(january, api_as):
    data = usage_of(api_as(january["manager"]), january["tenant"], "2027-02")
    kinds = [(line["kind"], line["amount_eur"]) for line in data["lines"]]
    # The office all of February (396.00); one 1 h booking at 45.00, the first of the month,
    # is free (two free hours a month again).
    assert kinds == [("rent", "396.00"), ("booking", "0.00")]
    assert data["free_hours_used"] == "1.00"


def test_vat_is_rounded_per_line(session, api_as, make_space, make_tenant, make_user, make_booking):
    tenant = make_tenant(name="Rounder")
    member = make_user(tenant=tenant)
    room = make_space(code="R.1", hourly_rate_eur=D("2.00"))
    for hour in ("09", "10", "11"):
        make_booking(
            room, member, local("2027-03-02", f"{hour}:00"), local("2027-03-02", f"{hour}:15")
        )
    data = usage_of(api_as(make_user(role="manager")), tenant, "2027-03")
    # Each quarter hour: 0.50, VAT 0.105 -> 0.11; on the total it would be 0.315 -> 0.32.
    assert [(line["amount_eur"], line["vat_eur"]) for line in data["lines"]] == [
        ("0.50", "0.11")
    ] * 3
    assert (data["net_eur"], data["vat_eur"], data["total_eur"]) == ("1.50", "0.33", "1.83")


def test_the_25_hour_night_is_charged_25_hours(
    session, api_as, make_space, make_tenant, make_user, make_booking
):
    tenant = make_tenant(name="Night owls")
    member = make_user(tenant=tenant)
    lab = make_space(code="N.1", kind="lab", hourly_rate_eur=D("45.00"))
    # 2026-10-25 00:00-04:00 local: 02:00-03:00 happens twice, 5 real hours.
    make_booking(lab, member, local("2026-10-25", "00:00"), local("2026-10-25", "04:00"))
    # 2027-03-28 01:00-04:00 local: 02:00-03:00 does not exist, 2 real hours.
    make_booking(lab, member, local("2027-03-28", "01:00"), local("2027-03-28", "04:00"))
    manager = api_as(make_user(role="manager"))
    october = usage_of(manager, tenant, "2026-10")["lines"]
    assert [(line["hours"], line["amount_eur"], line["vat_eur"]) for line in october] == [
        ("5.00", "225.00", "47.25")
    ]
    march = usage_of(manager, tenant, "2027-03")["lines"]
    assert [(line["hours"], line["amount_eur"]) for line in march] == [("2.00", "90.00")]


def test_rent_in_a_leap_february(session, api_as, make_space, make_tenant, make_user):
    tenant = make_tenant(name="Leap")
    office = make_space(code="O.29", kind="office", area_m2=D("29"))
    lab = make_space(code="O.30", kind="lab", area_m2=D("50"))
    # 29 m² × 10.00 = 290.00 a month, 15 to 29 February 2028: 15/29 -> 150.00.
    lease(
        session,
        tenant,
        office,
        start=date(2028, 2, 15),
        end=date(2028, 2, 29),
        rent_eur_per_m2_month=D("10.00"),
    )
    # 620.00 a month from 20 January to 3 February: 12/31 -> 240.00, then 3/29 -> 64.14.
    lease(
        session,
        tenant,
        lab,
        start=date(2028, 1, 20),
        end=date(2028, 2, 3),
        rent_eur_month=D("620.00"),
    )
    # A rent-free lease gives no line.
    lease(session, tenant, make_space(code="O.31", kind="office"), start=date(2028, 1, 1))
    manager = api_as(make_user(role="manager"))
    jan = usage_of(manager, tenant, "2028-01")["lines"]
    assert [(line["amount_eur"], line["days"], line["month_days"]) for line in jan] == [
        ("240.00", 12, 31)
    ]
    feb = usage_of(manager, tenant, "2028-02")
    assert [
        (line["space_id"], line["amount_eur"], line["vat_eur"], line["days"], line["month_days"])
        for line in feb["lines"]
    ] == [(lab.id, "64.14", "13.47", 3, 29), (office.id, "150.00", "31.50", 15, 29)]
    assert (feb["net_eur"], feb["vat_eur"], feb["total_eur"]) == ("214.14", "44.97", "259.11")
    march = usage_of(manager, tenant, "2028-03")
    assert march["lines"] == []
    assert (march["net_eur"], march["total_eur"]) == ("0.00", "0.00")


def test_usage_as_csv(january, api_as):
    answer = api_as(january["admin"]).get(
        f"/tenants/{january['tenant'].id}/usage?month=2027-01", headers={"Accept": "text/csv"}
    )
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "text/csv; charset=utf-8"
    table = list(csv.DictReader(io.StringIO(answer.data.decode("utf-8"))))
    assert len(table) == 5
    assert [row["amount_eur"] for row in table] == ["322.58", "191.61", "0.00", "18.53", "180.00"]
    assert table[3]["hours"] == "2.00" and table[3]["free_hours"] == "0.50"
    assert table[0]["days"] == "10" and table[0]["hours"] == ""
    assert "€" in table[1]["description"]  # UTF-8


def test_usage_defaults_to_this_month(january, api_as):
    data = api_as(january["manager"]).get(f"/tenants/{january['tenant'].id}/usage").get_json()
    assert data["month"] == "2026-12"
    # The lab all of December at 1000.00, and the booking that started on 31 December.
    assert [line["amount_eur"] for line in data["lines"]] == ["1000.00", "0.00"]


def test_who_sees_a_tenants_usage(january, api_as, make_user):
    path = f"/tenants/{january['tenant'].id}/usage?month=2027-01"
    assert api_as(january["manager"]).get(path).status_code == 200
    assert api_as(january["admin"]).get(path).status_code == 200
    for user in (january["member"], january["other_admin"], make_user(tenant=january["other"])):
        answer = api_as(user).get(path)
        assert answer.status_code == 404
        assert error(answer)["code"] == "not_found"
    assert api_as(january["manager"]).get("/tenants/999999/usage?month=2027-01").status_code == 404


@pytest.mark.parametrize("query", ["month=2027-13", "month=01-2027", "month=2027", "m=2027-01"])
def test_bad_usage_queries_are_400(january, api_as, query):
    answer = api_as(january["manager"]).get(f"/tenants/{january['tenant'].id}/usage?{query}")
    assert answer.status_code == 400


# ---------------------------------------------------------------------------------------------
# The invoice: UBL 2.1, Peppol BIS Billing 3.0


def invoice_of(api, tenant, month):
    answer = api.get(f"/tenants/{tenant.id}/invoices/{month}.xml")
    assert answer.status_code == 200, answer.data
    assert answer.headers["Content-Type"] == "application/xml; charset=utf-8"
    return answer.data


def one(node, path):
    found = node.findall(path, NS)
    assert len(found) == 1, (path, len(found))
    return found[0]


def text(node, path):
    return one(node, path).text


def amount(node, path):
    element = one(node, path)
    assert element.get("currencyID") == "EUR", path
    # BR-DEC-*: at most two decimals in amounts.
    assert len(element.text.partition(".")[2]) <= 2, (path, element.text)
    return D(element.text)


def test_the_invoice_is_valid_ubl_2_1(january, api_as):
    xml = invoice_of(api_as(january["manager"]), january["tenant"], "2027-01")
    valid, errors = validate_xsd(xml)
    assert valid, errors


def test_the_invoice_follows_peppol_bis_billing_3(january, api_as):
    xml = invoice_of(api_as(january["admin"]), january["tenant"], "2027-01")
    root = etree.fromstring(xml)
    assert root.tag == f"{{{NS['ubl']}}}Invoice"
    # BR-01, BR-02 (Peppol's identifiers), BR-02..BR-05, PEPPOL-EN16931-R003.
    assert text(root, "cbc:CustomizationID") == (
        "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
    )
    assert text(root, "cbc:ProfileID") == "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
    assert text(root, "cbc:ID") == f"2027-01-{january['tenant'].id:05d}"
    assert text(root, "cbc:IssueDate") == "2026-12-01"  # today: January is not over yet
    assert text(root, "cbc:DueDate") == "2026-12-31"
    assert text(root, "cbc:InvoiceTypeCode") == "380"
    assert text(root, "cbc:DocumentCurrencyCode") == "EUR"
    assert text(root, "cbc:BuyerReference")
    assert text(root, "cac:InvoicePeriod/cbc:StartDate") == "2027-01-01"
    assert text(root, "cac:InvoicePeriod/cbc:EndDate") == "2027-01-31"

    # BR-06, BR-08, BR-CO-09, PEPPOL-EN16931-R020: the seller (demo values when unset).
    seller = one(root, "cac:AccountingSupplierParty/cac:Party")
    assert text(seller, "cac:PartyLegalEntity/cbc:RegistrationName")
    assert text(seller, "cac:PartyTaxScheme/cbc:CompanyID").startswith("BE")
    assert text(seller, "cac:PartyTaxScheme/cac:TaxScheme/cbc:ID") == "VAT"
    assert text(seller, "cac:PostalAddress/cac:Country/cbc:IdentificationCode") == "BE"
    assert one(seller, "cbc:EndpointID").get("schemeID") == "0208"
    # BR-07, BR-10, PEPPOL-EN16931-R010: the buyer is the tenant.
    buyer = one(root, "cac:AccountingCustomerParty/cac:Party")
    assert text(buyer, "cac:PartyLegalEntity/cbc:RegistrationName") == "CellForge Therapeutics"
    assert text(buyer, "cac:PartyTaxScheme/cbc:CompanyID") == "BE0477472701"
    endpoint = one(buyer, "cbc:EndpointID")
    assert (endpoint.get("schemeID"), endpoint.text) == ("0208", "0477472701")
    assert text(buyer, "cac:PostalAddress/cbc:CityName") == "Diepenbeek"
    assert text(buyer, "cac:PostalAddress/cbc:PostalZone") == "3590"
    assert text(buyer, "cac:PostalAddress/cac:Country/cbc:IdentificationCode") == "BE"
    # Payment: credit transfer to the seller's IBAN with a Belgian structured reference.
    assert text(root, "cac:PaymentMeans/cbc:PaymentMeansCode") == "30"
    assert text(root, "cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID").startswith("BE")
    reference = text(root, "cac:PaymentMeans/cbc:PaymentID")
    digits = reference.strip("+").replace("/", "")
    assert int(digits[:10]) % 97 == int(digits[10:])

    # The lines are the usage's lines (BR-16, BR-21, BR-25, BR-CO-04, BR-S-05).
    lines = root.findall("cac:InvoiceLine", NS)
    assert [text(line, "cbc:ID") for line in lines] == ["1", "2", "3", "4", "5"]
    assert [amount(line, "cbc:LineExtensionAmount") for line in lines] == [
        D("322.58"),
        D("191.61"),
        D("0.00"),
        D("18.53"),
        D("180.00"),
    ]
    for line in lines:
        assert text(line, "cac:Item/cbc:Name")
        assert text(line, "cac:Item/cac:ClassifiedTaxCategory/cbc:ID") == "S"
        assert D(text(line, "cac:Item/cac:ClassifiedTaxCategory/cbc:Percent")) == 21
        # PEPPOL-EN16931-R120/R121/R130: quantity × price / base quantity is the line amount
        # (within 0.02), the base quantity is positive and in the quantity's unit.
        quantity = one(line, "cbc:InvoicedQuantity")
        assert one(line, "cac:Price/cbc:PriceAmount").get("currencyID") == "EUR"
        price = D(text(line, "cac:Price/cbc:PriceAmount"))
        base_nodes = line.findall("cac:Price/cbc:BaseQuantity", NS)
        base = D(base_nodes[0].text) if base_nodes else D(1)
        assert base > 0
        if base_nodes:
            assert base_nodes[0].get("unitCode") == quantity.get("unitCode")
        expected = D(quantity.text) * price / base
        assert abs(expected - amount(line, "cbc:LineExtensionAmount")) <= D("0.02")
    assert one(lines[0], "cbc:InvoicedQuantity").get("unitCode") == "DAY"
    assert one(lines[3], "cbc:InvoicedQuantity").get("unitCode") == "HUR"
    assert text(lines[3], "cbc:InvoicedQuantity") == "1.5"  # 2 h less the free half hour

    # Totals: BR-CO-10, -13, -14, -15, -16 and the VAT breakdown BR-CO-17, BR-S-08.
    line_sum = sum((amount(line, "cbc:LineExtensionAmount") for line in lines), D(0))
    totals = one(root, "cac:LegalMonetaryTotal")
    assert amount(totals, "cbc:LineExtensionAmount") == line_sum == D("712.72")
    assert amount(totals, "cbc:TaxExclusiveAmount") == line_sum
    tax_total = one(root, "cac:TaxTotal")
    subtotals = tax_total.findall("cac:TaxSubtotal", NS)
    assert len(subtotals) == 1
    vat = amount(tax_total, "cbc:TaxAmount")
    assert vat == amount(subtotals[0], "cbc:TaxAmount") == D("149.67")
    assert amount(subtotals[0], "cbc:TaxableAmount") == line_sum
    assert text(subtotals[0], "cac:TaxCategory/cbc:ID") == "S"
    assert D(text(subtotals[0], "cac:TaxCategory/cbc:Percent")) == 21
    # BR-CO-17: taxable × rate, rounded half up (712.72 × 0.21 = 149.6712).
    assert vat == (line_sum * D("0.21")).quantize(D("0.01"), rounding=ROUND_HALF_UP)
    assert amount(totals, "cbc:TaxInclusiveAmount") == line_sum + vat == D("862.39")
    assert amount(totals, "cbc:PayableAmount") == D("862.39")

    # The same rules as an independent implementation of the published rule list checks them.
    assert [f for f in check_rules(xml) if f.severity == "fatal"] == []


def test_the_invoice_takes_the_seller_from_the_settings(january, api_as, app, monkeypatch):
    monkeypatch.setitem(app.config, "BOOKING_SELLER_NAME", "Innovatiecampus NV")
    monkeypatch.setitem(app.config, "BOOKING_SELLER_VAT", "BE 0999.999.802")
    monkeypatch.setitem(
        app.config, "BOOKING_SELLER_ADDRESS", "Kempische Steenweg 293, 3500 Hasselt"
    )
    monkeypatch.setitem(app.config, "BOOKING_SELLER_IBAN", "BE71 0961 2345 6769")
    xml = invoice_of(api_as(january["manager"]), january["tenant"], "2027-01")
    root = etree.fromstring(xml)
    seller = one(root, "cac:AccountingSupplierParty/cac:Party")
    assert text(seller, "cac:PartyName/cbc:Name") == "Innovatiecampus NV"
    assert text(seller, "cac:PartyTaxScheme/cbc:CompanyID") == "BE0999999802"
    assert text(seller, "cac:PostalAddress/cbc:StreetName") == "Kempische Steenweg 293"
    assert text(seller, "cac:PostalAddress/cbc:CityName") == "Hasselt"
    assert text(root, "cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID") == "BE71096123456769"
    assert validate_xsd(xml)[0]


def test_the_invoice_computes_vat_on_the_total_as_en_16931_asks(
    session, api_as, make_space, make_tenant, make_user, make_booking
):
    tenant = make_tenant(name="Rounder", vat_number="NL123456789B01")
    member = make_user(tenant=tenant)
    room = make_space(code="R.1", hourly_rate_eur=D("2.00"))
    for hour in ("09", "10", "11"):
        make_booking(
            room, member, local("2027-03-02", f"{hour}:00"), local("2027-03-02", f"{hour}:15")
        )
    manager = api_as(make_user(role="manager"))
    # The usage rounds per line: 3 × 0.11 = 0.33.
    assert usage_of(manager, tenant, "2027-03")["vat_eur"] == "0.33"
    xml = invoice_of(manager, tenant, "2027-03")
    assert validate_xsd(xml)[0]
    root = etree.fromstring(xml)
    # The invoice has no VAT per line (EN 16931): 1.50 × 21 % = 0.315 -> 0.32 (BR-CO-17).
    assert amount(root, "cac:TaxTotal/cbc:TaxAmount") == D("0.32")
    assert amount(root, "cac:TaxTotal/cac:TaxSubtotal/cbc:TaxAmount") == D("0.32")
    assert amount(root, "cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount") == D("1.82")
    assert amount(root, "cac:LegalMonetaryTotal/cbc:PayableAmount") == D("1.82")
    assert [f for f in check_rules(xml) if f.severity == "fatal"] == []
    endpoint = one(root, "cac:AccountingCustomerParty/cac:Party/cbc:EndpointID")
    assert (endpoint.get("schemeID"), endpoint.text) == ("9944", "NL123456789B01")
    quantities = [q.text for q in root.findall("cac:InvoiceLine/cbc:InvoicedQuantity", NS)]
    assert quantities == ["0.25"] * 3


def test_a_busy_month_stays_within_br_co_17(
    session, api_as, make_space, make_tenant, make_user, make_booking
):
    tenant = make_tenant(name="Busy")
    member = make_user(tenant=tenant)
    room = make_space(code="Q.1", hourly_rate_eur=D("15.00"))
    # 200 quarter hours at 15.00: each 3.75, VAT 0.7875 -> 0.79 per line. Per line the VAT
    # would drift 200 × 0.0025 = 0.50 above 750.00 × 21 % = 157.50.
    for day in range(1, 21):
        for slot in range(10):
            start = local(f"2027-03-{day:02d}", f"{8 + slot:02d}:00")
            make_booking(room, member, start, start + timedelta(minutes=15))
    manager = api_as(make_user(role="manager"))
    assert usage_of(manager, tenant, "2027-03")["vat_eur"] == "158.00"
    xml = invoice_of(manager, tenant, "2027-03")
    root = etree.fromstring(xml)
    assert amount(root, "cac:TaxTotal/cbc:TaxAmount") == D("157.50")
    assert amount(root, "cac:LegalMonetaryTotal/cbc:PayableAmount") == D("907.50")
    assert len(root.findall("cac:InvoiceLine", NS)) == 200
    assert validate_xsd(xml)[0]
    assert [f for f in check_rules(xml) if f.severity == "fatal"] == []


def test_an_odd_length_booking_is_invoiced_in_minutes(
    session, api_as, make_space, make_tenant, make_user, make_booking
):
    tenant = make_tenant(name="Tenner")
    member = make_user(tenant=tenant)
    lab = make_space(code="T.1", kind="lab", hourly_rate_eur=D("95.00"), granularity_min=10)
    make_booking(lab, member, local("2027-03-02", "09:00"), local("2027-03-02", "09:10"))
    manager = api_as(make_user(role="manager"))
    assert usage_of(manager, tenant, "2027-03")["lines"][0]["amount_eur"] == "15.83"
    root = etree.fromstring(invoice_of(manager, tenant, "2027-03"))
    line = one(root, "cac:InvoiceLine")
    assert (
        text(line, "cbc:InvoicedQuantity"),
        one(line, "cbc:InvoicedQuantity").get("unitCode"),
    ) == (
        "10",
        "MIN",
    )
    assert text(line, "cac:Price/cbc:BaseQuantity") == "60"
    assert validate_xsd(etree.tostring(root))[0]


def test_who_gets_an_invoice(january, api_as, make_tenant):
    idle = make_tenant(name="Idle")
    path = f"/tenants/{january['tenant'].id}/invoices/2027-01.xml"
    assert api_as(january["manager"]).get(path).status_code == 200
    assert api_as(january["admin"]).get(path).status_code == 200
    for user in (january["member"], january["other_admin"]):
        assert api_as(user).get(path).status_code == 404
    manager = api_as(january["manager"])
    # Nothing to invoice, and a month that is not one.
    assert manager.get(f"/tenants/{idle.id}/invoices/2027-01.xml").status_code == 404
    bad = manager.get(f"/tenants/{january['tenant'].id}/invoices/2027-1.xml")
    assert bad.status_code == 400
