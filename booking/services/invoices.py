"""A tenant's usage of a month and its invoice: booked hours, rent, Belgian VAT.

Lines:
- `booking`: each confirmed booking of the tenant starting in the month (campus time), its
  real elapsed time (a 25-hour night counts 25 hours) at the space's `hourly_rate_eur`; the
  tenant's free hours of the month are taken from the earliest bookings first.
- `rent`: each lease running in the month, prorated by the days leased in it: a rent per m²
  gives a line per space (rate × area), a fixed rent one line for the lease.
VAT 21 % on every line, rounded half up to the cent per line; the totals add the lines up.

The invoice is the same usage as UBL 2.1 following Peppol BIS Billing 3.0.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from xml.etree import ElementTree as ET
from zoneinfo import ZoneInfo

from sqlalchemy import Row, func, or_, select
from sqlalchemy.orm import Session

from booking.core.money import (
    MINUTES_PER_HOUR,
    VAT_PERCENT,
    hourly_amount,
    last_day,
    month_days,
    month_key,
    months_between,
    next_month,
    overlap_days,
    prorate,
    round_cent,
    structured_reference,
    take_free_minutes,
    vat_of,
)
from booking.errors import Forbidden, NotFound
from booking.models import Booking, Lease, Tenant, User
from booking.services import catalog as catalog_service

MAX_ID = 2**31 - 1


@dataclass(frozen=True)
class UsageLine:
    kind: str  # "booking" or "rent"
    description: str
    space_id: int | None
    unit_price_eur: Decimal  # booking: per hour; rent: per month (the space's or the lease's)
    amount_eur: Decimal
    vat_eur: Decimal
    # Booking lines.
    booking_id: int | None = None
    start: datetime | None = None
    end: datetime | None = None
    minutes: Decimal | None = None
    free_minutes: Decimal | None = None
    # Rent lines.
    lease_id: int | None = None
    days: int | None = None
    month_days: int | None = None
    leased_from: date | None = None  # the first and last day of the month leased
    leased_until: date | None = None
    area_m2: Decimal | None = None  # rent per m²: the space's area and the rate
    rate_eur_per_m2: Decimal | None = None
    monthly_exact: Decimal | None = None
    space_codes: tuple[str, ...] = ()
    space_names: tuple[str, ...] = ()

    @property
    def charged_minutes(self) -> Decimal:
        return (self.minutes or Decimal(0)) - (self.free_minutes or Decimal(0))


@dataclass(frozen=True)
class Usage:
    tenant: Tenant
    month: date  # the month's first day
    lines: list[UsageLine]
    free_hours_month: Decimal
    free_minutes_used: Decimal
    net_eur: Decimal
    vat_eur: Decimal
    total_eur: Decimal

    @property
    def month_key(self) -> str:
        return month_key(self.month)

    @property
    def booked_minutes(self) -> Decimal:
        return sum((line.minutes or Decimal(0) for line in self.lines), Decimal(0))

    @property
    def bookings_eur(self) -> Decimal:
        return sum((li.amount_eur for li in self.lines if li.kind == "booking"), Decimal("0.00"))

    @property
    def rent_eur(self) -> Decimal:
        return sum((li.amount_eur for li in self.lines if li.kind == "rent"), Decimal("0.00"))


def visible_tenant(session: Session, user: User, tenant_id: int) -> Tenant:
    """The tenant whose usage and invoices the user may see: the manager every tenant, a
    tenant_admin its own; anyone else gets NotFound (as for a thing they may not see)."""
    tenant = session.get(Tenant, tenant_id) if 0 < tenant_id <= MAX_ID else None
    allowed = user.role == "manager" or (
        user.role == "tenant_admin" and user.tenant_id is not None and user.tenant_id == tenant_id
    )
    if tenant is None or not allowed:
        raise NotFound(f"There is no tenant {tenant_id}.")
    return tenant


def _span_text(start: datetime, end: datetime, tz: ZoneInfo) -> str:
    low, high = start.astimezone(tz), end.astimezone(tz)
    if low.date() == high.date() or (high.time() == time(0) and high - low <= timedelta(days=1)):
        until = high.strftime("%H:%M") if high.time() != time(0) else "24:00"
        return f"{low.strftime('%d/%m/%Y %H:%M')}–{until}"
    return f"{low.strftime('%d/%m/%Y %H:%M')}–{high.strftime('%d/%m/%Y %H:%M')}"


def _hours_text(minutes: Decimal) -> str:
    return f"{(minutes / MINUTES_PER_HOUR).quantize(Decimal('0.01')):f}"


def _month_bounds(first: date, after: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """[first, after) as UTC instants of campus midnight."""
    low = datetime.combine(first, time(0), tzinfo=tz).astimezone(UTC)
    high = datetime.combine(after, time(0), tzinfo=tz).astimezone(UTC)
    return low, high


def _booking_rows(
    session: Session, tenant_ids: Sequence[int], first: date, after: date, tz: ZoneInfo
) -> list[Row[Any]]:
    """The tenants' confirmed bookings starting in [first, after) (campus days), earliest
    first: (id, tenant_id, space_id, start, end)."""
    low, high = _month_bounds(first, after, tz)
    return list(
        session.execute(
            select(Booking.id, Booking.tenant_id, Booking.space_id, Booking.start, Booking.end)
            .where(
                Booking.tenant_id.in_(tenant_ids),
                Booking.status == "confirmed",
                Booking.start >= low,
                Booking.start < high,
            )
            .order_by(Booking.start, Booking.id)
        )
    )


def _booking_lines(
    rows: Iterable[Row[Any]], tenant: Tenant, catalog: catalog_service.Catalog, tz: ZoneInfo
) -> tuple[list[UsageLine], Decimal]:
    """One month's booking lines of one tenant from its rows (earliest first), and the free
    minutes they took."""
    rows = list(rows)
    lengths = [Decimal(int((row.end - row.start).total_seconds()) // 60) for row in rows]
    free = Decimal(tenant.free_hours_month or 0) * MINUTES_PER_HOUR
    taken = take_free_minutes(lengths, free)
    lines = []
    for row, minutes, free_minutes in zip(rows, lengths, taken, strict=True):
        view = catalog.by_id.get(row.space_id)
        rate = view.hourly_rate_eur if view is not None else Decimal(0)
        label = f"{view.code} {view.name}" if view is not None else f"Space {row.space_id}"
        text = f"{label}, {_span_text(row.start, row.end, tz)} ({_hours_text(minutes)} h"
        text += f", of which {_hours_text(free_minutes)} h free)" if free_minutes else ")"
        amount = hourly_amount(minutes - free_minutes, rate)
        lines.append(
            UsageLine(
                kind="booking",
                description=text,
                space_id=row.space_id,
                unit_price_eur=rate,
                amount_eur=amount,
                vat_eur=vat_of(amount),
                booking_id=row.id,
                start=row.start,
                end=row.end,
                minutes=minutes,
                free_minutes=free_minutes,
                space_codes=(view.code,) if view is not None else (),
                space_names=(view.name,) if view is not None else (),
            )
        )
    return lines, sum(taken, Decimal(0))


def _leases(session: Session, tenant_ids: Sequence[int], first: date, last: date) -> list[Lease]:
    """The tenants' leases sharing a day with [first, last], earliest first."""
    return list(
        session.scalars(
            select(Lease)
            .where(
                Lease.tenant_id.in_(tenant_ids),
                Lease.start <= last,
                or_(Lease.end.is_(None), Lease.end >= first),
            )
            .order_by(Lease.start, Lease.id)
        ).unique()
    )


