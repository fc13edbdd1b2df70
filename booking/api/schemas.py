"""Request bodies of the API: the same pydantic models validate input and describe it in the
OpenAPI document."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr

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


Title = Annotated[
    StrictStr, Field(max_length=200), AfterValidator(_no_control), AfterValidator(_not_blank)
]
Name = Title
Notes = Annotated[StrictStr, Field(max_length=2000), AfterValidator(_no_control_but_tab_newline)]
Address = Notes
Time = Annotated[
    StrictStr, Field(max_length=40, description="ISO 8601; without offset: campus time")
]
Money = Annotated[
    Decimal | StrictInt | StrictStr, Field(description="a number or a decimal string")
]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


class TokenCreate(Body):
    email: Annotated[StrictStr, Field(max_length=254)]
    password: Annotated[StrictStr, Field(max_length=1000)]


class Recurrence(Body):
    rrule: Annotated[StrictStr, Field(max_length=500, examples=["FREQ=WEEKLY;BYDAY=WE;COUNT=10"])]
    skip_conflicts: StrictBool = False


class BookingCreate(Body):
    space_id: StrictInt
    start: Time
    end: Time
    title: Title
    attendees: Annotated[StrictInt, Field(ge=1, le=100000)] | None = None
    notes: Notes = ""
    recurrence: Recurrence | None = None


class BookingPatch(Body):
    space_id: StrictInt | None = None
    start: Time | None = None
    end: Time | None = None
    title: Title | None = None
    notes: Notes | None = None
    attendees: Annotated[StrictInt, Field(ge=1, le=100000)] | None = None


Scope = Literal["occurrence", "following", "series"]


class CancelBody(Body):
    scope: Scope = "occurrence"


class DecisionBody(Body):
    scope: Scope = "occurrence"
    reason: Notes | None = None


Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
HHMM = Annotated[StrictStr, Field(pattern=r"^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$")]
Kind = Literal[
    "office", "meeting_room", "training_room", "event_space", "collaboration", "lab", "cleanroom"
]
Code = Annotated[
    StrictStr, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
]
Minutes = Annotated[StrictInt, Field(ge=0, le=60 * 24 * 366)]


class SpaceRulesBody(Body):
    bookable: StrictBool | None = None
    requires_approval: StrictBool | None = None
    opening_hours: dict[Weekday, list[tuple[HHMM, HHMM]]] | None = None
    min_duration_min: Annotated[StrictInt, Field(ge=1, le=60 * 24 * 31)] | None = None
    max_duration_min: Annotated[StrictInt, Field(ge=1, le=60 * 24 * 31)] | None = None
    granularity_min: Annotated[StrictInt, Field(ge=1, le=1440)] | None = None
    min_notice_min: Minutes | None = None
    max_advance_days: Annotated[StrictInt, Field(ge=0, le=3660)] | None = None
    buffer_before_min: Annotated[StrictInt, Field(ge=0, le=1440)] | None = None
    buffer_after_min: Annotated[StrictInt, Field(ge=0, le=1440)] | None = None
    required_qualification: (
        Annotated[StrictStr, Field(max_length=100, pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")] | None
    ) = None
    allowed_tenants: list[StrictInt] | None = None
    max_hours_per_week_per_tenant: Money | None = None
    hourly_rate_eur: Money | None = None


class SpaceCreate(SpaceRulesBody):
    code: Code
    name: Name
    building: Code
    kind: Kind
    capacity: Annotated[StrictInt, Field(ge=0, le=100000)]
    area_m2: Annotated[Decimal | StrictInt | StrictStr, Field()]
    floor: Annotated[StrictInt, Field(ge=-10, le=200)] | None = None
    features: list[Annotated[StrictStr, Field(max_length=100), AfterValidator(_no_control)]] = []
    description: Notes | None = None


class SpacePatch(SpaceRulesBody):
    code: Code | None = None
    name: Name | None = None
    building: Code | None = None
    kind: Kind | None = None
    capacity: Annotated[StrictInt, Field(ge=0, le=100000)] | None = None
    area_m2: Annotated[Decimal | StrictInt | StrictStr, Field()] | None = None
    floor: Annotated[StrictInt, Field(ge=-10, le=200)] | None = None
    features: (
        list[Annotated[StrictStr, Field(max_length=100), AfterValidator(_no_control)]] | None
    ) = None
    description: Notes | None = None
    active: StrictBool | None = None


class BuildingCreate(Body):
    code: Code
    name: Name
    address: Address | None = None


class BuildingPatch(Body):
    name: Name | None = None
    address: Address | None = None


def field_errors(errors: list[Any]) -> dict[str, str]:
    """pydantic's errors as {"field.path": "message"} for details.fields."""
    fields: dict[str, str] = {}
    for error in errors:
        # pydantic marks a bad mapping key with a "[key]" step; the key itself names the field.
        parts = [str(part) for part in error.get("loc", ()) if part != "[key]"]
        path = ".".join(parts) or "body"
        fields.setdefault(path, error.get("msg", "invalid"))
    return fields


class ClosureCreate(Body):
    space_id: StrictInt | None = None
    building: Code | None = None
    start: Time
    end: Time
    reason: Annotated[StrictStr, Field(max_length=200), AfterValidator(_no_control)] = ""
