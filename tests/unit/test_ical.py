"""booking.core.ical, read back by real calendar parsers (icalendar + recurring_ical_events,
and ical.js under Node) rather than compared as strings."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest

from booking.core.ical import CalendarEvent, build_calendar
from tests.calendar_parsers import Instance, ensure_icaljs, expand_icaljs, expand_python

TZ = ZoneInfo("Europe/Brussels")
# The tests' fixed "now": 2026-12-01 09:00 campus time.
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=TZ)
WINDOW = (datetime(2027, 1, 1, tzinfo=UTC), datetime(2028, 1, 1, tzinfo=UTC))

SERIES_UID = "series-7@campus-booking"
SERIES_TITLE = "Cleanroom-opleiding — Zoë & Jürgen 🧪🔬, deel 1; ISO 14644"
MOVED_TITLE = "Cleanroom-opleiding (verplaatst) — naar H.0.05"
LAB_TITLE = 'Lab intake, phase 1; "BSL-2" \\ checklist\nBring badge ✅'
PENDING_TITLE = "Pitch rehearsal\r\nbring slides; café après"
CANCELLED_TITLE = "Board meeting, Q1; cancelled 😢"
REJECTED_TITLE = "Demo day set-up"
LOCATION = "H.2.14 Demer, Hub building; 2nd floor"
DESCRIPTION = "Agenda:\n1. Welcome, coffee; introductions\n2. Tour \\ Q&A — Ångström ✨"


def local(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=TZ)


def utc(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def make_event(uid: str, start: datetime, end: datetime, **fields: object) -> CalendarEvent:
    defaults: dict[str, object] = {
        "summary": "Meeting",
        "status": "confirmed",
        "sequence": 0,
        "created": datetime(2026, 11, 2, 8, 30, tzinfo=UTC),
        "last_modified": datetime(2026, 11, 20, 16, 45, 12, tzinfo=UTC),
        "location": LOCATION,
        "url": f"https://booking.campus.example/bookings/{uid.split('@')[0]}",
    }
    defaults.update(fields)
    return CalendarEvent(uid=uid, start=start, end=end, **defaults)  # type: ignore[arg-type]


def campus_events() -> list[CalendarEvent]:
    moved = make_event(
        SERIES_UID,
        local(2027, 4, 1, 14),
        local(2027, 4, 1, 15),
        summary=MOVED_TITLE,
        sequence=3,
        recurrence_id=local(2027, 3, 31, 10),
    )
    series = make_event(
        SERIES_UID,
        local(2027, 3, 3, 10),
        local(2027, 3, 3, 11),
        summary=SERIES_TITLE,
        description=DESCRIPTION,
        sequence=2,
        # Eight Wednesdays, 2027-03-03 .. 2027-04-21 (UNTIL is the last day's end, in UTC).
        rrule="FREQ=WEEKLY;BYDAY=WE;UNTIL=20270421T215959Z",
        exdates=[local(2027, 3, 17, 10)],
        overrides=[moved],
    )
    return [
        make_event(
            "booking-412@campus-booking",
            local(2027, 3, 15, 14),
            local(2027, 3, 15, 15, 30),
            summary=LAB_TITLE,
            sequence=1,
        ),
        series,
        make_event(
            "booking-413@campus-booking",
            local(2027, 4, 2, 9),
            local(2027, 4, 2, 10),
            summary=PENDING_TITLE,
            status="pending",
        ),
        make_event(
            "booking-414@campus-booking",
            local(2027, 3, 20, 13),
            local(2027, 3, 20, 17),
            summary=CANCELLED_TITLE,
            status="cancelled",
            sequence=4,
        ),
        make_event(
            "booking-415@campus-booking",
            local(2027, 6, 9, 8, 15),
            local(2027, 6, 9, 9),
            summary=REJECTED_TITLE,
            status="rejected",
            sequence=1,
        ),
    ]


def expected_instances() -> list[Instance]:
    def series(start: datetime, end: datetime, summary: str = SERIES_TITLE) -> Instance:
        return Instance(SERIES_UID, start, end, "CONFIRMED", summary)

    instances = [
        series(utc(2027, 3, 3, 9), utc(2027, 3, 3, 10)),
        series(utc(2027, 3, 10, 9), utc(2027, 3, 10, 10)),
        # 2027-03-17 is an EXDATE.
        series(utc(2027, 3, 24, 9), utc(2027, 3, 24, 10)),
        # 2027-03-28: summer time; 10:00 local is now 08:00Z. 03-31 moved to 04-01 14:00.
        series(utc(2027, 4, 1, 12), utc(2027, 4, 1, 13), MOVED_TITLE),
        series(utc(2027, 4, 7, 8), utc(2027, 4, 7, 9)),
        series(utc(2027, 4, 14, 8), utc(2027, 4, 14, 9)),
        series(utc(2027, 4, 21, 8), utc(2027, 4, 21, 9)),
        Instance(
            "booking-412@campus-booking",
            utc(2027, 3, 15, 13),
            utc(2027, 3, 15, 14, 30),
            "CONFIRMED",
            LAB_TITLE,
        ),
        Instance(
            "booking-414@campus-booking",
            utc(2027, 3, 20, 12),
            utc(2027, 3, 20, 16),
            "CANCELLED",
            CANCELLED_TITLE,
        ),
        Instance(
            "booking-413@campus-booking",
            utc(2027, 4, 2, 7),
            utc(2027, 4, 2, 8),
            "TENTATIVE",
            # A CRLF inside a title is kept as one line break.
            PENDING_TITLE.replace("\r\n", "\n"),
        ),
        Instance(
            "booking-415@campus-booking",
            utc(2027, 6, 9, 6, 15),
            utc(2027, 6, 9, 7),
            "CANCELLED",
            REJECTED_TITLE,
        ),
    ]
    return sorted(instances, key=lambda i: (i.start_utc, i.uid))


@pytest.fixture
def feed() -> bytes:
    return build_calendar(campus_events(), tz=TZ, name="Mijn boekingen, Hub", now=NOW)


@pytest.fixture
def icaljs() -> Iterator[None]:
    """ical.js installed and runnable; a loud skip without node, a failure without it in CI."""
    if shutil.which("node") is None:
        message = "node is not installed: the ical.js (calendar_js) tests cannot run"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but {message}; nothing may be skipped in CI")
        pytest.skip(f"SKIPPED: {message}. Install Node 20 to run them.")
    ensure_icaljs()
    yield


def parse(ics: bytes) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(ics)


def vevents(ics: bytes) -> list[icalendar.Component]:
    return list(parse(ics).walk("VEVENT"))


def calendar_name(ics: bytes) -> str:
    # The parser keeps an unknown X- property escaped; X-WR-CALNAME is TEXT by convention,
    # so undo the TEXT escapes of RFC 5545 3.3.11 here.
    raw = str(parse(ics)["X-WR-CALNAME"])
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m[1] in "nN" else m[1], raw)


def raw_lines(ics: bytes) -> list[bytes]:
    assert ics.endswith(b"\r\n")
    return ics[:-2].split(b"\r\n")


# --- what calendar clients show ----------------------------------------------------------------


def test_python_parser_shows_the_expected_occurrences(feed: bytes) -> None:
    assert expand_python(feed, *WINDOW) == expected_instances()


@pytest.mark.calendar_js
def test_icaljs_shows_the_expected_occurrences(feed: bytes, icaljs: None) -> None:
    assert expand_icaljs(feed, *WINDOW) == expected_instances()


def test_weekly_series_stays_at_ten_local_across_the_dst_change(feed: bytes) -> None:
    starts = [
        i.start_utc.astimezone(TZ)
        for i in expand_python(feed, *WINDOW)
        if i.uid == SERIES_UID and i.summary == SERIES_TITLE
    ]
    assert [s.strftime("%m-%d %H:%M") for s in starts] == [
        "03-03 10:00",
        "03-10 10:00",
        "03-24 10:00",
        "04-07 10:00",
        "04-14 10:00",
        "04-21 10:00",
    ]


def test_window_keeps_only_overlapping_occurrences(feed: bytes) -> None:
    window = (utc(2027, 3, 24, 9, 30), utc(2027, 4, 7, 8))
    assert [(i.uid, i.start_utc) for i in expand_python(feed, *window)] == [
        (SERIES_UID, utc(2027, 3, 24, 9)),
        (SERIES_UID, utc(2027, 4, 1, 12)),
        ("booking-413@campus-booking", utc(2027, 4, 2, 7)),
    ]


@pytest.mark.calendar_js
def test_icaljs_keeps_only_overlapping_occurrences(feed: bytes, icaljs: None) -> None:
    window = (utc(2027, 3, 24, 9, 30), utc(2027, 4, 7, 8))
    assert expand_icaljs(feed, *window) == expand_python(feed, *window)


def test_cancelled_series_is_its_master_marked_cancelled() -> None:
    series = make_event(
        "series-8@campus-booking",
        local(2027, 5, 7, 16),
        local(2027, 5, 7, 17),
        rrule="FREQ=WEEKLY;BYDAY=FR;COUNT=3",
        status="cancelled",
        sequence=5,
    )
    ics = build_calendar([series], tz=TZ, name="x", now=NOW)
    (vevent,) = vevents(ics)
    assert vevent["STATUS"] == "CANCELLED"
    instances = expand_python(ics, *WINDOW)
    assert [(i.start_utc, i.status) for i in instances] == [
        (utc(2027, 5, 7, 14), "CANCELLED"),
        (utc(2027, 5, 14, 14), "CANCELLED"),
        (utc(2027, 5, 21, 14), "CANCELLED"),
    ]


@pytest.mark.calendar_js
def test_icaljs_sees_a_cancelled_series_as_cancelled(icaljs: None) -> None:
    series = make_event(
        "series-8@campus-booking",
        local(2027, 5, 7, 16),
        local(2027, 5, 7, 17),
        rrule="FREQ=WEEKLY;BYDAY=FR;COUNT=3",
        status="cancelled",
    )
    ics = build_calendar([series], tz=TZ, name="x", now=NOW)
    assert [i.status for i in expand_icaljs(ics, *WINDOW)] == ["CANCELLED"] * 3


@pytest.mark.calendar_js
def test_icaljs_relates_overrides_to_their_own_series_only(icaljs: None) -> None:
    # Two series with an occurrence at the same local time; only one of them is moved.
    moved = make_event(
        "series-1@campus-booking",
        local(2027, 5, 12, 15),
        local(2027, 5, 12, 16),
        summary="moved",
        recurrence_id=local(2027, 5, 12, 10),
    )
    first = make_event(
        "series-1@campus-booking",
        local(2027, 5, 5, 10),
        local(2027, 5, 5, 11),
        summary="first",
        rrule="FREQ=WEEKLY;COUNT=2",
        overrides=[moved],
    )
    second = replace(first, uid="series-2@campus-booking", summary="second", overrides=())
    ics = build_calendar([first, second], tz=TZ, name="x", now=NOW)
    found = [(i.uid, i.start_utc, i.summary) for i in expand_icaljs(ics, *WINDOW)]
    assert found == [
        ("series-1@campus-booking", utc(2027, 5, 5, 8), "first"),
        ("series-2@campus-booking", utc(2027, 5, 5, 8), "second"),
        ("series-2@campus-booking", utc(2027, 5, 12, 8), "second"),
        ("series-1@campus-booking", utc(2027, 5, 12, 13), "moved"),
    ]
    assert expand_python(ics, *WINDOW) == expand_icaljs(ics, *WINDOW)


# --- the file itself ---------------------------------------------------------------------------


def test_calendar_properties(feed: bytes) -> None:
    cal = parse(feed)
    assert cal["VERSION"] == "2.0"
    assert cal["PRODID"] == "-//Campus Booking//EN"
    assert cal["CALSCALE"] == "GREGORIAN"
    assert calendar_name(feed) == "Mijn boekingen, Hub"
    assert cal["X-WR-TIMEZONE"] == "Europe/Brussels"
    assert "METHOD" not in cal
    lines = raw_lines(feed)
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT1H" in lines
    assert b"X-PUBLISHED-TTL:PT1H" in lines


@pytest.mark.parametrize("method", ["REQUEST", "CANCEL"])
def test_method_is_present_only_when_asked(method: str) -> None:
    events = campus_events()[:1]
    with_method = build_calendar(events, tz=TZ, name="x", now=NOW, method=method)
    assert parse(with_method)["METHOD"] == method
    assert [line for line in raw_lines(with_method) if line.startswith(b"METHOD")] == [
        f"METHOD:{method}".encode()
    ]
    without = build_calendar(events, tz=TZ, name="x", now=NOW)
    assert not [line for line in raw_lines(without) if line.startswith(b"METHOD")]


def test_exactly_one_vtimezone_for_the_campus_zone(feed: bytes) -> None:
    timezones = list(parse(feed).walk("VTIMEZONE"))
    assert len(timezones) == 1
    assert timezones[0]["TZID"] == "Europe/Brussels"
    assert feed.count(b"BEGIN:VTIMEZONE") == 1


@pytest.mark.parametrize("zone", ["Europe/Brussels", "Africa/Casablanca"])
def test_no_rdate_line_holds_several_values(zone: str) -> None:
    # Casablanca's Ramadan changes follow no yearly rule, so they come out as RDATEs.
    ics = build_calendar([], tz=ZoneInfo(zone), name="x", now=NOW)
    unfolded = ics.replace(b"\r\n ", b"")
    rdates = [line for line in raw_lines(unfolded) if line.startswith(b"RDATE")]
    assert all(b"," not in line for line in rdates)
    if zone == "Africa/Casablanca":
        assert rdates


def test_every_line_is_crlf_terminated_and_at_most_75_octets(feed: bytes) -> None:
    assert b"\n" not in feed.replace(b"\r\n", b"")
    assert b"\r" not in feed.replace(b"\r\n", b"")
    lines = raw_lines(feed)
    assert max(len(line) for line in lines) <= 75
    assert any(line.startswith(b" ") for line in lines), "the fixture should need folding"


def test_folding_never_splits_a_multibyte_character() -> None:
    title = "Zoë 🧪 " * 40 + "ÅÉÎõü" * 30
    event = make_event("booking-1@campus-booking", local(2027, 2, 1, 9), local(2027, 2, 1, 10))
    ics = build_calendar([replace(event, summary=title)], tz=TZ, name=title, now=NOW)
    for line in raw_lines(ics):
        assert len(line) <= 75
        line.decode("utf-8")  # raises if a character was cut in two
    (vevent,) = vevents(ics)
    assert str(vevent["SUMMARY"]) == title
    assert calendar_name(ics) == title


def test_folding_keeps_text_escapes_whole() -> None:
    title = "x" + ",;\\" * 200
    for shift in range(6):
        event = make_event("booking-1@campus-booking", local(2027, 2, 1, 9), local(2027, 2, 1, 10))
        ics = build_calendar(
            [replace(event, summary="a" * shift + title)], tz=TZ, name="x", now=NOW
        )
        lines = raw_lines(ics)
        summary = lines.index(next(line for line in lines if line.startswith(b"SUMMARY:")))
        folded = [summary]
        while lines[folded[-1] + 1].startswith(b" "):
            folded.append(folded[-1] + 1)
        assert len(folded) > 5
        for index in folded:
            line = lines[index]
            assert len(line) <= 75
            # An odd run of backslashes at the end would leave an escape cut in two.
            assert (len(line) - len(line.rstrip(b"\\"))) % 2 == 0, line
        (vevent,) = vevents(ics)
        assert str(vevent["SUMMARY"]) == "a" * shift + title


def library_vevent(event: CalendarEvent, now: datetime) -> icalendar.Event:
    """The same VEVENT written by icalendar.Event, as a reference for our serialiser."""
    status = {"pending": "TENTATIVE", "confirmed": "CONFIRMED"}.get(event.status, "CANCELLED")
    vevent = icalendar.Event()
    vevent.add("uid", event.uid)
    vevent.add("dtstamp", now.astimezone(UTC))
    vevent.add("dtstart", event.start.astimezone(TZ))
    vevent.add("dtend", event.end.astimezone(TZ))
    if event.recurrence_id is not None:
        vevent.add("recurrence-id", event.recurrence_id.astimezone(TZ))
    vevent.add("sequence", event.sequence)
    vevent.add("created", event.created.astimezone(UTC))
    vevent.add("last-modified", event.last_modified.astimezone(UTC))
    vevent.add("status", status)
    vevent.add("summary", event.summary)
    vevent.add("location", event.location)
    vevent.add("url", event.url)
    if event.description is not None:
        vevent.add("description", event.description)
    if event.rrule is not None:
        vevent.add("rrule", icalendar.vRecur.from_ical(event.rrule))
    for exdate in sorted(event.exdates):
        vevent.add("exdate", exdate.astimezone(TZ))
    return vevent


def content_lines(ics: bytes) -> list[list[bytes]]:
    """Each VEVENT's unfolded content lines, sorted."""
    blocks = re.findall(rb"BEGIN:VEVENT\r\n(.*?)END:VEVENT\r\n", ics, flags=re.DOTALL)
    return [sorted(block.replace(b"\r\n ", b"").split(b"\r\n")[:-1]) for block in blocks]


