"""Reports (occupancy, utilisation), a tenant's usage and its invoice as UBL.

Reports and usage answer JSON, or CSV with `Accept: text/csv` (a header row, then one row per
item or line).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Annotated, Any, Literal

from flask import Response, current_app, jsonify, request
from pydantic import Field

from booking.api import api, current_user
from booking.api.openapi import Content, operation
from booking.api.parsing import time_arg
from booking.api.responses import (
    Answer,
    Moment,
    OccupancyDay,
    OccupancyMonths,
    Ratio,
    UsageOut,
    UtilisationOut,
)
from booking.api.schemas import (
    Kind,
    OccupancyQuery,
    Query,
    QueryEnd,
    QueryTime,
    UsageQuery,
    UtilisationQuery,
)
from booking.api.serialize import money
from booking.clock import booking_now, campus_zone
from booking.core.money import hours, month_key, months_between, next_month, parse_month
from booking.errors import BadRequest, NotFound
from booking.extensions import current_session
from booking.services import invoices as invoice_service
from booking.services import reports as report_service
from booking.services.reports import Occupancy, Share, UtilisationItem
from booking.timefmt import iso_local

MAX_MONTHS = 120
MAX_UTILISATION_DAYS = 366
# A cell a spreadsheet would run as a formula is written as text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _wants_csv() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/csv"])
    return best == "text/csv"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    text = str(value)
    if isinstance(value, str) and text.startswith(_FORMULA_START):
        return "'" + text
    return text


def _csv(header: Sequence[str], rows: Iterable[Sequence[Any]], filename: str) -> Response:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(value) for value in row])
    response = Response(out.getvalue().encode("utf-8"), mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Vary"] = "Accept"
    return response


def _json(data: Any) -> Response:
    response = jsonify(data)
    response.headers["Vary"] = "Accept"
    return response


def _month_arg(name: str, value: str | None) -> date | None:
    if value is None or value == "":
        return None
    try:
        return parse_month(value)
    except ValueError:
        raise BadRequest(
            f"{name} must be a month YYYY-MM.", details={"fields": {name: "month"}}
        ) from None


def _today() -> date:
    return booking_now().astimezone(campus_zone()).date()


# ---------------------------------------------------------------------------------------------
# Occupancy


def _share_json(share: Share, key: str | None) -> dict[str, Any]:
    data: dict[str, Any] = {} if key is None else {key: share.name}
    data.update(
        leasable_m2=money(share.leasable_m2),
        leased_m2=money(share.leased_m2),
        occupancy=share.occupancy,
    )
    return data


def _occupancy_json(result: Occupancy) -> dict[str, Any]:
    return {
        "campus": _share_json(result.campus, None),
        "buildings": [_share_json(s, "building") for s in result.buildings],
        "kinds": [_share_json(s, "kind") for s in result.kinds],
    }


def _occupancy_rows(result: Occupancy) -> list[list[Any]]:
    rows: list[list[Any]] = []
    for scope, shares in (
        ("campus", [result.campus]),
        ("building", result.buildings),
        ("kind", result.kinds),
    ):
        for share in shares:
            rows.append(
                [
                    result.label,
                    scope,
                    share.name,
                    money(share.leasable_m2),
                    money(share.leased_m2),
                    share.occupancy,
                ]
            )
    return rows


@api.get("/reports/occupancy")
@operation(
    "Leased over leasable area: on a day (?at=), or month by month (?from=&to=)",
    query=OccupancyQuery,
    answers={
        200: Content(
            "On a day: the campus, each building and kind, and the vacant spaces; month by "
            "month (weighted by day): one entry per month. CSV with Accept: text/csv.",
            model=OccupancyDay,
            also=(OccupancyMonths,),
            media={"text/csv": "at or month, scope, name, leasable_m2, leased_m2, occupancy"},
        )
    },
    errors=(403,),
)
def occupancy(args: OccupancyQuery) -> Any:
    at_text = args.at
    first = _month_arg("from", args.from_)
    last = _month_arg("to", args.to)
    session, user = current_session(), current_user()
    if first is None and last is None:
        day = _today()
        if at_text is not None:
            try:
                day = date.fromisoformat(at_text)
            except ValueError:
                raise BadRequest(
                    "at must be a date YYYY-MM-DD.", details={"fields": {"at": "date"}}
                ) from None
            if len(at_text) != 10 or not 1900 <= day.year <= 9000:
                raise BadRequest("at is out of range.", details={"fields": {"at": "range"}})
        result = report_service.occupancy_on(session, user, day)
        if _wants_csv():
            return _csv(
                ["at", "scope", "name", "leasable_m2", "leased_m2", "occupancy"],
                _occupancy_rows(result),
                f"occupancy-{result.label}.csv",
            )
        return _json(
            {
                "at": result.label,
                **_occupancy_json(result),
                "vacant": [
                    {
                        "space_id": v.space.id,
                        "code": v.space.code,
                        "building": v.space.building_code,
                        "kind": v.space.kind,
                        "area_m2": money(v.space.area_m2),
                        "free_since": v.free_since.isoformat() if v.free_since else None,
                    }
                    for v in result.vacant
                ],
            }
        )
    if at_text is not None:
        raise BadRequest(
            "Give either at, or from and to.", details={"fields": {"at": "with from/to"}}
        )
    if first is None or last is None:
        missing = "from" if first is None else "to"
        raise BadRequest(
            "Give from and to together (YYYY-MM).", details={"fields": {missing: "required"}}
        )
    if last < first:
        raise BadRequest("to is before from.", details={"fields": {"to": "order"}})
    months = months_between(first, last)
    if len(months) > MAX_MONTHS:
        raise BadRequest(
            f"At most {MAX_MONTHS} months at once.", details={"fields": {"to": "range"}}
        )
    results = report_service.occupancy_by_month(session, user, months)
    if _wants_csv():
        return _csv(
            ["month", "scope", "name", "leasable_m2", "leased_m2", "occupancy"],
            [row for result in results for row in _occupancy_rows(result)],
            f"occupancy-{month_key(first)}-{month_key(last)}.csv",
        )
    return _json(
        {"months": [{"month": result.label, **_occupancy_json(result)} for result in results]}
    )


# ---------------------------------------------------------------------------------------------
# Utilisation


def _group_json(item: Any, group_by: str) -> dict[str, Any]:
    """What names an item's group: the space (id, code, name), or the kind or building."""
    if group_by == "space":
        assert item.space is not None
        return {"space_id": item.key, "code": item.space.code, "name": item.space.name}
    return {group_by: item.key}