def _rent_lines(
    leases: Iterable[Lease], month: date, catalog: catalog_service.Catalog
) -> list[UsageLine]:
    """One month's rent lines of one tenant's leases (earliest first)."""
    first, last = month, last_day(month)
    dim = month_days(month)
    lines: list[UsageLine] = []
    for lease in leases:
        days = overlap_days(lease.start, lease.end, first, last)
        if days <= 0:
            continue
        low = max(lease.start, first)
        high = last if lease.end is None else min(lease.end, last)
        period = f"{low.strftime('%d/%m/%Y')}–{high.strftime('%d/%m/%Y')} ({days}/{dim} days)"
        views = sorted(
            (catalog.by_id[s.id] for s in lease.spaces if s.id in catalog.by_id),
            key=lambda v: v.code,
        )
        if lease.rent_eur_per_m2_month is not None:
            rate = Decimal(lease.rent_eur_per_m2_month)
            for view in views:
                monthly = rate * view.area_m2
                amount = prorate(monthly, days, dim)
                lines.append(
                    UsageLine(
                        kind="rent",
                        description=(
                            f"Rent {view.code} {view.name}, {view.area_m2:.2f} m² × "
                            f"{rate:.2f} €/m² a month, {period}"
                        ),
                        space_id=view.id,
                        unit_price_eur=round_cent(monthly),
                        amount_eur=amount,
                        vat_eur=vat_of(amount),
                        lease_id=lease.id,
                        days=days,
                        leased_from=low,
                        leased_until=high,
                        area_m2=view.area_m2,
                        rate_eur_per_m2=rate,
                        month_days=dim,
                        monthly_exact=monthly,
                        space_codes=(view.code,),
                        space_names=(view.name,),
                    )
                )
        elif lease.rent_eur_month is not None:
            monthly = Decimal(lease.rent_eur_month)
            amount = prorate(monthly, days, dim)
            codes = tuple(v.code for v in views)
            lines.append(
                UsageLine(
                    kind="rent",
                    description=f"Rent {', '.join(codes)}, {monthly:.2f} € a month, {period}",
                    space_id=views[0].id if len(views) == 1 else None,
                    unit_price_eur=monthly,
                    amount_eur=amount,
                    vat_eur=vat_of(amount),
                    lease_id=lease.id,
                    days=days,
                    leased_from=low,
                    leased_until=high,
                    month_days=dim,
                    monthly_exact=monthly,
                    space_codes=codes,
                    space_names=tuple(v.name for v in views),
                )
            )
    return lines