def test_vevents_match_what_icalendar_itself_writes(feed: bytes) -> None:
    reference = icalendar.Calendar()
    for event in campus_events():
        reference.add_component(library_vevent(event, NOW))
        for override in event.overrides:
            reference.add_component(library_vevent(override, NOW))
    assert content_lines(feed) == content_lines(reference.to_ical())


def test_event_properties(feed: bytes) -> None:
    by_key = {(str(e["UID"]), "RECURRENCE-ID" in e): e for e in vevents(feed)}
    assert len(by_key) == 6
    series = by_key[(SERIES_UID, False)]
    assert series.decoded("DTSTAMP") == NOW.astimezone(UTC)
    assert series.decoded("DTSTART") == local(2027, 3, 3, 10)
    assert series["DTSTART"].params["TZID"] == "Europe/Brussels"
    assert series["DTEND"].params["TZID"] == "Europe/Brussels"
    assert series["SEQUENCE"] == 2
    assert series.decoded("CREATED") == datetime(2026, 11, 2, 8, 30, tzinfo=UTC)
    assert series.decoded("LAST-MODIFIED") == datetime(2026, 11, 20, 16, 45, 12, tzinfo=UTC)
    assert series["STATUS"] == "CONFIRMED"
    assert str(series["LOCATION"]) == LOCATION
    assert str(series["URL"]) == "https://booking.campus.example/bookings/series-7"
    assert str(series["DESCRIPTION"]) == DESCRIPTION
    assert series["RRULE"].to_ical() == b"FREQ=WEEKLY;UNTIL=20270421T215959Z;BYDAY=WE"
    exdate: Any = series["EXDATE"]
    assert exdate.params["TZID"] == "Europe/Brussels"
    assert [d.dt for d in exdate.dts] == [local(2027, 3, 17, 10)]

    moved = by_key[(SERIES_UID, True)]
    assert moved["RECURRENCE-ID"].params["TZID"] == "Europe/Brussels"
    assert moved.decoded("RECURRENCE-ID") == local(2027, 3, 31, 10)
    assert moved["SEQUENCE"] == 3

    assert by_key[("booking-413@campus-booking", False)]["STATUS"] == "TENTATIVE"
    assert by_key[("booking-414@campus-booking", False)]["STATUS"] == "CANCELLED"
    assert by_key[("booking-415@campus-booking", False)]["STATUS"] == "CANCELLED"
    assert "DESCRIPTION" not in by_key[("booking-412@campus-booking", False)]

    # UTC stamps, zone-local event times, as RFC 5545 wants them.
    for line in raw_lines(feed.replace(b"\r\n ", b"")):
        if line.startswith((b"DTSTAMP", b"CREATED", b"LAST-MODIFIED")):
            assert re.fullmatch(rb"[A-Z-]+:\d{8}T\d{6}Z", line), line
        if line.startswith((b"DTSTART;", b"DTEND;", b"EXDATE", b"RECURRENCE-ID")):
            assert line.split(b":")[0].endswith(b";TZID=Europe/Brussels"), line


