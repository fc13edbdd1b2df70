"""What the API takes: request bodies and query parameters, as pydantic models.

The same models validate every request (booking.api.openapi.operation hands a view the
validated body as `data` and the query as `args`) and describe it in the OpenAPI document, so
the two cannot drift apart. Bodies refuse unknown fields, wrong types (no coercion: "1" is not
an id), over-long text and control characters with 400 `bad_request` naming the fields.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr

# Ids are 32-bit integer columns; a larger number can match nothing.
MAX_ID = 2**31 - 1
MAX_LIMIT = 500

_CONTROL = re.compile(r"[\x00-\x1f]")
_CONTROL_NOT_TAB_NEWLINE = re.compile(r"[\x00-\x08\x0b-\x1f]")


def _no_control(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError("control characters are not allowed")
    return value


def _no_control_but_tab_newline(value: str) -> str:
    if _CONTROL_NOT_TAB_NEWLINE.search(value):
        raise ValueError("control characters other than tab and newline are not allowed")
    return value


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    return value


def _date_text(value: str) -> str:
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise ValueError("must be a date YYYY-MM-DD") from None
    if len(value) != 10 or not 1900 <= day.year <= 9000:
        raise ValueError("must be a date YYYY-MM-DD between 1900 and 9000")
    return value


def _amount_below(limit: Decimal) -> Any:
    """A number or decimal string, at least 0, below `limit`, with at most two decimals: what
    the database's NUMERIC column holds (PostgreSQL refuses more, where SQLite would not)."""

    def check(value: Decimal | int | str) -> Decimal:
        try:
            amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
        except (InvalidOperation, ValueError):
            amount = Decimal("NaN")
        if (
            not amount.is_finite()
            or amount < 0
            or amount >= limit
            or amount != amount.quantize(Decimal("0.01"))
        ):
            raise ValueError(f"must be an amount from 0 to below {limit} with at most two decimals")
        return amount.quantize(Decimal("0.01"))

    return AfterValidator(check)