def _usage(
    tenant: Tenant, month: date, rent: list[UsageLine], bookings: tuple[list[UsageLine], Decimal]
) -> Usage:
    lines = rent + bookings[0]
    net = sum((line.amount_eur for line in lines), Decimal("0.00"))
    vat = sum((line.vat_eur for line in lines), Decimal("0.00"))
    return Usage(
        tenant=tenant,
        month=month,
        lines=lines,
        free_hours_month=Decimal(tenant.free_hours_month or 0),
        free_minutes_used=bookings[1],
        net_eur=net,
        vat_eur=vat,
        total_eur=net + vat,
    )


def _usages(
    session: Session, tenants: Sequence[Tenant], months: Sequence[date], tz: ZoneInfo
) -> list[Usage]:
    """Usage of every tenant in every month (months ascending), tenant by tenant: one query
    for the bookings and one for the leases, whatever the number of tenants and months."""
    if not tenants or not months:
        return []
    ids = [t.id for t in tenants]
    catalog = catalog_service.load(session)
    rows = _booking_rows(session, ids, months[0], next_month(months[-1]), tz)
    leases = _leases(session, ids, months[0], last_day(months[-1]))
    by_month: dict[tuple[int, date], list[Row[Any]]] = {}
    for row in rows:
        local_day = row.start.astimezone(tz).date()
        by_month.setdefault((row.tenant_id, local_day.replace(day=1)), []).append(row)
    result = []
    for tenant in tenants:
        own = [lease for lease in leases if lease.tenant_id == tenant.id]
        for month in months:
            result.append(
                _usage(
                    tenant,
                    month,
                    _rent_lines(own, month, catalog),
                    _booking_lines(by_month.get((tenant.id, month), []), tenant, catalog, tz),
                )
            )
    return result


def usage(session: Session, user: User, tenant_id: int, month: date, tz: ZoneInfo) -> Usage:
    """The tenant's usage of the month (its first day), as the user may see it."""
    tenant = visible_tenant(session, user, tenant_id)
    return _usages(session, [tenant], [month], tz)[0]