def test_one_exdate_per_line() -> None:
    series = make_event(
        "series-9@campus-booking",
        local(2027, 1, 4, 9),
        local(2027, 1, 4, 10),
        rrule="FREQ=DAILY;COUNT=10",
        exdates=[local(2027, 1, 8, 9), local(2027, 1, 5, 9), local(2027, 1, 6, 9)],
    )
    ics = build_calendar([series], tz=TZ, name="x", now=NOW)
    exdates = [line for line in raw_lines(ics) if line.startswith(b"EXDATE")]
    assert exdates == [
        b"EXDATE;TZID=Europe/Brussels:20270105T090000",
        b"EXDATE;TZID=Europe/Brussels:20270106T090000",
        b"EXDATE;TZID=Europe/Brussels:20270108T090000",
    ]
    assert len(expand_python(ics, *WINDOW)) == 7


def test_text_survives_a_round_trip_through_the_python_parser() -> None:
    nasty = 'a,b;c\\d\ne "f" 😀 Ünïcödé\ttab, done;'
    event = make_event(
        "booking-9@campus-booking",
        local(2027, 2, 1, 9),
        local(2027, 2, 1, 10),
        summary=nasty,
        description=nasty,
        location=nasty,
    )
    ics = build_calendar([event], tz=TZ, name=nasty, now=NOW)
    (vevent,) = vevents(ics)
    for name in ("SUMMARY", "DESCRIPTION", "LOCATION"):
        assert str(vevent[name]) == nasty
    assert calendar_name(ics) == nasty