def _item_json(item: UtilisationItem, group_by: str) -> dict[str, Any]:
    data = _group_json(item, group_by)
    data.update(
        booked_hours=item.booked_hours,
        open_hours=item.open_hours,
        utilisation=item.utilisation,
    )
    return data


@api.get("/reports/utilisation")
@operation(
    "Confirmed hours over open hours (opening hours minus closures), per space, kind or building",
    query=UtilisationQuery,
    answers={
        200: Content(
            "One item per space, kind or building. CSV with Accept: text/csv.",
            model=UtilisationOut,
            media={
                "text/csv": "space_id, code, name (or kind, or building), booked_hours, "
                "open_hours, utilisation"
            },
        )
    },
    errors=(403,),
)
def utilisation(args: UtilisationQuery) -> Any:
    tz = campus_zone()
    group_by = args.group_by
    start = time_arg(args.from_, tz, "from")
    end = time_arg(args.to, tz, "to", end_of_day=True)
    if start is None and end is None:
        month = _today().replace(day=1)
        start = datetime.combine(month, time(0), tzinfo=tz)
        end = datetime.combine(next_month(month), time(0), tzinfo=tz)
    elif start is None or end is None:
        missing = "from" if start is None else "to"
        raise BadRequest("Give from and to together.", details={"fields": {missing: "required"}})
    if end <= start:
        raise BadRequest("to must be after from.", details={"fields": {"to": "order"}})
    if end - start > timedelta(days=MAX_UTILISATION_DAYS):
        raise BadRequest(
            f"At most {MAX_UTILISATION_DAYS} days at once.", details={"fields": {"to": "range"}}
        )
    items = report_service.utilisation(current_session(), current_user(), start, end, group_by, tz)
    if _wants_csv():
        key = {"space": "space_id", "kind": "kind", "building": "building"}[group_by]
        header = [key, *(["code", "name"] if group_by == "space" else [])]
        header += ["booked_hours", "open_hours", "utilisation"]
        return _csv(
            header,
            ([_item_json(item, group_by)[name] for name in header] for item in items),
            f"utilisation-{group_by}-{start.astimezone(tz):%Y%m%d}.csv",
        )
    return _json(
        {
            "from": iso_local(start, tz),
            "to": iso_local(end, tz),
            "group_by": group_by,
            "items": [_item_json(item, group_by) for item in items],
        }
    )