Title = Annotated[
    StrictStr, Field(max_length=200), AfterValidator(_no_control), AfterValidator(_not_blank)
]
Name = Title
Notes = Annotated[StrictStr, Field(max_length=2000), AfterValidator(_no_control_but_tab_newline)]
Address = Notes
# ISO 8601 as the API reads it (booking.api.parsing.parse_time): a date, or a date and a time
# with an optional offset. The pattern only keeps out what can never be a time; the parser
# refuses the rest (30 February, 25 o'clock) with the same 400.
_YEAR, _MONTH, _DAY = r"(?:19|[2-8]\d)\d\d", r"(?:0[1-9]|1[0-2])", r"(?:0[1-9]|[12]\d|3[01])"
_CLOCK = r"(?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d{1,6})?)?"
_OFFSET = r"(?:[Zz]|[+-](?:[01]\d|2[0-3])(?::?[0-5]\d)?)"
TIME_PATTERN = rf"^{_YEAR}-{_MONTH}-{_DAY}(?:[T ]{_CLOCK}{_OFFSET}?)?$"
DAY_PATTERN = rf"^{_YEAR}-{_MONTH}-{_DAY}$"
MONTH_PATTERN = rf"^{_YEAR}-{_MONTH}$"
Time = Annotated[
    StrictStr,
    Field(
        max_length=40,
        pattern=TIME_PATTERN,
        description="ISO 8601; without an offset: campus local time; a date alone: its midnight",
        examples=["2026-12-02T10:00:00+01:00"],
    ),
]
Amount = Annotated[
    Decimal | StrictInt | StrictStr,
    _amount_below(Decimal("100000000")),
    Field(description="a number or a decimal string, 0 to below 10^8, at most two decimals"),
]
Hours = Annotated[
    Decimal | StrictInt | StrictStr,
    _amount_below(Decimal("1000000")),
    Field(description="hours: a number or a decimal string, at most two decimals"),
]
DateText = Annotated[
    StrictStr,
    Field(pattern=DAY_PATTERN, description="YYYY-MM-DD", examples=["2027-01-01"]),
    AfterValidator(_date_text),
]
Id = Annotated[StrictInt, Field(ge=1, le=MAX_ID)]
Email = Annotated[
    StrictStr,
    Field(max_length=254, examples=["an.peeters@qualiva.example"]),
    AfterValidator(_no_control),
]
Password = Annotated[StrictStr, Field(max_length=1000)]
Role = Literal["member", "tenant_admin", "manager"]
Language = Literal["nl", "en"]
Vat = Annotated[
    StrictStr, Field(max_length=40, examples=["BE0123456749"]), AfterValidator(_no_control)
]
QualificationCode = Annotated[
    StrictStr,
    Field(
        min_length=1,
        max_length=100,
        pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
        examples=["cleanroom-gowning"],
    ),
]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
HHMM = Annotated[StrictStr, Field(pattern=r"^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$")]
Kind = Literal[
    "office", "meeting_room", "training_room", "event_space", "collaboration", "lab", "cleanroom"
]
Status = Literal["pending", "confirmed", "rejected", "cancelled"]
Code = Annotated[
    StrictStr,
    Field(
        min_length=1,
        max_length=40,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$",
        examples=["H.2.14"],
    ),
]
# The column holds 20 characters (a space's code 40).
BuildingCode = Annotated[
    StrictStr,
    Field(min_length=1, max_length=20, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$", examples=["HUB"]),
]
Minutes = Annotated[StrictInt, Field(ge=0, le=60 * 24 * 366)]
Feature = Annotated[StrictStr, Field(max_length=100), AfterValidator(_no_control)]
Scope = Literal["occurrence", "following", "series"]


def _examples(*examples: dict[str, Any]) -> ConfigDict:
    return ConfigDict(extra="forbid", json_schema_extra={"examples": list(examples)})


class Body(BaseModel):
    """A JSON object body: unknown fields are refused."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


# ---------------------------------------------------------------------------------------------
# Sign-in


class TokenCreate(Body):
    model_config = _examples({"email": "manager@demo.example", "password": "campus-demo"})

    email: Annotated[StrictStr, Field(max_length=254)]
    password: Password


# ---------------------------------------------------------------------------------------------
# Bookings


class Recurrence(Body):
    rrule: Annotated[
        StrictStr,
        Field(
            max_length=500,
            description="RFC 5545 RRULE (COUNT or UNTIL required); `start` must be an occurrence",
            examples=["FREQ=WEEKLY;BYDAY=WE;COUNT=10"],
        ),
    ]
    skip_conflicts: StrictBool = False


class BookingCreate(Body):
    model_config = _examples(
        {
            "space_id": 10,
            "start": "2026-12-02T14:00:00+01:00",
            "end": "2026-12-02T15:00:00+01:00",
            "title": "Sprint review",
            "attendees": 6,
        },
        {
            "space_id": 10,
            "start": "2026-12-02T10:00",
            "end": "2026-12-02T11:00",
            "title": "Weekly stand-up",
            "recurrence": {"rrule": "FREQ=WEEKLY;BYDAY=WE;COUNT=10", "skip_conflicts": True},
        },
    )

    space_id: StrictInt
    start: Time
    end: Time
    title: Title
    attendees: Annotated[StrictInt, Field(ge=1, le=100000)] | None = None
    notes: Notes = ""
    recurrence: Recurrence | None = None


class BookingPatch(Body):
    model_config = _examples(
        {"start": "2026-12-02T15:00:00+01:00", "end": "2026-12-02T16:00:00+01:00"},
        {"title": "Sprint review (moved)"},
    )

    space_id: StrictInt | None = None
    start: Time | None = None
    end: Time | None = None
    title: Title | None = None
    notes: Notes | None = None
    attendees: Annotated[StrictInt, Field(ge=1, le=100000)] | None = None


class CancelBody(Body):
    model_config = _examples({"scope": "occurrence"})

    scope: Scope = "occurrence"


class DecisionBody(Body):
    model_config = _examples({"scope": "occurrence", "reason": "The hall is being repainted."})

    scope: Scope = "occurrence"
    reason: Notes | None = None


# ---------------------------------------------------------------------------------------------
# Buildings and spaces


class SpaceRulesBody(Body):
    bookable: StrictBool | None = None
    requires_approval: StrictBool | None = None
    opening_hours: dict[Weekday, list[tuple[HHMM, HHMM]]] | None = Field(
        default=None,
        description="local times per weekday; a day left out is closed; null: always open",
        examples=[{"mon": [["08:00", "18:00"]], "tue": [["08:00", "12:00"], ["13:00", "18:00"]]}],
    )
    min_duration_min: Annotated[StrictInt, Field(ge=1, le=60 * 24 * 31)] | None = None
    max_duration_min: Annotated[StrictInt, Field(ge=1, le=60 * 24 * 31)] | None = None
    granularity_min: Annotated[StrictInt, Field(ge=1, le=1440)] | None = None
    min_notice_min: Minutes | None = None
    max_advance_days: Annotated[StrictInt, Field(ge=0, le=3660)] | None = None
    buffer_before_min: Annotated[StrictInt, Field(ge=0, le=1440)] | None = None
    buffer_after_min: Annotated[StrictInt, Field(ge=0, le=1440)] | None = None
    required_qualification: QualificationCode | None = None
    allowed_tenants: list[Id] | None = None
    max_hours_per_week_per_tenant: Hours | None = None
    hourly_rate_eur: Amount | None = None


class SpaceCreate(SpaceRulesBody):
    model_config = _examples(
        {
            "code": "H.2.14",
            "name": "Demer",
            "building": "HUB",
            "kind": "meeting_room",
            "capacity": 8,
            "area_m2": "24.50",
            "floor": 2,
            "features": ["screen", "videoconference"],
            "opening_hours": {"mon": [["08:00", "18:00"]], "tue": [["08:00", "18:00"]]},
            "hourly_rate_eur": "15.00",
        }
    )

    code: Code
    name: Name
    building: BuildingCode
    kind: Kind
    capacity: Annotated[StrictInt, Field(ge=0, le=100000)]
    area_m2: Amount
    floor: Annotated[StrictInt, Field(ge=-10, le=200, description="0 = ground floor")] | None = None
    features: list[Feature] = []
    description: Notes | None = None


class SpacePatch(SpaceRulesBody):
    model_config = _examples({"capacity": 10, "requires_approval": True}, {"active": False})

    code: Code | None = None
    name: Name | None = None
    building: BuildingCode | None = None
    kind: Kind | None = None
    capacity: Annotated[StrictInt, Field(ge=0, le=100000)] | None = None
    area_m2: Amount | None = None
    floor: Annotated[StrictInt, Field(ge=-10, le=200)] | None = None
    features: list[Feature] | None = None
    description: Notes | None = None
    active: StrictBool | None = Field(default=None, description="false retires the space")


class BuildingCreate(Body):
    model_config = _examples(
        {"code": "LAB", "name": "Lab building", "address": "Zorgcampuslaan 12, 3590 Diepenbeek"}
    )

    code: BuildingCode
    name: Name
    address: Address | None = None


class BuildingPatch(Body):
    model_config = _examples({"name": "Lab building B"})

    name: Name | None = None
    address: Address | None = None


# ---------------------------------------------------------------------------------------------
# Closures


class ClosureCreate(Body):
    model_config = _examples(
        {"space_id": 10, "start": "2026-12-10", "end": "2026-12-11", "reason": "Repainting"},
        {"start": "2026-12-24T12:00", "end": "2026-12-26", "reason": "Christmas"},
    )

    space_id: Id | None = None
    building: BuildingCode | None = None
    start: Time
    end: Annotated[Time, Field(description="as a date: that whole day included")]
    reason: Annotated[StrictStr, Field(max_length=200), AfterValidator(_no_control)] = ""


# ---------------------------------------------------------------------------------------------
# Tenants, users, qualifications


class TenantCreate(Body):
    model_config = _examples(
        {"name": "Qualiva", "vat_number": "BE0123456749", "free_hours_month": 8}
    )

    name: Name
    vat_number: Vat | None = None
    free_hours_month: Hours | None = None
    address: Address | None = None


class TenantPatch(Body):
    model_config = _examples({"free_hours_month": "12.50"})

    name: Name | None = None
    vat_number: Vat | None = None
    free_hours_month: Hours | None = None
    address: Address | None = None


class UserCreate(Body):
    model_config = _examples(
        {
            "email": "an.peeters@qualiva.example",
            "name": "An Peeters",
            "role": "member",
            "tenant_id": 3,
            "language": "nl",
        }
    )

    email: Email
    name: Name
    role: Role = "member"
    tenant_id: Id | None = None
    language: Language = "nl"
    password: Password | None = Field(
        default=None, description="absent: the person sets one through an e-mailed link"
    )


class UserPatch(Body):
    model_config = _examples({"language": "en"}, {"active": False})

    email: Email | None = None
    name: Name | None = None
    role: Role | None = None
    tenant_id: Id | None = None
    language: Language | None = None
    active: StrictBool | None = Field(
        default=None, description="false ends sign-in and tokens at once"
    )


class QualificationBody(Body):
    model_config = _examples({"code": "cleanroom-gowning", "expires": "2027-12-31"})

    code: QualificationCode
    expires: DateText | None = None


# ---------------------------------------------------------------------------------------------
# Leases


class LeaseCreate(Body):
    model_config = _examples(
        {
            "tenant_id": 3,
            "space_ids": [20, 21],
            "start": "2027-01-01",
            "end": "2027-12-31",
            "rent_eur_per_m2_month": "16.50",
        }
    )

    tenant_id: StrictInt
    space_ids: Annotated[list[StrictInt], Field(min_length=1, max_length=200)]
    start: DateText
    end: (
        Annotated[DateText, Field(description="the last leased day; absent: open-ended")] | None
    ) = None
    rent_eur_per_m2_month: Amount | None = None
    rent_eur_month: Amount | None = None


class LeaseEnd(Body):
    model_config = _examples({"end": "2027-06-30"})

    end: Annotated[DateText, Field(description="the last leased day; absent: today")] | None = None


# ---------------------------------------------------------------------------------------------
# Query parameters. Values arrive as text: numbers are read from it (lax mode); an empty value
# counts as absent; unknown parameters are refused.


class Query(BaseModel):
    model_config = ConfigDict(extra="forbid")


QueryTime = Annotated[
    str,
    Field(
        max_length=40,
        pattern=TIME_PATTERN,
        description="ISO 8601; without an offset: campus local time",
        examples=["2026-12-01"],
    ),
]
QueryEnd = Annotated[
    str,
    Field(
        max_length=40,
        pattern=TIME_PATTERN,
        description="ISO 8601; a date alone includes that whole day",
        examples=["2026-12-31"],
    ),
]
QueryId = Annotated[int, Field(ge=1, le=MAX_ID)]
QueryText = Annotated[str, Field(max_length=254), AfterValidator(_no_control)]
Month = Annotated[str, Field(pattern=MONTH_PATTERN, description="YYYY-MM", examples=["2026-11"])]
Day = Annotated[
    str,
    Field(pattern=DAY_PATTERN, description="YYYY-MM-DD", examples=["2026-12-01"]),
    AfterValidator(_date_text),
]


def _given_cursor(value: str) -> str:
    from booking.api.cursors import unsign

    plain = unsign(value)
    if plain is None:
        raise ValueError("this cursor was not given by the API")
    return plain


class Page(Query):
    limit: Annotated[int, Field(ge=1, le=MAX_LIMIT, description="items per page")] = 50
    cursor: (
        Annotated[
            str,
            Field(max_length=200, description="`next_cursor` of the previous page, as given"),
            AfterValidator(_given_cursor),
        ]
        | None
    ) = None


class NoQuery(Query):
    """An operation that takes no query parameters (any is refused)."""


class SpaceQuery(Page):
    kind: Kind | None = None
    building: Annotated[str, Field(max_length=20, description="a building code")] | None = None
    min_capacity: Annotated[int, Field(ge=0, le=1_000_000)] | None = None
    feature: list[Annotated[str, Field(max_length=100)]] = Field(
        default=[], description="repeatable: spaces with every feature named"
    )
    free_from: (
        Annotated[
            QueryTime, Field(description="with free_to: only spaces you could book for that time")
        ]
        | None
    ) = None
    free_to: QueryEnd | None = None


class AvailabilityQuery(Query):
    from_: Annotated[QueryTime, Field(alias="from")]
    to: Annotated[QueryEnd, Field(description="at most 31 days after from")]


class BookingQuery(Page):
    from_: QueryTime | None = Field(default=None, alias="from")
    to: QueryEnd | None = None
    space_id: QueryId | None = None
    status: Status | None = None
    user: Annotated[QueryId, Field(description="a user id")] | None = None


class ClosureQuery(Page):
    from_: QueryTime | None = Field(default=None, alias="from")
    to: QueryEnd | None = None
    space_id: QueryId | None = None


class UserQuery(Page):
    tenant_id: QueryId | None = None
    role: Role | None = None
    active: bool | None = None


class OutboxQuery(Page):
    to: Annotated[QueryText, Field(description="an e-mail address")] | None = None


class AuditQuery(Page):
    action: QueryText | None = None
    object_type: QueryText | None = None
    object_id: Annotated[int, Field(ge=0, le=MAX_ID)] | None = None
    actor_id: Annotated[int, Field(ge=0, le=MAX_ID)] | None = None


class LeaseQuery(Page):
    tenant_id: QueryId | None = None
    space_id: QueryId | None = None
    on: Annotated[Day, Field(description="leases running on that day")] | None = None


class OccupancyQuery(Query):
    at: Annotated[Day, Field(description="the day (default today)")] | None = None
    from_: Month | None = Field(default=None, alias="from", description="first month")
    to: Annotated[Month, Field(description="last month (with from)")] | None = None


class UtilisationQuery(Query):
    from_: QueryTime | None = Field(
        default=None, alias="from", description="default: the start of this month"
    )
    to: Annotated[QueryEnd, Field(description="at most 366 days after from")] | None = None
    group_by: Literal["space", "kind", "building"] = "space"


class UsageQuery(Query):
    month: Annotated[Month, Field(description="default: this month")] | None = None


def field_errors(errors: list[Any]) -> dict[str, str]:
    """pydantic's errors as {"field.path": "message"} for details.fields."""
    fields: dict[str, str] = {}
    for error in errors:
        # pydantic marks a bad mapping key with a "[key]" step; the key itself names the field.
        parts = [str(part) for part in error.get("loc", ()) if part != "[key]"]
        path = ".".join(parts) or "body"
        fields.setdefault(path, error.get("msg", "invalid"))
    return fields