@pytest.mark.calendar_js
def test_text_survives_a_round_trip_through_icaljs(icaljs: None) -> None:
    nasty = 'a,b;c\\d\ne "f" 😀 Ünïcödé\ttab, done;' * 3
    event = make_event(
        "booking-9@campus-booking", local(2027, 2, 1, 9), local(2027, 2, 1, 10), summary=nasty
    )
    ics = build_calendar([event], tz=TZ, name="x", now=NOW)
    assert [i.summary for i in expand_icaljs(ics, *WINDOW)] == [nasty]


def test_empty_calendar_still_has_its_timezone() -> None:
    ics = build_calendar([], tz=TZ, name="Leeg", now=NOW)
    cal = parse(ics)
    assert len(list(cal.walk("VTIMEZONE"))) == 1
    assert not list(cal.walk("VEVENT"))
    assert expand_python(ics, *WINDOW) == []


# --- the VTIMEZONE -----------------------------------------------------------------------------

ZONES = [
    "Europe/Brussels",
    "America/New_York",
    "Australia/Sydney",  # summer time over New Year
    "Africa/Casablanca",  # irregular (Ramadan) changes: RDATEs
    "Europe/Dublin",  # "negative DST" in the tz database
    "Asia/Kolkata",  # no changes at all
]


def probe_instants(
    zone: ZoneInfo, first_year: int, last_year: int, step_minutes: int = 337
) -> list[datetime]:
    """Instants all over the years, and close around every change of offset; none of them
    at an ambiguous wall time (which a wall time + TZID cannot name)."""
    start = datetime(first_year, 1, 1, tzinfo=zone).astimezone(UTC)
    stop = datetime(last_year + 1, 1, 1, tzinfo=zone).astimezone(UTC)
    instants: set[datetime] = set()
    step = timedelta(minutes=step_minutes)
    cursor = start
    previous = cursor.astimezone(zone).utcoffset()
    while cursor < stop:
        instants.add(cursor)
        offset = cursor.astimezone(zone).utcoffset()
        if offset != previous:
            # The change happened since the previous probe: probe that stretch densely.
            for minutes in range(-(step_minutes + 120), 121, 15):
                instants.add(cursor + timedelta(minutes=minutes))
        previous = offset
        cursor += step
    unambiguous = []
    for instant in sorted(instants):
        wall = instant.astimezone(zone).replace(tzinfo=None)
        folds = {wall.replace(tzinfo=zone, fold=f).utcoffset() for f in (0, 1)}
        if len(folds) == 1 and start <= instant < stop:
            unambiguous.append(instant)
    return unambiguous