def usage_by_tenant(session: Session, user: User, month: date, tz: ZoneInfo) -> list[Usage]:
    """Every tenant's usage of the month, by name (the manager's overview); tenants with
    nothing to charge are included while they are active."""
    if user.role != "manager":
        raise Forbidden("Only the campus manager sees every tenant's usage.")
    tenants = list(session.scalars(select(Tenant).order_by(Tenant.name)))
    return [u for u in _usages(session, tenants, [month], tz) if u.lines or u.tenant.active]


HISTORY_MONTHS = 24


def _months_before(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 - count
    return date(index // 12, index % 12 + 1, 1)


def usage_history(
    session: Session, user: User, tenant_id: int, today: date, tz: ZoneInfo
) -> list[Usage]:
    """The tenant's usage month by month, newest first: from the month of its first lease or
    booking (at most 24 months back) to this month (still running)."""
    tenant = visible_tenant(session, user, tenant_id)
    this_month = today.replace(day=1)
    first_lease = session.scalar(select(func.min(Lease.start)).where(Lease.tenant_id == tenant.id))
    first_booking = session.scalar(
        select(func.min(Booking.start)).where(
            Booking.tenant_id == tenant.id, Booking.status == "confirmed"
        )
    )
    starts = [d for d in (first_lease, first_booking and first_booking.astimezone(tz).date()) if d]
    earliest = min([*starts, this_month]).replace(day=1)
    months = months_between(
        max(earliest, _months_before(this_month, HISTORY_MONTHS - 1)), this_month
    )
    return list(reversed(_usages(session, [tenant], months, tz)))


# ---------------------------------------------------------------------------------------------
# UBL 2.1 / Peppol BIS Billing 3.0

CUSTOMIZATION_ID = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
PROFILE_ID = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
NS_INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
NS_CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
NS_CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
PAYMENT_DAYS = 30
# Peppol electronic address schemes (EAS) by VAT prefix: Belgian companies are reached by
# their enterprise number (0208); a few neighbours by their VAT number.
_EAS_BY_COUNTRY = {"NL": "9944", "DE": "9930", "FR": "9957", "LU": "9938"}

ET.register_namespace("", NS_INVOICE)
ET.register_namespace("cac", NS_CAC)
ET.register_namespace("cbc", NS_CBC)


@dataclass(frozen=True)
class Party:
    name: str
    vat: str | None
    street: str | None
    postal_zone: str | None
    city: str | None
    country: str
    email: str | None = None


@dataclass(frozen=True)
class Seller:
    party: Party
    iban: str | None


DEMO_SELLER = {
    "BOOKING_SELLER_NAME": "Health Campus Innovation Hub (demo)",
    "BOOKING_SELLER_VAT": "BE0123456749",
    "BOOKING_SELLER_ADDRESS": "Campuslaan 1, 3590 Diepenbeek, BE",
    "BOOKING_SELLER_IBAN": "BE68539007547034",
}


def parse_address(text: str | None) -> tuple[str | None, str | None, str | None, str]:
    """ "Street 1, 3590 Diepenbeek, BE" -> (street, postal zone, city, country). The country
    is a trailing two-letter code (default BE); the postal zone leads the last part."""
    parts = [p.strip() for p in (text or "").replace("\n", ",").split(",") if p.strip()]
    country = "BE"
    if parts and len(parts[-1]) == 2 and parts[-1].isalpha():
        country = parts.pop().upper()
    street = parts[0] if len(parts) > 1 else None
    zone = city = None
    if parts:
        head, _, tail = parts[-1].partition(" ")
        if head.isdigit() and tail.strip():
            zone, city = head, tail.strip()
        else:
            city = parts[-1]
    return street, zone, city, country


def seller_from(config: dict[str, object]) -> Seller:
    """The campus as seller, from BOOKING_SELLER_* settings (demo values where unset)."""

    def get(name: str) -> str:
        value = config.get(name)
        return str(value) if value else DEMO_SELLER[name]

    street, zone, city, country = parse_address(get("BOOKING_SELLER_ADDRESS"))
    return Seller(
        party=Party(
            name=get("BOOKING_SELLER_NAME"),
            vat=get("BOOKING_SELLER_VAT").replace(" ", "").replace(".", "").upper(),
            street=street,
            postal_zone=zone,
            city=city,
            country=country,
        ),
        iban=get("BOOKING_SELLER_IBAN").replace(" ", "").upper(),
    )


def buyer_of(session: Session, tenant: Tenant) -> Party:
    """The tenant as buyer; its first tenant admin's e-mail is the fallback electronic
    address when its VAT number gives none."""
    street, zone, city, country = parse_address(tenant.address)
    vat = (tenant.vat_number or "").replace(" ", "").replace(".", "").upper() or None
    email = session.scalar(
        select(User.email)
        .where(User.tenant_id == tenant.id, User.role == "tenant_admin", User.active.is_(True))
        .order_by(User.id)
        .limit(1)
    )
    if vat is not None and vat[:2].isalpha():
        country = vat[:2] if tenant.address is None else country
    return Party(
        name=tenant.name,
        vat=vat,
        street=street,
        postal_zone=zone,
        city=city,
        country=country,
        email=email,
    )


def invoice_number(usage: Usage) -> str:
    return f"{usage.month_key}-{usage.tenant.id:05d}"


def payment_reference(usage: Usage) -> str:
    """The Belgian structured reference (OGM) of the invoice: its month and tenant, mod 97."""
    return structured_reference(int(f"{usage.month:%Y%m}") * 10_000 + usage.tenant.id % 10_000)


def invoice_totals(usage: Usage) -> tuple[Decimal, Decimal, Decimal]:
    """(net, VAT, total) of the invoice: the lines' net amounts, and VAT on their sum (one VAT
    category, 21 %), rounded half up (EN 16931 BR-CO-17)."""
    net = usage.net_eur
    vat = vat_of(net)
    return net, vat, net + vat


def issue_date(month: date, today: date) -> date:
    """The day after the month, or today while the month (or an earlier day) is still on."""
    return min(next_month(month), today)


@dataclass(frozen=True)
class Invoice:
    """The month's invoice as people read it: the same numbers as the UBL document."""

    usage: Usage
    seller: Seller
    buyer: Party
    number: str
    issued: date
    due: date
    payment_reference: str
    net_eur: Decimal
    vat_eur: Decimal
    total_eur: Decimal

    @property
    def lines(self) -> list[UsageLine]:
        return self.usage.lines

    @property
    def period(self) -> tuple[date, date]:
        return self.usage.month, last_day(self.usage.month)

    @property
    def vat_percent(self) -> Decimal:
        return VAT_PERCENT


def invoice(
    session: Session,
    user: User,
    tenant_id: int,
    month: date,
    tz: ZoneInfo,
    *,
    config: dict[str, object],
    today: date,
) -> Invoice:
    """The tenant's invoice of the month as the user may see it (a month with nothing to
    charge gives an invoice without lines: no invoice is issued for it)."""
    found = usage(session, user, tenant_id, month, tz)
    issued = issue_date(month, today)
    net, vat, total = invoice_totals(found)
    return Invoice(
        usage=found,
        seller=seller_from(config),
        buyer=buyer_of(session, found.tenant),
        number=invoice_number(found),
        issued=issued,
        due=issued + timedelta(days=PAYMENT_DAYS),
        payment_reference=payment_reference(found),
        net_eur=net,
        vat_eur=vat,
        total_eur=total,
    )


def _amount(value: Decimal) -> str:
    return f"{value:.2f}"


def _decimal(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _sub(
    parent: ET.Element, ns: str, tag: str, text: str | None = None, **attrs: str
) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ns}}}{tag}", attrs)
    if text is not None:
        element.text = text
    return element