# ---------------------------------------------------------------------------------------------
# Usage and invoices

_USAGE_COLUMNS = [
    "kind",
    "description",
    "space_id",
    "booking_id",
    "lease_id",
    "start",
    "end",
    "hours",
    "free_hours",
    "days",
    "unit_price_eur",
    "amount_eur",
    "vat_eur",
]


def _line_json(line: invoice_service.UsageLine) -> dict[str, Any]:
    tz = campus_zone()
    data: dict[str, Any] = {
        "kind": line.kind,
        "description": line.description,
        "space_id": line.space_id,
    }
    if line.kind == "booking":
        assert line.start is not None and line.end is not None
        data.update(
            booking_id=line.booking_id,
            start=iso_local(line.start, tz),
            end=iso_local(line.end, tz),
            hours=money(hours(line.minutes or Decimal(0))),
            free_hours=money(hours(line.free_minutes or Decimal(0))),
        )
    else:
        data.update(lease_id=line.lease_id, days=line.days, month_days=line.month_days)
    data.update(
        unit_price_eur=money(line.unit_price_eur),
        amount_eur=money(line.amount_eur),
        vat_eur=money(line.vat_eur),
    )
    return data


@api.get("/tenants/<int:tenant_id>/usage")
@operation(
    "A tenant's usage in a month: bookings (after free hours) and rent, with VAT",
    query=UsageQuery,
    answers={
        200: Content(
            "The month's lines and sums; Belgian VAT 21 % rounded per line. CSV with "
            "Accept: text/csv: one row per line.",
            model=UsageOut,
            media={"text/csv": ", ".join(_USAGE_COLUMNS)},
        )
    },
)
def tenant_usage(tenant_id: int, args: UsageQuery) -> Any:
    month = _month_arg("month", args.month) or _today().replace(day=1)
    result = invoice_service.usage(
        current_session(), current_user(), tenant_id, month, campus_zone()
    )
    lines = [_line_json(line) for line in result.lines]
    if _wants_csv():
        return _csv(
            _USAGE_COLUMNS,
            ([line.get(name) for name in _USAGE_COLUMNS] for line in lines),
            f"usage-{tenant_id}-{result.month_key}.csv",
        )
    return _json(
        {
            "tenant_id": result.tenant.id,
            "tenant": {"id": result.tenant.id, "name": result.tenant.name},
            "month": result.month_key,
            "lines": lines,
            "free_hours_month": money(result.free_hours_month),
            "free_hours_used": money(hours(result.free_minutes_used)),
            "net_eur": money(result.net_eur),
            "vat_eur": money(result.vat_eur),
            "total_eur": money(result.total_eur),
        }
    )