# (zone, first year, last year, minutes between probes)
PROBES = [(name, 2025, 2028, 997) for name in ZONES] + [
    # Zones whose rules changed: finished yearly rules (RRULE with UNTIL) and one-off changes.
    (name, 2009, 2028, 2881)
    for name in ("Europe/Moscow", "Pacific/Apia", "America/Mexico_City", "Asia/Tehran")
]


def spanning(zone: ZoneInfo, first_year: int, last_year: int) -> list[CalendarEvent]:
    return [
        make_event(f"edge-{year}@campus-booking", start, start + timedelta(hours=1))
        for year, start in (
            (first_year, datetime(first_year, 1, 2, 12, tzinfo=zone)),
            (last_year, datetime(last_year, 12, 30, 12, tzinfo=zone)),
        )
    ]


@pytest.mark.parametrize(("name", "first_year", "last_year", "step"), PROBES)
def test_vtimezone_gives_the_zoneinfo_offsets(
    name: str, first_year: int, last_year: int, step: int
) -> None:
    """icalendar would use zoneinfo for a known TZID; make it read our VTIMEZONE instead."""
    zone = ZoneInfo(name)
    ics = build_calendar(spanning(zone, first_year, last_year), tz=zone, name="x", now=NOW)
    (vtimezone,) = parse(ics).walk("VTIMEZONE")
    assert isinstance(vtimezone, icalendar.Timezone)
    from_file = vtimezone.to_tz(lookup_tzid=False)
    checked = 0
    for instant in probe_instants(zone, first_year, last_year, step):
        wall = instant.astimezone(zone).replace(tzinfo=None)
        if wall.replace(tzinfo=zone).astimezone(UTC) != instant:
            continue  # a wall time in a spring gap: no file can name it
        assert wall.replace(tzinfo=from_file).astimezone(UTC) == instant, (name, wall)
        checked += 1
    assert checked > 1000