def _endpoint(party: Party) -> tuple[str, str] | None:
    """(scheme, id) of the party's Peppol electronic address."""
    vat = party.vat
    if vat and vat.startswith("BE") and vat[2:].isdigit():
        return "0208", vat[2:]
    if vat and vat[:2] in _EAS_BY_COUNTRY:
        return _EAS_BY_COUNTRY[vat[:2]], vat
    if party.email:
        return "EM", party.email
    return None


def _party(parent: ET.Element, party: Party) -> None:
    node = _sub(parent, NS_CAC, "Party")
    endpoint = _endpoint(party)
    if endpoint is not None:
        _sub(node, NS_CBC, "EndpointID", endpoint[1], schemeID=endpoint[0])
    _sub(_sub(node, NS_CAC, "PartyName"), NS_CBC, "Name", party.name)
    address = _sub(node, NS_CAC, "PostalAddress")
    if party.street:
        _sub(address, NS_CBC, "StreetName", party.street)
    if party.city:
        _sub(address, NS_CBC, "CityName", party.city)
    if party.postal_zone:
        _sub(address, NS_CBC, "PostalZone", party.postal_zone)
    _sub(_sub(address, NS_CAC, "Country"), NS_CBC, "IdentificationCode", party.country)
    if party.vat:
        scheme = _sub(node, NS_CAC, "PartyTaxScheme")
        _sub(scheme, NS_CBC, "CompanyID", party.vat)
        _sub(_sub(scheme, NS_CAC, "TaxScheme"), NS_CBC, "ID", "VAT")
    legal = _sub(node, NS_CAC, "PartyLegalEntity")
    _sub(legal, NS_CBC, "RegistrationName", party.name)
    if party.vat and party.vat.startswith("BE") and party.vat[2:].isdigit():
        _sub(legal, NS_CBC, "CompanyID", party.vat[2:], schemeID="0208")
    if party.email:
        _sub(_sub(node, NS_CAC, "Contact"), NS_CBC, "ElectronicMail", party.email)