@api.get("/tenants/<int:tenant_id>/invoices/<month>.xml")
@operation(
    "The month's invoice as UBL 2.1 (Peppol BIS Billing 3.0)",
    answers={
        200: Content("The invoice", media={"application/xml": "UBL 2.1 Invoice"}),
    },
    path_params={"month": {"type": "string", "pattern": r"^\d{4}-\d{2}$"}},
    description="404 when the tenant has nothing to invoice for that month.",
)
def tenant_invoice(tenant_id: int, month: str) -> Any:
    first = _month_arg("month", month)
    assert first is not None
    session = current_session()
    tz = campus_zone()
    result = invoice_service.usage(session, current_user(), tenant_id, first, tz)
    if not result.lines:
        raise NotFound(f"{result.tenant.name} has nothing to invoice for {result.month_key}.")
    xml = invoice_service.invoice_xml(
        result,
        invoice_service.seller_from(dict(current_app.config)),
        invoice_service.buyer_of(session, result.tenant),
        today=_today(),
        tz=tz,
    )
    response = Response(xml, mimetype="application/xml")
    response.headers["Content-Type"] = "application/xml; charset=utf-8"
    response.headers["Content-Disposition"] = (
        f'inline; filename="invoice-{invoice_service.invoice_number(result)}.xml"'
    )
    return response


# ---------------------------------------------------------------------------------------------
# Peak hours and cancellation rates (additions to API.md: the contract is silent on them)


def report_period(from_: str | None, to: str | None) -> tuple[datetime, datetime]:
    """A report's [start, end) from its from and to (a date alone for `to` includes that day;
    neither: this month), at most MAX_UTILISATION_DAYS long."""
    tz = campus_zone()
    start = time_arg(from_, tz, "from")
    end = time_arg(to, tz, "to", end_of_day=True)
    if start is None and end is None:
        month = _today().replace(day=1)
        return (
            datetime.combine(month, time(0), tzinfo=tz),
            datetime.combine(next_month(month), time(0), tzinfo=tz),
        )
    if start is None or end is None:
        missing = "from" if start is None else "to"
        raise BadRequest("Give from and to together.", details={"fields": {missing: "required"}})
    if end <= start:
        raise BadRequest("to must be after from.", details={"fields": {"to": "order"}})
    if end - start > timedelta(days=MAX_UTILISATION_DAYS):
        raise BadRequest(
            f"At most {MAX_UTILISATION_DAYS} days at once.", details={"fields": {"to": "range"}}
        )
    return start, end


class PeakHoursQuery(Query):
    from_: QueryTime | None = Field(
        default=None, alias="from", description="default: the start of this month"
    )
    to: Annotated[QueryEnd, Field(description="at most 366 days after from")] | None = None
    kind: Kind | None = None
    building: Annotated[str, Field(max_length=40, description="a building's code")] | None = None


class PeakHour(Answer):
    weekday: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    hour: Annotated[int, Field(ge=0, le=23, description="campus wall-clock hour")]
    booked_hours: Annotated[float, Field(ge=0)]


class PeakHoursOut(Answer):
    from_: Moment = Field(alias="from")
    to: Moment
    items: Annotated[list[PeakHour], Field(min_length=168, max_length=168)]


PEAK_HOURS_COLUMNS = ["weekday", "hour", "booked_hours"]


def peak_hour_json(cell: report_service.HeatCell) -> dict[str, Any]:
    return {"weekday": cell.weekday_code, "hour": cell.hour, "booked_hours": cell.booked_hours}


@api.get("/reports/peak-hours")
@operation(
    "Confirmed booked hours per weekday and hour of the campus clock (a heat map)",
    query=PeakHoursQuery,
    answers={
        200: Content(
            "168 items, Monday 0:00 first, every cell present: confirmed bookings split at the "
            "hour boundaries, summed over the spaces (of a kind, in a building), whether inside "
            "opening hours or not. CSV with Accept: text/csv.",
            model=PeakHoursOut,
            media={"text/csv": ", ".join(PEAK_HOURS_COLUMNS)},
        )
    },
    errors=(403,),
)
def peak_hours(args: PeakHoursQuery) -> Any:
    tz = campus_zone()
    start, end = report_period(args.from_, args.to)
    cells = report_service.peak_hours(
        current_session(), current_user(), start, end, tz, kind=args.kind, building=args.building
    )
    if _wants_csv():
        return _csv(
            PEAK_HOURS_COLUMNS,
            ([peak_hour_json(cell)[name] for name in PEAK_HOURS_COLUMNS] for cell in cells),
            f"peak-hours-{start.astimezone(tz):%Y%m%d}.csv",
        )
    return _json(
        {
            "from": iso_local(start, tz),
            "to": iso_local(end, tz),
            "items": [peak_hour_json(cell) for cell in cells],
        }
    )