@pytest.mark.calendar_js
@pytest.mark.parametrize(("name", "first_year", "last_year", "step"), PROBES)
def test_icaljs_reads_our_vtimezone_like_zoneinfo(
    name: str, first_year: int, last_year: int, step: int, icaljs: None
) -> None:
    zone = ZoneInfo(name)
    instants = probe_instants(zone, first_year, last_year, step)
    events = [
        make_event(f"probe-{n}@campus-booking", i, i + timedelta(minutes=30))
        for n, i in enumerate(instants)
    ]
    ics = build_calendar(events, tz=zone, name="x", now=NOW)
    window = (instants[0] - timedelta(days=1), instants[-1] + timedelta(days=1))
    found = {i.uid: i.start_utc for i in expand_icaljs(ics, *window)}
    wrong = [
        (e.start.astimezone(zone).isoformat(), found.get(e.uid))
        for e in events
        if found.get(e.uid) != e.start
    ]
    assert wrong == []
    assert len(found) == len(events) > 1000


def test_vtimezone_covers_the_years_of_the_events() -> None:
    # RDATE-only zones show the covered span best: Casablanca changes every year.
    zone = ZoneInfo("Africa/Casablanca")
    years = {
        int(line[6:10])
        for line in raw_lines(build_calendar([], tz=zone, name="x", now=NOW))
        if line.startswith(b"RDATE")
    }
    assert years == {2025, 2026, 2027, 2028}  # now's year - 1 .. + 2
    late = make_event("booking-1@campus-booking", local(2031, 5, 1, 9), local(2031, 5, 1, 10))
    ics = build_calendar([late], tz=zone, name="x", now=NOW)
    years = {int(line[6:10]) for line in raw_lines(ics) if line.startswith(b"RDATE")}
    assert min(years) == 2025
    assert max(years) == 2031