def _tax_category(parent: ET.Element, tag: str) -> None:
    category = _sub(parent, NS_CAC, tag)
    _sub(category, NS_CBC, "ID", "S")
    _sub(category, NS_CBC, "Percent", _decimal(VAT_PERCENT))
    _sub(_sub(category, NS_CAC, "TaxScheme"), NS_CBC, "ID", "VAT")


def _quantity(line: UsageLine) -> tuple[Decimal, str, Decimal, Decimal, str]:
    """(quantity, its unit, price, base quantity, base unit): quantity × price / base is the
    line's amount before rounding, exactly (BR-CO-10 / PEPPOL-EN16931-R120)."""
    if line.kind == "rent":
        # A price per month over the month's days: days × monthly / days-in-month.
        return (
            Decimal(line.days or 0),
            "DAY",
            line.monthly_exact or line.unit_price_eur,
            Decimal(line.month_days or 1),
            "DAY",
        )
    charged = line.charged_minutes
    hours = charged / MINUTES_PER_HOUR
    if hours == hours.quantize(Decimal("0.0001")) and hours * MINUTES_PER_HOUR == charged:
        return hours, "HUR", line.unit_price_eur, Decimal(1), "HUR"
    return charged, "MIN", line.unit_price_eur, MINUTES_PER_HOUR, "MIN"


def _period(parent: ET.Element, first: date, last: date) -> None:
    period = _sub(parent, NS_CAC, "InvoicePeriod")
    _sub(period, NS_CBC, "StartDate", first.isoformat())
    _sub(period, NS_CBC, "EndDate", last.isoformat())