class CancellationsQuery(Query):
    from_: QueryTime | None = Field(
        default=None, alias="from", description="default: the start of this month"
    )
    to: Annotated[QueryEnd, Field(description="at most 366 days after from")] | None = None
    group_by: Literal["space", "kind", "building"] = "kind"


class CancellationRates(Answer):
    space_id: int | None = None
    code: str | None = None
    name: str | None = None
    kind: str | None = None
    building: str | None = None
    bookings: Annotated[int, Field(ge=0, description="bookings starting in the period")]
    cancelled: Annotated[int, Field(ge=0)]
    late_cancelled: Annotated[int, Field(ge=0, description="cancelled < 24 h before the start")]
    rejected: Annotated[int, Field(ge=0, description="rejected by the manager")]
    expired: Annotated[int, Field(ge=0, description="not decided before the start")]
    cancellation_rate: Ratio
    late_cancellation_rate: Ratio
    rejection_rate: Ratio
    expiry_rate: Ratio


class CancellationsOut(Answer):
    from_: Moment = Field(alias="from")
    to: Moment
    group_by: Literal["space", "kind", "building"]
    items: list[CancellationRates]


CANCELLATION_COUNTS = [
    "bookings",
    "cancelled",
    "late_cancelled",
    "rejected",
    "expired",
    "cancellation_rate",
    "late_cancellation_rate",
    "rejection_rate",
    "expiry_rate",
]


def cancellation_columns(group_by: str) -> list[str]:
    if group_by == "space":
        return ["space_id", "code", "name", *CANCELLATION_COUNTS]
    return [group_by, *CANCELLATION_COUNTS]


def cancellation_json(item: report_service.CancellationItem, group_by: str) -> dict[str, Any]:
    data = _group_json(item, group_by)
    data.update(
        bookings=item.bookings,
        cancelled=item.cancelled,
        late_cancelled=item.late_cancelled,
        rejected=item.rejected,
        expired=item.expired,
        cancellation_rate=item.cancellation_rate,
        late_cancellation_rate=item.late_cancellation_rate,
        rejection_rate=item.rejection_rate,
        expiry_rate=item.expiry_rate,
    )
    return data


@api.get("/reports/cancellations")
@operation(
    "What became of the bookings starting in a period: cancelled (late), rejected, expired",
    query=CancellationsQuery,
    answers={
        200: Content(
            "One item per space, kind or building with bookings in the period; rates are "
            "shares of its bookings. Late: cancelled less than 24 hours before the start. "
            "CSV with Accept: text/csv.",
            model=CancellationsOut,
            media={"text/csv": ", ".join(cancellation_columns("kind"))},
        )
    },
    errors=(403,),
)
def cancellations(args: CancellationsQuery) -> Any:
    tz = campus_zone()
    start, end = report_period(args.from_, args.to)
    group_by = args.group_by
    items = report_service.cancellations(current_session(), current_user(), start, end, group_by)
    if _wants_csv():
        columns = cancellation_columns(group_by)
        return _csv(
            columns,
            ([cancellation_json(item, group_by)[name] for name in columns] for item in items),
            f"cancellations-{group_by}-{start.astimezone(tz):%Y%m%d}.csv",
        )
    return _json(
        {
            "from": iso_local(start, tz),
            "to": iso_local(end, tz),
            "group_by": group_by,
            "items": [cancellation_json(item, group_by) for item in items],
        }
    )