def test_vtimezone_uses_yearly_rules_for_the_campus_zone(feed: bytes) -> None:
    (vtimezone,) = parse(feed).walk("VTIMEZONE")
    rules = {
        (c.name, c["RRULE"].to_ical(), c.decoded("DTSTART").strftime("%m-%d %H:%M"))
        for c in vtimezone.subcomponents
        if "RRULE" in c
    }
    # Onsets in the local time before the change (RFC 5545 3.6.5): 02:00 CET, 03:00 CEST.
    assert rules == {
        ("DAYLIGHT", b"FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3", "03-30 02:00"),
        ("STANDARD", b"FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10", "10-26 03:00"),
    }


MULTI_VALUED_RDATE_VTIMEZONE = (
    b"BEGIN:VTIMEZONE\r\n"
    b"TZID:Europe/Brussels\r\n"
    b"BEGIN:STANDARD\r\n"
    b"DTSTART:20250101T000000\r\n"
    b"TZOFFSETFROM:+0100\r\n"
    b"TZOFFSETTO:+0100\r\n"
    b"END:STANDARD\r\n"
    b"BEGIN:DAYLIGHT\r\n"
    b"DTSTART:20260329T020000\r\n"
    b"RDATE:20260329T020000,20270328T020000,20280326T020000\r\n"
    b"TZOFFSETFROM:+0100\r\n"
    b"TZOFFSETTO:+0200\r\n"
    b"END:DAYLIGHT\r\n"
    b"BEGIN:STANDARD\r\n"
    b"DTSTART:20261025T030000\r\n"
    b"RDATE:20261025T030000,20271031T030000,20281029T030000\r\n"
    b"TZOFFSETFROM:+0200\r\n"
    b"TZOFFSETTO:+0100\r\n"
    b"END:STANDARD\r\n"
    b"END:VTIMEZONE\r\n"
)