def invoice_xml(usage: Usage, seller: Seller, buyer: Party, *, today: date, tz: ZoneInfo) -> bytes:
    """The month's invoice as a UBL 2.1 Invoice document (Peppol BIS Billing 3.0), UTF-8.

    EN 16931 has no VAT per line: the VAT is the category's taxable amount × 21 %, rounded
    half up (BR-CO-17). The usage rounds VAT per line; on a month of hundreds of bookings the
    two differ by cents, and rounding every quarter-hour line half up drifts one way, past
    the tolerance some validators allow. The invoice, the legal document, follows BR-CO-17.
    """
    number = invoice_number(usage)
    issued = issue_date(usage.month, today)
    net, vat, total = invoice_totals(usage)
    root = ET.Element(f"{{{NS_INVOICE}}}Invoice")
    _sub(root, NS_CBC, "CustomizationID", CUSTOMIZATION_ID)
    _sub(root, NS_CBC, "ProfileID", PROFILE_ID)
    _sub(root, NS_CBC, "ID", number)
    _sub(root, NS_CBC, "IssueDate", issued.isoformat())
    _sub(root, NS_CBC, "DueDate", (issued + timedelta(days=PAYMENT_DAYS)).isoformat())
    _sub(root, NS_CBC, "InvoiceTypeCode", "380")
    _sub(root, NS_CBC, "Note", f"Use of the campus in {usage.month.strftime('%m/%Y')}")
    _sub(root, NS_CBC, "DocumentCurrencyCode", "EUR")
    _sub(root, NS_CBC, "BuyerReference", f"tenant-{usage.tenant.id}")
    _period(root, usage.month, last_day(usage.month))
    _party(_sub(root, NS_CAC, "AccountingSupplierParty"), seller.party)
    _party(_sub(root, NS_CAC, "AccountingCustomerParty"), buyer)

    means = _sub(root, NS_CAC, "PaymentMeans")
    _sub(means, NS_CBC, "PaymentMeansCode", "30")
    _sub(means, NS_CBC, "PaymentID", payment_reference(usage))
    if seller.iban:
        account = _sub(means, NS_CAC, "PayeeFinancialAccount")
        _sub(account, NS_CBC, "ID", seller.iban)
        _sub(account, NS_CBC, "Name", seller.party.name)
    _sub(_sub(root, NS_CAC, "PaymentTerms"), NS_CBC, "Note", f"Within {PAYMENT_DAYS} days")

    tax_total = _sub(root, NS_CAC, "TaxTotal")
    _sub(tax_total, NS_CBC, "TaxAmount", _amount(vat), currencyID="EUR")
    subtotal = _sub(tax_total, NS_CAC, "TaxSubtotal")
    _sub(subtotal, NS_CBC, "TaxableAmount", _amount(net), currencyID="EUR")
    _sub(subtotal, NS_CBC, "TaxAmount", _amount(vat), currencyID="EUR")
    _tax_category(subtotal, "TaxCategory")

    totals = _sub(root, NS_CAC, "LegalMonetaryTotal")
    _sub(totals, NS_CBC, "LineExtensionAmount", _amount(net), currencyID="EUR")
    _sub(totals, NS_CBC, "TaxExclusiveAmount", _amount(net), currencyID="EUR")
    _sub(totals, NS_CBC, "TaxInclusiveAmount", _amount(total), currencyID="EUR")
    _sub(totals, NS_CBC, "PayableAmount", _amount(total), currencyID="EUR")

    for number_, line in enumerate(usage.lines, start=1):
        _invoice_line(root, number_, line, usage.month, tz)
    body: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return body


def _invoice_line(
    root: ET.Element, number: int, line: UsageLine, month: date, tz: ZoneInfo
) -> None:
    node = _sub(root, NS_CAC, "InvoiceLine")
    _sub(node, NS_CBC, "ID", str(number))
    quantity, unit, price, base, base_unit = _quantity(line)
    _sub(node, NS_CBC, "InvoicedQuantity", _decimal(quantity), unitCode=unit)
    _sub(node, NS_CBC, "LineExtensionAmount", _amount(line.amount_eur), currencyID="EUR")
    if line.kind == "booking" and line.start is not None and line.end is not None:
        _period(node, line.start.astimezone(tz).date(), line.end.astimezone(tz).date())
    item = _sub(node, NS_CAC, "Item")
    _sub(item, NS_CBC, "Description", line.description)
    name = "Room booking" if line.kind == "booking" else "Rent"
    if line.space_codes:
        name += " " + ", ".join(line.space_codes)
    _sub(item, NS_CBC, "Name", name)
    if line.space_id is not None and line.space_codes:
        _sub(_sub(item, NS_CAC, "SellersItemIdentification"), NS_CBC, "ID", line.space_codes[0])
    _tax_category(item, "ClassifiedTaxCategory")
    price_node = _sub(node, NS_CAC, "Price")
    _sub(price_node, NS_CBC, "PriceAmount", _decimal(price), currencyID="EUR")
    if base != 1 or base_unit != unit:
        _sub(price_node, NS_CBC, "BaseQuantity", _decimal(base), unitCode=base_unit)
