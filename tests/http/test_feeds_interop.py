"""me.ics read back by real calendar parsers: icalendar + recurring_ical_events in Python and
Mozilla's ical.js under Node must expand it to exactly the occurrences, UTC times and statuses
that GET /api/v1/bookings gives, for bookings made, moved and cancelled through the API."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import icalendar
import pytest

from booking.core.ical import STATUS_BY_BOOKING_STATE
from tests.calendar_parsers import Instance, ensure_icaljs, expand_icaljs, expand_python
from tests.conftest import NOW
from tests.http.scene import (
    at,
    body,
    fast_api_as,  # noqa: F401  (the api_as fixture, faster)
    local,
)

HOST = "booking.campus.example"
# The feed's window: 90 days back, 400 ahead (and a day's margin on both sides).
WINDOW = (NOW - timedelta(days=91), NOW + timedelta(days=402))

KICK_OFF = "Kick-off, Q1; café ☕ — Zoë & Jürgen"
BUDGET = "Budget review: ünïcödé, 🚀; «quotes» \\ backslash"
PENDING = "Lab intake, phase 1; BSL-2 🧪"
CANCELLED = "Board meeting, cancelled 😢"
NEWLINES = "Two lines:\nsecond; line, with émoji 🎉"
WEEKLY = "Weekly stand-up, team Ω; ✨ (10:00)"
RETRO = "Weekly stand-up; retro 🔁"
YOGA = "Yoga, cancelled as a whole 🧘"


@dataclass
class Campus:
    api: Any
    member: Any
    feed_path: str
    series_id: int
    yoga_series_id: int


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def _created(answer: Any) -> dict[str, Any]:
    assert answer.status_code == 201, answer.get_json()
    data: dict[str, Any] = answer.get_json()
    return data


def _ok(answer: Any) -> dict[str, Any]:
    assert answer.status_code == 200, answer.get_json()
    data: dict[str, Any] = answer.get_json()
    return data


@pytest.fixture
def campus(api_as, make_building, make_space, make_user, make_booking, session) -> Campus:
    hub = make_building(code="HUB", name="Hub, gebouw A")
    room = make_space(building=hub, code="H.2.14", name="Demer; vergaderzaal")
    lab = make_space(building=hub, code="H.0.05", name="Zaal Ö", requires_approval=True)
    member = make_user(name="An Peeters", language="en")
    stranger = make_user(name="Someone Else")
    api = api_as(member)

    _created(api.post("/bookings", json=body(room, "2026-12-02", "10:00", "11:00", title=KICK_OFF)))
    _created(api.post("/bookings", json=body(room, "2027-01-15", "14:00", "15:30", title=BUDGET)))
    pending = _created(
        api.post("/bookings", json=body(lab, "2027-02-10", "09:00", "10:00", title=PENDING))
    )
    assert pending["status"] == "pending"
    cancelled = _created(
        api.post("/bookings", json=body(room, "2027-01-20", "13:00", "14:00", title=CANCELLED))
    )
    _ok(api.post(f"/bookings/{cancelled['id']}/cancel"))
    # Titles with control characters are refused by the API (400), but older or imported
    # rows may hold a line break; the feed must carry it as one.
    make_booking(
        room, member, local("2027-02-01", "08:00"), local("2027-02-01", "09:00"), title=NEWLINES
    )
    # Another tenant's booking in the same room: never in this member's feed.
    make_booking(
        room,
        stranger,
        local("2026-12-02", "12:00"),
        local("2026-12-02", "13:00"),
        title="Not yours",
    )
    session.commit()

    # Six Wednesdays 10:00-11:00 local, across the change to summer time on 2027-03-28.
    weekly = _created(
        api.post(
            "/bookings",
            json=body(
                room,
                "2027-03-10",
                "10:00",
                "11:00",
                title=WEEKLY,
                recurrence={"rrule": "FREQ=WEEKLY;BYDAY=WE;COUNT=6"},
            ),
        )
    )
    occurrences = weekly["bookings"]
    assert [o["start"] for o in occurrences] == [
        at("2027-03-10", "10:00"), at("2027-03-17", "10:00"), at("2027-03-24", "10:00"),
        at("2027-03-31", "10:00"), at("2027-04-07", "10:00"), at("2027-04-14", "10:00"),
    ]  # fmt: skip
    ids = [o["id"] for o in occurrences]
    _ok(api.post(f"/bookings/{ids[1]}/cancel", json={"scope": "occurrence"}))
    # Moved a day later, to the afternoon (summer time).
    _ok(
        api.patch(
            f"/bookings/{ids[3]}",
            json={"start": at("2027-04-01", "14:00"), "end": at("2027-04-01", "15:00")},
        )
    )
    # Moved into a room that needs approval: pending while the rest is confirmed.
    moved = _ok(api.patch(f"/bookings/{ids[4]}", json={"space_id": lab.id}))
    assert moved["status"] == "pending"
    _ok(api.patch(f"/bookings/{ids[5]}", json={"title": RETRO}))

    yoga = _created(
        api.post(
            "/bookings",
            json=body(
                room,
                "2027-05-03",
                "07:00",
                "08:00",
                title=YOGA,
                recurrence={"rrule": "FREQ=DAILY;COUNT=3"},
            ),
        )
    )
    _ok(api.post(f"/bookings/{yoga['bookings'][0]['id']}/cancel", json={"scope": "series"}))

    me = _ok(api.get("/me"))
    return Campus(
        api=api,
        member=member,
        feed_path=urlsplit(me["ical_url"]).path,
        series_id=weekly["series_id"],
        yoga_series_id=yoga["series_id"],
    )


def api_bookings(api: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = "/bookings?limit=500" + (f"&cursor={cursor}" if cursor else "")
        page = _ok(api.get(query))
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items


def expected_instances(items: list[dict[str, Any]]) -> list[Instance]:
    """What a calendar must show for the API's bookings: every booking as itself, except a
    cancelled occurrence of a series that goes on (an EXDATE: the date is simply gone)."""
    active = {"pending", "confirmed"}
    running_series = {b["series_id"] for b in items if b["series_id"] and b["status"] in active}
    instances = []
    for b in items:
        if b["series_id"] in running_series and b["status"] not in active:
            continue
        uid = f"series-{b['series_id']}@{HOST}" if b["series_id"] else f"booking-{b['id']}@{HOST}"
        instances.append(
            Instance(
                uid=uid,
                start_utc=_utc(b["start"]),
                end_utc=_utc(b["end"]),
                status=STATUS_BY_BOOKING_STATE[b["status"]],
                summary=b["title"],
            )
        )
    return sorted(instances, key=lambda i: (i.start_utc, i.uid))


@pytest.fixture
def icaljs() -> None:
    """ical.js installed and runnable; a loud skip without node, a failure without it in CI."""
    if shutil.which("node") is None:
        message = "node is not installed: the ical.js (calendar_js) tests cannot run"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but {message}; nothing may be skipped in CI")
        pytest.skip(f"SKIPPED: {message}. Install Node 20 to run them.")
    ensure_icaljs()


def _feed(campus: Campus) -> bytes:
    answer = campus.api.client.get(campus.feed_path)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "text/calendar; charset=utf-8"
    return bytes(answer.data)


def _check_scene(expected: list[Instance], campus: Campus) -> None:
    """The scene itself, so that a parser agreeing with a wrong API cannot pass unnoticed."""
    weekly = [i for i in expected if i.uid == f"series-{campus.series_id}@{HOST}"]
    assert [(i.start_utc, i.status, i.summary) for i in weekly] == [
        (datetime(2027, 3, 10, 9, tzinfo=UTC), "CONFIRMED", WEEKLY),
        # 03-17 cancelled: gone. 03-24 still winter time (09:00Z) ...
        (datetime(2027, 3, 24, 9, tzinfo=UTC), "CONFIRMED", WEEKLY),
        # ... 03-31 moved to 04-01 14:00 summer time (12:00Z) ...
        (datetime(2027, 4, 1, 12, tzinfo=UTC), "CONFIRMED", WEEKLY),
        # ... and from the 28th on 10:00 local is 08:00Z.
        (datetime(2027, 4, 7, 8, tzinfo=UTC), "TENTATIVE", WEEKLY),
        (datetime(2027, 4, 14, 8, tzinfo=UTC), "CONFIRMED", RETRO),
    ]
    yoga = [i for i in expected if i.uid == f"series-{campus.yoga_series_id}@{HOST}"]
    assert [i.status for i in yoga] == ["CANCELLED"] * 3
    statuses = {i.summary: i.status for i in expected}
    assert statuses[PENDING] == "TENTATIVE"
    assert statuses[CANCELLED] == "CANCELLED"
    assert statuses[NEWLINES] == "CONFIRMED"
    assert "Not yours" not in statuses
    assert len(expected) == 5 + 5 + 3


def test_python_parsers_expand_me_ics_to_what_the_api_lists(campus):
    expected = expected_instances(api_bookings(campus.api))
    _check_scene(expected, campus)

    assert expand_python(_feed(campus), *WINDOW) == expected


@pytest.mark.calendar_js
def test_icaljs_expands_me_ics_to_what_the_api_lists(campus, icaljs):
    expected = expected_instances(api_bookings(campus.api))
    _check_scene(expected, campus)

    assert expand_icaljs(_feed(campus), *WINDOW) == expected


def test_the_series_is_one_vevent_with_rrule_exdate_and_overrides(campus):
    calendar = icalendar.Calendar.from_ical(_feed(campus))
    uid = f"series-{campus.series_id}@{HOST}"
    events = [e for e in calendar.walk("VEVENT") if str(e["UID"]) == uid]
    masters = [e for e in events if "RECURRENCE-ID" not in e]
    overrides = [e for e in events if "RECURRENCE-ID" in e]

    assert len(masters) == 1
    master = masters[0]
    assert master["RRULE"].to_ical() == b"FREQ=WEEKLY;COUNT=6;BYDAY=WE"
    assert master["DTSTART"].params["TZID"] == "Europe/Brussels"
    assert master.decoded("DTSTART") == local("2027-03-10", "10:00")
    exdates = [d.dt for prop in _as_list(master.get("EXDATE")) for d in prop.dts]
    assert exdates == [local("2027-03-17", "10:00")]
    assert str(master["LOCATION"]) == "H.2.14 Demer; vergaderzaal, Hub, gebouw A"
    # The moved, the re-located (pending) and the renamed occurrence; nothing else.
    assert sorted(o.decoded("RECURRENCE-ID") for o in overrides) == [
        local("2027-03-31", "10:00"),
        local("2027-04-07", "10:00"),
        local("2027-04-14", "10:00"),
    ]
    relocated = next(o for o in overrides if o.decoded("RECURRENCE-ID").day == 7)
    assert str(relocated["LOCATION"]) == "H.0.05 Zaal Ö, Hub, gebouw A"
    assert str(relocated["STATUS"]) == "TENTATIVE"
    # Every change to any occurrence raised the series' SEQUENCE (1 cancel + 3 changes, each
    # on its own booking: the highest is 1), the same on master and overrides.
    assert {int(e["SEQUENCE"]) for e in events} == {1}
    assert str(master["URL"]).startswith(f"https://{HOST}/bookings/")


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


# ---------------------------------------------------------------------------------------------
# Edges where parsers could disagree


@pytest.fixture
def edges(api_as, make_space, make_user) -> Campus:
    """A series whose first occurrence is cancelled and whose second moved before the first,
    and a nightly series across the night the clocks go forward (one hour shorter)."""
    room, other = make_space(), make_space()
    member = make_user()
    api = api_as(member)
    weekly = _created(
        api.post(
            "/bookings",
            json=body(room, "2027-03-03", "09:00", "10:00", title="Moved before its master",
                      recurrence={"rrule": "FREQ=WEEKLY;COUNT=4"}),
        )
    )  # fmt: skip
    ids = [b["id"] for b in weekly["bookings"]]
    _ok(api.post(f"/bookings/{ids[0]}/cancel"))
    _ok(
        api.patch(
            f"/bookings/{ids[1]}",
            json={"start": at("2027-03-01", "16:00"), "end": at("2027-03-01", "17:30")},
        )
    )
    nightly = _created(
        api.post(
            "/bookings",
            json={
                "space_id": other.id,
                "start": at("2027-03-26", "22:00"),
                "end": at("2027-03-27", "06:00"),
                "title": "Night shift",
                "recurrence": {"rrule": "FREQ=DAILY;COUNT=4"},
            },
        )
    )
    lengths = [_utc(b["end"]) - _utc(b["start"]) for b in nightly["bookings"]]
    assert lengths == [
        timedelta(hours=8),
        timedelta(hours=7),
        timedelta(hours=8),
        timedelta(hours=8),
    ]
    me = _ok(api.get("/me"))
    return Campus(
        api=api,
        member=member,
        feed_path=urlsplit(me["ical_url"]).path,
        series_id=weekly["series_id"],
        yoga_series_id=nightly["series_id"],
    )


def test_python_parsers_agree_with_the_api_on_the_edges(edges):
    expected = expected_instances(api_bookings(edges.api))
    assert len(expected) == 3 + 4

    assert expand_python(_feed(edges), *WINDOW) == expected


@pytest.mark.calendar_js
def test_icaljs_agrees_with_the_api_on_the_edges(edges, icaljs):
    expected = expected_instances(api_bookings(edges.api))

    assert expand_icaljs(_feed(edges), *WINDOW) == expected
