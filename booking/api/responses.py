"""What the API answers: the representations of booking.api.serialize as pydantic models.

They are not used to build answers (the serializers write plain dicts, which is faster on the
hot paths); they describe them in the OpenAPI document, and the contract tests check every
answer the test suite and schemathesis see against that description. Unknown fields are
refused here too, so a field added to a serializer must be added to its model.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel

from booking.api.schemas import Kind, Role, Status

Moment = Annotated[
    str,
    Field(
        json_schema_extra={"format": "date-time"},
        description="ISO 8601 with the campus offset",
        examples=["2027-03-17T14:00:00+01:00"],
    ),
]
DayText = Annotated[str, Field(json_schema_extra={"format": "date"}, examples=["2027-03-17"])]
Euro = Annotated[
    str,
    Field(
        pattern=r"^-?\d+\.\d{2}$", description="a decimal string, two decimals", examples=["23.00"]
    ),
]
Ratio = Annotated[float, Field(ge=0, le=1)]
BusyReason = Literal["booking", "buffer", "closed", "outside_opening_hours"]


class Answer(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _examples(*examples: dict[str, Any]) -> ConfigDict:
    return ConfigDict(extra="forbid", json_schema_extra={"examples": list(examples)})


class Ref(Answer):
    id: int
    name: str


class SpaceRef(Answer):
    id: int
    code: str
    name: str


class Interval(Answer):
    start: Moment
    end: Moment


class BusyInterval(Interval):
    reason: BusyReason


# ---------------------------------------------------------------------------------------------
# Errors


class ErrorDetail(Answer):
    code: str = Field(description="the API code; see the status's description for its codes")
    message: str = Field(description="a human sentence")
    details: dict[str, Any] = Field(
        description=(
            "400: `fields` (field -> problem); 403 qualification_required: `qualification`; "
            "409: `conflicts`, `alternatives`; 422: `violations`; 429: `retry_after`; "
            "500: `request_id`"
        )
    )


class Error(Answer):
    """The one shape of every error."""

    model_config = _examples(
        {
            "error": {
                "code": "conflict",
                "message": "The space is not free at that time.",
                "details": {
                    "conflicts": [
                        {
                            "start": "2026-12-03T10:00:00+01:00",
                            "end": "2026-12-03T11:00:00+01:00",
                            "reason": "booking",
                        }
                    ],
                    "alternatives": {
                        "slots": [
                            {
                                "start": "2026-12-03T09:00:00+01:00",
                                "end": "2026-12-03T10:00:00+01:00",
                            }
                        ],
                        "spaces": [{"id": 14, "code": "H.2.11", "name": "Abeek"}],
                    },
                },
            }
        }
    )

    error: ErrorDetail


# ---------------------------------------------------------------------------------------------
# People


class TokenOut(Answer):
    model_config = _examples(
        {
            "token": "G0UEDWKzRHJm_oM2tPx1Bf4Xo1PV4WM8TauRkcBqXeo",
            "expires_at": "2026-12-23T18:55:55+01:00",
        }
    )

    token: str
    expires_at: Moment


class QualificationOut(Answer):
    code: str
    expires: DayText | None


class UserOut(Answer):
    model_config = _examples(
        {
            "id": 8,
            "email": "an.peeters@qualiva.example",
            "name": "An Peeters",
            "role": "member",
            "tenant_id": 3,
            "language": "nl",
            "active": True,
            "qualifications": [{"code": "cleanroom-gowning", "expires": "2027-12-31"}],
        }
    )

    id: int
    email: str
    name: str
    role: Role
    tenant_id: int | None
    language: str
    active: bool
    qualifications: list[QualificationOut]


class MeOut(UserOut):
    tenant: Ref | None
    ical_url: str = Field(description="BOOKING_BASE_URL + /ical/{token}/me.ics")
    webcal_url: str = Field(description="the same feed as webcal://")


class TenantOut(Answer):
    model_config = _examples(
        {
            "id": 3,
            "name": "Qualiva",
            "vat_number": "BE0123456749",
            "address": "Zorgcampuslaan 14, 3590 Diepenbeek",
            "free_hours_month": "8.00",
        }
    )

    id: int
    name: str
    vat_number: str | None
    address: str | None
    free_hours_month: Euro


class OutboxMessageOut(Answer):
    id: int
    to: str
    subject: str
    language: str
    booking_id: int | None
    created_at: Moment
    sent_at: Moment | None
    ics: str | None = Field(description="the attached calendar's text")


class AuditEntryOut(Answer):
    id: int
    at: Moment
    actor_id: int | None
    action: str
    object_type: str
    object_id: int | None
    details: dict[str, Any]


# ---------------------------------------------------------------------------------------------
# Campus


class BuildingOut(Answer):
    model_config = _examples(
        {"code": "HUB", "name": "Innovation Hub", "address": "Zorgcampuslaan 10, 3590 Diepenbeek"}
    )

    code: str
    name: str
    address: str | None


class SpaceOut(Answer):
    model_config = _examples(
        {
            "id": 17,
            "code": "H.2.14",
            "name": "Demer",
            "building": "HUB",
            "kind": "meeting_room",
            "floor": 2,
            "capacity": 8,
            "area_m2": "24.50",
            "features": ["screen", "videoconference"],
            "active": True,
            "bookable": True,
            "requires_approval": False,
            "opening_hours": {"mon": [["08:00", "18:00"]], "tue": [["08:00", "18:00"]]},
            "min_duration_min": None,
            "max_duration_min": 480,
            "granularity_min": 15,
            "min_notice_min": 0,
            "max_advance_days": 365,
            "buffer_before_min": 0,
            "buffer_after_min": 0,
            "required_qualification": None,
            "allowed_tenants": None,
            "max_hours_per_week_per_tenant": None,
            "hourly_rate_eur": "15.00",
        }
    )

    id: int
    code: str
    name: str
    building: str = Field(description="the building's code")
    kind: Kind
    floor: int | None
    capacity: int
    area_m2: Euro
    features: list[str]
    active: bool
    bookable: bool
    requires_approval: bool
    opening_hours: dict[str, list[list[str]]] | None
    min_duration_min: int | None
    max_duration_min: int | None
    granularity_min: int
    min_notice_min: int | None
    max_advance_days: int | None
    buffer_before_min: int
    buffer_after_min: int
    required_qualification: str | None
    allowed_tenants: list[int] | None
    max_hours_per_week_per_tenant: Euro | None
    hourly_rate_eur: Euro


class AvailabilityOut(Answer):
    free: list[Interval] = Field(description="merged free time")
    busy: list[BusyInterval] = Field(description="one entry per booking, buffer and closure")


class ClosureOut(Answer):
    id: int
    space_id: int | None
    building: str | None
    start: Moment
    end: Moment
    reason: str
    holiday: bool


# ---------------------------------------------------------------------------------------------
# Bookings


class BookingLinks(Answer):
    self: str
    ical: str
    web: str


class BookingOut(Answer):
    model_config = _examples(
        {
            "id": 412,
            "space_id": 17,
            "space": {"id": 17, "code": "H.2.14", "name": "Demer"},
            "user": {"id": 8, "name": "An Peeters"},
            "tenant": {"id": 3, "name": "Qualiva"},
            "title": "Sprint review",
            "start": "2027-03-17T14:00:00+01:00",
            "end": "2027-03-17T15:00:00+01:00",
            "status": "confirmed",
            "series_id": None,
            "attendees": 6,
            "notes": "",
            "reason": None,
            "created_at": "2026-12-01T09:12:40+01:00",
            "updated_at": "2026-12-01T09:12:40+01:00",
            "links": {
                "self": "https://booking.campus.example/api/v1/bookings/412",
                "ical": "https://booking.campus.example/api/v1/bookings/412.ics",
                "web": "https://booking.campus.example/bookings/412",
            },
        }
    )

    id: int
    space_id: int
    space: SpaceRef
    user: Ref
    tenant: Ref | None
    title: str
    start: Moment
    end: Moment
    status: Status
    series_id: int | None
    attendees: int | None
    notes: str
    reason: str | None = Field(description="why it was rejected or cancelled")
    created_at: Moment
    updated_at: Moment
    links: BookingLinks


class SkippedOccurrence(Interval):
    reason: str = Field(description="the error code that kept it out (conflict, closed, …)")


class SeriesOut(Answer):
    series_id: int
    bookings: list[BookingOut] = Field(description="in time order")
    skipped: list[SkippedOccurrence]


class BookingCreated(RootModel[BookingOut | SeriesOut]):
    """The booking (status confirmed or pending); for a series (a body with `recurrence`) the
    series: its bookings in time order and the occurrences skipped."""


class ClosureCreated(ClosureOut):
    affected: list[BookingOut] = Field(description="active bookings inside it (not cancelled)")


# ---------------------------------------------------------------------------------------------
# Leases


class LeaseOut(Answer):
    id: int
    tenant_id: int
    tenant: Ref
    space_ids: list[int]
    spaces: list[SpaceRef]
    start: DayText
    end: DayText | None = Field(description="the last leased day; null: open-ended")
    rent_eur_per_m2_month: Euro | None
    rent_eur_month: Euro | None
    status: str
    created_at: Moment
    updated_at: Moment


class LeaseCreated(LeaseOut):
    affected: list[BookingOut]


# ---------------------------------------------------------------------------------------------
# Reports


class CampusShare(Answer):
    leasable_m2: Euro
    leased_m2: Euro
    occupancy: Ratio


class BuildingShare(CampusShare):
    building: str


class KindShare(CampusShare):
    kind: str


class VacantSpace(Answer):
    space_id: int
    code: str
    building: str
    kind: Kind
    area_m2: Euro
    free_since: DayText | None


class OccupancyDay(Answer):
    at: DayText
    campus: CampusShare
    buildings: list[BuildingShare]
    kinds: list[KindShare]
    vacant: list[VacantSpace]


class OccupancyMonth(Answer):
    month: str
    campus: CampusShare
    buildings: list[BuildingShare]
    kinds: list[KindShare]


class OccupancyMonths(Answer):
    months: list[OccupancyMonth]


class UtilisationItem(Answer):
    space_id: int | None = None
    code: str | None = None
    name: str | None = None
    kind: str | None = None
    building: str | None = None
    booked_hours: float
    open_hours: float
    utilisation: Ratio


class UtilisationOut(Answer):
    from_: Moment = Field(alias="from")
    to: Moment
    group_by: Literal["space", "kind", "building"]
    items: list[UtilisationItem]


class UsageLine(Answer):
    kind: Literal["booking", "rent"]
    description: str
    space_id: int | None = Field(description="null for a fixed rent over several spaces")
    booking_id: int | None = None
    start: Moment | None = None
    end: Moment | None = None
    hours: Euro | None = None
    free_hours: Euro | None = None
    lease_id: int | None = None
    days: int | None = None
    month_days: int | None = None
    unit_price_eur: Euro
    amount_eur: Euro
    vat_eur: Euro


class UsageOut(Answer):
    tenant_id: int
    tenant: Ref
    month: str
    lines: list[UsageLine]
    free_hours_month: Euro
    free_hours_used: Euro
    net_eur: Euro
    vat_eur: Euro
    total_eur: Euro


# ---------------------------------------------------------------------------------------------
# Lists: {"items": [...], "next_cursor": null | "..."}


def _page(name: str, item: type[BaseModel]) -> type[BaseModel]:
    from pydantic import create_model

    return create_model(
        name,
        __base__=Answer,
        items=(list[item], ...),  # type: ignore[valid-type]
        next_cursor=(
            str | None,
            Field(description="give it as ?cursor= for the next page; null: the last page"),
        ),
    )


SpacePage = _page("SpacePage", SpaceOut)
BuildingPage = _page("BuildingPage", BuildingOut)
BookingPage = _page("BookingPage", BookingOut)
ClosurePage = _page("ClosurePage", ClosureOut)
TenantPage = _page("TenantPage", TenantOut)
UserPage = _page("UserPage", UserOut)
LeasePage = _page("LeasePage", LeaseOut)
OutboxPage = _page("OutboxPage", OutboxMessageOut)
AuditPage = _page("AuditPage", AuditEntryOut)