@pytest.mark.calendar_js
def test_icaljs_check_notices_a_multi_valued_rdate(icaljs: None) -> None:
    """The harness really reads the VTIMEZONE: with the multi-valued RDATE the API warns
    about, ical.js puts a 2027 summer event an hour late."""
    event = make_event("booking-1@campus-booking", local(2027, 7, 7, 10), local(2027, 7, 7, 11))
    ics = build_calendar([event], tz=TZ, name="x", now=NOW)
    good = expand_icaljs(ics, *WINDOW)
    assert [i.start_utc for i in good] == [utc(2027, 7, 7, 8)]
    spliced = re.sub(
        rb"BEGIN:VTIMEZONE\r\n.*END:VTIMEZONE\r\n",
        MULTI_VALUED_RDATE_VTIMEZONE,
        ics,
        flags=re.DOTALL,
    )
    assert [i.start_utc for i in expand_icaljs(spliced, *WINDOW)] == [utc(2027, 7, 7, 9)]


# --- refusals ----------------------------------------------------------------------------------


def test_naive_datetimes_are_refused() -> None:
    event = make_event("booking-1@campus-booking", local(2027, 2, 1, 9), local(2027, 2, 1, 10))
    with pytest.raises(ValueError, match="aware"):
        build_calendar([replace(event, start=datetime(2027, 2, 1, 9))], tz=TZ, name="x", now=NOW)
    with pytest.raises(ValueError, match="aware"):
        build_calendar([event], tz=TZ, name="x", now=datetime(2026, 12, 1, 9))


@pytest.mark.parametrize(
    "change",
    [
        {"status": "maybe"},
        {"end": local(2027, 2, 1, 9)},
        {"sequence": -1},
        {"rrule": "FREQ=SOMETIMES"},
        {"recurrence_id": local(2027, 2, 1, 9)},
    ],
)
def test_malformed_events_are_refused(change: dict[str, object]) -> None:
    event = make_event("booking-1@campus-booking", local(2027, 2, 1, 9), local(2027, 2, 1, 10))
    with pytest.raises(ValueError):
        build_calendar([replace(event, **change)], tz=TZ, name="x", now=NOW)  # type: ignore[arg-type]


def test_an_override_must_share_its_series_uid() -> None:
    override = make_event(
        "booking-2@campus-booking",
        local(2027, 2, 8, 14),
        local(2027, 2, 8, 15),
        recurrence_id=local(2027, 2, 8, 9),
    )
    series = make_event(
        "series-1@campus-booking",
        local(2027, 2, 1, 9),
        local(2027, 2, 1, 10),
        rrule="FREQ=WEEKLY;COUNT=3",
        overrides=[override],
    )
    with pytest.raises(ValueError, match="uid"):
        build_calendar([series], tz=TZ, name="x", now=NOW)


def test_unknown_method_is_refused() -> None:
    with pytest.raises(ValueError, match="method"):
        build_calendar([], tz=TZ, name="x", now=NOW, method="SHOUT")


def test_an_invitation_names_organizer_and_attendee_and_awkward_names_survive():
    from booking.core.ical import Attendee

    booker = Attendee(email="an@qualiva.example", name='Peeters, An "AP": lab;2')
    event = make_event(
        "booking-9@campus-booking",
        local(2027, 3, 17, 14),
        local(2027, 3, 17, 15),
        organizer=Attendee(email="booking@campus.example", name="Campus Booking"),
        attendees=(booker,),
    )

    text = build_calendar([event], tz=TZ, name="x", now=NOW, method="REQUEST")

    (parsed,) = icalendar.Calendar.from_ical(text).walk("VEVENT")
    assert str(parsed["ORGANIZER"]) == "mailto:booking@campus.example"
    assert str(parsed["ATTENDEE"]) == "mailto:an@qualiva.example"
    assert parsed["ATTENDEE"].params["CN"] == "Peeters, An 'AP': lab;2"
    assert parsed["ATTENDEE"].params["PARTSTAT"] == "ACCEPTED"
    assert parsed["ATTENDEE"].params["RSVP"] == "FALSE"
    # A feed's events carry neither: subscribers are not invited to anything.
    plain = build_calendar([replace(event, organizer=None, attendees=())], tz=TZ, name="x", now=NOW)
    assert b"ORGANIZER" not in plain and b"ATTENDEE" not in plain
    with pytest.raises(ValueError):
        build_calendar(
            [replace(event, attendees=(Attendee(email="nobody"),))], tz=TZ, name="x", now=NOW
        )
