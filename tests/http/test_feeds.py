"""Calendar feeds over HTTP: headers, conditional GETs, the window, who sees which titles, token
rotation, the .ics download, and the e-mail attachments' calendars."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import icalendar
import pytest
from sqlalchemy import event, select

from booking.extensions import db
from booking.ical.feeds import RedactFeedTokens, bodies
from booking.models import Booking
from booking.services import feeds as feed_service
from tests.calendar_parsers import expand_python
from tests.conftest import NOW, TZ
from tests.http.scene import (
    TOMORROW,
    at,
    body,
    fast_api_as,  # noqa: F401  (the api_as fixture, faster)
    local,
)

HOST = "booking.campus.example"
WINDOW = (NOW - timedelta(days=91), NOW + timedelta(days=402))


def feed_path(user: Any, name: str = "me.ics") -> str:
    return f"/ical/{user.feed_token}/{name}"


def get(client: Any, path: str, **headers: str) -> Any:
    return client.get(path, headers=headers)


def parse(data: bytes) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(data)


def summaries(data: bytes) -> list[str]:
    return sorted(str(e["SUMMARY"]) for e in parse(data).walk("VEVENT"))


def events(data: bytes) -> list[icalendar.Component]:
    return list(parse(data).walk("VEVENT"))


def by_summary(data: bytes) -> dict[str, icalendar.Component]:
    return {str(e["SUMMARY"]): e for e in events(data)}


@pytest.fixture(autouse=True)
def _no_cached_bodies() -> None:
    # Databases are emptied between tests and ids restart: a body cached by an earlier test
    # must not answer for a later one (the ETag includes the token, so it cannot, but be sure).
    bodies.clear()


def book(api: Any, space: Any, day: str, start: str, end: str, **extra: Any) -> dict[str, Any]:
    answer = api.post("/bookings", json=body(space, day, start, end, **extra))
    assert answer.status_code == 201, answer.get_json()
    data: dict[str, Any] = answer.get_json()
    return data


# ---------------------------------------------------------------------------------------------
# The feed as HTTP and as iCalendar


def test_me_ics_is_a_private_calendar_with_validators_and_no_cookie(
    client, session, make_space, make_user, api_as
):
    space = make_space(code="H.2.14", name="Demer")
    member = make_user(language="en")
    book(api_as(member), space, TOMORROW, "10:00", "11:00", title="Sprint review")

    answer = get(client, feed_path(member))

    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert "private" in answer.headers["Cache-Control"]
    etag = answer.headers["ETag"]
    assert re.fullmatch(r'"[0-9a-f]{40}"', etag), "a strong ETag"
    assert answer.headers["Last-Modified"].endswith(" GMT")
    assert "Set-Cookie" not in answer.headers
    calendar = parse(answer.data)
    assert str(calendar["X-WR-CALNAME"]) == "My bookings"
    assert len(list(calendar.walk("VTIMEZONE"))) == 1
    assert b"\r\nREFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n" in answer.data
    assert b"\r\nX-PUBLISHED-TTL:PT1H\r\n" in answer.data
    (only,) = events(answer.data)
    assert str(only["SUMMARY"]) == "Sprint review"
    assert str(only["STATUS"]) == "CONFIRMED"
    assert str(only["LOCATION"]) == f"H.2.14 Demer, {space.building.name}"
    assert str(only["UID"]).startswith("booking-") and str(only["UID"]).endswith(f"@{HOST}")
    assert str(only["URL"]).startswith(f"https://{HOST}/bookings/")
    assert only["DTSTART"].params["TZID"] == "Europe/Brussels"
    assert only.decoded("DTSTART") == local(TOMORROW, "10:00")
    for name in ("DTSTAMP", "SEQUENCE", "LAST-MODIFIED", "CREATED"):
        assert name in only


def test_the_calendar_name_is_in_the_users_language(client, make_user):
    dutch = make_user(language="nl")
    english = make_user(language="en")
    db.session.commit()

    assert str(parse(get(client, feed_path(dutch)).data)["X-WR-CALNAME"]) == "Mijn boekingen"
    assert str(parse(get(client, feed_path(english)).data)["X-WR-CALNAME"]) == "My bookings"


def test_lines_end_in_crlf_and_long_lines_are_folded_over_http(
    client, make_space, make_user, api_as
):
    space = make_space()
    member = make_user()
    title = "Überlange Besprechung, café — " + "🎉 emoji; and, commas " * 8
    book(api_as(member), space, TOMORROW, "10:00", "11:00", title=title[:200])

    data = get(client, feed_path(member)).data

    assert data.endswith(b"END:VCALENDAR\r\n")
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert b"\r" not in data.replace(b"\r\n", b"")
    lines = data.split(b"\r\n")
    assert max(len(line) for line in lines) <= 75
    assert any(line.startswith(b" ") for line in lines), "the long SUMMARY is folded"
    for line in lines:
        line.decode("utf-8")  # never folded inside a UTF-8 sequence
    assert summaries(data) == [title[:200]]


def test_head_answers_like_get_without_a_body(client, make_user):
    member = make_user()
    db.session.commit()
    full = get(client, feed_path(member))

    head = client.head(feed_path(member))

    assert head.status_code == 200
    assert head.headers["ETag"] == full.headers["ETag"]
    assert head.data == b""


# ---------------------------------------------------------------------------------------------
# Conditional GETs


def test_if_none_match_gives_304_with_etag_and_last_modified(client, make_space, make_user, api_as):
    member = make_user()
    book(api_as(member), make_space(), TOMORROW, "10:00", "11:00")
    first = get(client, feed_path(member))

    again = get(client, feed_path(member), **{"If-None-Match": first.headers["ETag"]})

    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == first.headers["ETag"]
    assert again.headers["Last-Modified"] == first.headers["Last-Modified"]
    assert "private" in again.headers["Cache-Control"]
    assert "Set-Cookie" not in again.headers


def test_if_modified_since_gives_304(client, make_space, make_user, api_as):
    member = make_user()
    book(api_as(member), make_space(), TOMORROW, "10:00", "11:00")
    first = get(client, feed_path(member))

    again = get(client, feed_path(member), **{"If-Modified-Since": first.headers["Last-Modified"]})

    assert again.status_code == 304
    assert again.headers["ETag"] == first.headers["ETag"]
    assert again.headers["Last-Modified"] == first.headers["Last-Modified"]


def test_a_stale_etag_wins_over_a_fresh_if_modified_since(client, make_space, make_user, api_as):
    member = make_user()
    book(api_as(member), make_space(), TOMORROW, "10:00", "11:00")
    first = get(client, feed_path(member))

    again = get(
        client,
        feed_path(member),
        **{"If-None-Match": '"0000"', "If-Modified-Since": first.headers["Last-Modified"]},
    )

    assert again.status_code == 200


def test_a_change_gives_a_new_etag_a_higher_sequence_and_a_later_last_modified(
    client, make_space, make_user, api_as
):
    member = make_user()
    api = api_as(member)
    made = book(api, make_space(), TOMORROW, "10:00", "11:00", title="Before")
    first = get(client, feed_path(member))
    (before,) = events(first.data)

    assert api.patch(f"/bookings/{made['id']}", json={"title": "After"}).status_code == 200
    again = get(client, feed_path(member), **{"If-None-Match": first.headers["ETag"]})

    assert again.status_code == 200
    assert again.headers["ETag"] != first.headers["ETag"]
    (after,) = events(again.data)
    assert str(after["SUMMARY"]) == "After"
    assert str(after["UID"]) == str(before["UID"])
    assert int(after["SEQUENCE"]) == int(before["SEQUENCE"]) + 1
    assert after.decoded("LAST-MODIFIED") >= before.decoded("LAST-MODIFIED")


def test_cancelling_an_occurrence_or_renaming_the_room_changes_the_etag(
    client, make_space, make_user, api_as
):
    space = make_space(name="Dijle")
    member = make_user()
    api = api_as(member)
    made = book(
        api, space, "2027-03-10", "10:00", "11:00", title="Weekly",
        recurrence={"rrule": "FREQ=WEEKLY;COUNT=3"},
    )  # fmt: skip
    paths = [feed_path(member), feed_path(member, f"spaces/{space.id}.ics")]
    tags = [get(client, path).headers["ETag"] for path in paths]

    assert api.post(f"/bookings/{made['bookings'][1]['id']}/cancel").status_code == 200
    after_cancel = [
        get(client, path, **{"If-None-Match": t}) for path, t in zip(paths, tags, strict=True)
    ]
    space.name = "Demer"
    db.session.commit()
    after_rename = [
        get(client, path, **{"If-None-Match": a.headers["ETag"]})
        for path, a in zip(paths, after_cancel, strict=True)
    ]

    assert [a.status_code for a in after_cancel] == [200, 200]
    assert all(b"EXDATE" in a.data for a in after_cancel)
    assert [a.status_code for a in after_rename] == [200, 200]
    assert all(b"Demer" in a.data for a in after_rename)


def test_an_unchanged_feed_is_answered_without_building_it(
    client, make_space, make_user, api_as, monkeypatch
):
    member = make_user()
    book(api_as(member), make_space(), TOMORROW, "10:00", "11:00")
    first = get(client, feed_path(member))

    def no_building(*args: Any, **kwargs: Any) -> bytes:
        raise AssertionError("the unchanged feed was built again")

    monkeypatch.setattr(feed_service, "build_feed", no_building)
    cached = get(client, feed_path(member))
    conditional = get(client, feed_path(member), **{"If-None-Match": first.headers["ETag"]})

    assert cached.status_code == 200
    assert cached.data == first.data
    assert conditional.status_code == 304


def test_a_feed_is_read_in_one_query_however_many_bookings(client, make_space, make_user, app):
    def statements_for(user: Any) -> int:
        bodies.clear()
        seen: list[str] = []

        def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            seen.append(statement)

        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", count)
        try:
            assert get(client, feed_path(user)).status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len([s for s in seen if "bookings" in s.lower()])

    space = make_space()
    few, many = make_user(), make_user()
    for index in range(60):
        start = local(TOMORROW, "08:00") + timedelta(days=index)
        for user, step in ((few, 0), (many, 1)):
            if user is few and index >= 3:
                continue
            db.session.add(
                Booking(
                    space_id=space.id, user_id=user.id, tenant_id=user.tenant_id,
                    title=f"B{index}", start=start + timedelta(hours=step),
                    end=start + timedelta(hours=step, minutes=30),
                    busy_start=start + timedelta(hours=step),
                    busy_end=start + timedelta(hours=step, minutes=30), status="confirmed",
                )
            )  # fmt: skip
    db.session.commit()

    # One aggregate for the validators, one query for the bookings; none per event.
    assert statements_for(few) == statements_for(many) == 2


# ---------------------------------------------------------------------------------------------
# Window, cancellations


def test_the_window_is_90_days_back_and_400_days_ahead(client, make_space, make_user, make_booking):
    space = make_space()
    member = make_user()
    day = NOW.replace(hour=10)
    for days, title in ((-91, "too old"), (-89, "recent past"), (399, "far"), (402, "too far")):
        start = day + timedelta(days=days)
        make_booking(space, member, start, start + timedelta(hours=1), title=title)
    db.session.commit()

    assert summaries(get(client, feed_path(member)).data) == ["far", "recent past"]


def test_cancelled_bookings_stay_as_cancelled_for_30_days(
    client, make_space, make_user, make_booking
):
    space = make_space()
    member = make_user()
    start = local(TOMORROW, "10:00")
    for days, title, status in (
        (29, "cancelled lately", "cancelled"),
        (31, "cancelled long ago", "cancelled"),
        (10, "rejected lately", "rejected"),
        (40, "rejected long ago", "rejected"),
    ):
        moment = NOW - timedelta(days=days)
        make_booking(
            space, member, start, start + timedelta(minutes=30), title=title, status=status,
            cancelled_at=moment if status == "cancelled" else None,
            decided_at=moment if status == "rejected" else None,
        )  # fmt: skip
        start += timedelta(hours=1)
    db.session.commit()

    shown = by_summary(get(client, feed_path(member)).data)

    assert sorted(shown) == ["cancelled lately", "rejected lately"]
    assert {str(e["STATUS"]) for e in shown.values()} == {"CANCELLED"}


# ---------------------------------------------------------------------------------------------
# Tokens: the only credential


def test_get_me_gives_https_and_webcal_feed_urls(make_user, api_as):
    member = make_user()
    me = api_as(member).get("/me").get_json()

    assert me["ical_url"] == f"https://{HOST}/ical/{member.feed_token}/me.ics"
    assert me["webcal_url"] == f"webcal://{HOST}/ical/{member.feed_token}/me.ics"


def test_rotating_the_token_ends_the_old_urls_at_once_and_the_new_ones_work(
    client, make_space, make_user, api_as
):
    space = make_space()
    admin = make_user(role="tenant_admin")
    api = api_as(admin)
    book(api, space, TOMORROW, "10:00", "11:00", title="Mine")
    old_me = urlsplit(api.get("/me").get_json()["ical_url"]).path
    old_token = old_me.split("/")[2]
    old = [old_me, f"/ical/{old_token}/tenant.ics", f"/ical/{old_token}/spaces/{space.id}.ics"]
    assert [get(client, path).status_code for path in old] == [200, 200, 200]

    rotated = api.post("/me/ical-token")

    assert rotated.status_code == 200
    urls = rotated.get_json()
    assert urls["ical_url"].startswith(f"https://{HOST}/ical/")
    assert urls["webcal_url"] == "webcal://" + urls["ical_url"].removeprefix("https://")
    new_me = urlsplit(urls["ical_url"]).path
    assert new_me != old_me
    assert [get(client, path).status_code for path in old] == [404, 404, 404]
    new_token = new_me.split("/")[2]
    new = [new_me, f"/ical/{new_token}/tenant.ics", f"/ical/{new_token}/spaces/{space.id}.ics"]
    assert [get(client, path).status_code for path in new] == [200, 200, 200]
    assert summaries(get(client, new_me).data) == ["Mine"]
    me = api.get("/me").get_json()
    assert (me["ical_url"], me["webcal_url"]) == (urls["ical_url"], urls["webcal_url"])


@pytest.mark.parametrize(
    "token",
    ["x" * 32, "short", "a" * 200, "not a token!", "%00" * 10],
)
def test_an_unknown_or_malformed_token_gets_404(client, make_user, token):
    make_user()
    db.session.commit()

    answer = get(client, f"/ical/{token}/me.ics")

    assert answer.status_code == 404
    assert "Set-Cookie" not in answer.headers
    assert answer.headers["Cache-Control"] == "no-store"


def test_a_deactivated_persons_feed_is_gone(client, make_user):
    member = make_user(active=False)
    db.session.commit()

    assert get(client, feed_path(member)).status_code == 404


def test_the_token_never_reaches_the_request_log(caplog):
    token = "s3cretTOKENs3cretTOKENs3cretTOKEN"
    logger = logging.getLogger("werkzeug")
    # As werkzeug's development server logs a request (serving.WSGIRequestHandler.log).
    with caplog.at_level(logging.INFO, logger="werkzeug"):
        logger.info(
            '%s - - [%s] "%s" %s %s',
            "127.0.0.1",
            "23/Nov/2026 10:00:00",
            f"GET /ical/{token}/spaces/3.ics HTTP/1.1",
            "200",
            "-",
        )

    assert token not in caplog.text
    assert "/ical/<token>/spaces/3.ics" in caplog.text
    assert any(
        isinstance(f, RedactFeedTokens) for f in logging.getLogger("gunicorn.access").filters
    )


# ---------------------------------------------------------------------------------------------
# tenant.ics and space feeds: who sees what


@pytest.fixture
def hub(make_space, make_user, make_tenant, make_booking):
    """A room with bookings of a member, a colleague (same tenant) and an outsider."""
    space = make_space(code="H.1.01", name="Dijle")
    qualiva, other = make_tenant(name="Qualiva"), make_tenant(name="Other NV")
    people = {
        "member": make_user(tenant=qualiva, name="An Peeters", language="en"),
        "dutch": make_user(tenant=qualiva, name="Jan Janssens", language="nl"),
        "admin": make_user(tenant=qualiva, role="tenant_admin", name="Els Admin", language="en"),
        "outsider": make_user(tenant=other, name="Olaf Other", language="en"),
        "manager": make_user(role="manager", name="Mia Manager", language="en"),
    }
    start = local(TOMORROW, "08:00")
    for index, (who, title) in enumerate(
        (("member", "Member's review"), ("dutch", "Colleague's call"), ("outsider", "Secret deal"))
    ):
        at_ = start + timedelta(hours=index)
        make_booking(space, people[who], at_, at_ + timedelta(hours=1), title=title,
                     notes=f"notes of {who}")  # fmt: skip
    db.session.commit()
    return space, people


def test_a_members_space_feed_hides_other_peoples_titles(client, hub):
    space, people = hub

    data = get(client, feed_path(people["member"], f"spaces/{space.id}.ics")).data

    shown = sorted((str(e["SUMMARY"]), str(e.get("DESCRIPTION", ""))) for e in events(data))
    assert shown == [
        ("Busy", ""),
        ("Busy", ""),
        ("Member's review", "Booked by An Peeters\nnotes of member"),
    ]
    assert b"Secret deal" not in data and b"Olaf" not in data and b"Colleague" not in data
    busy = [e for e in events(data) if str(e["SUMMARY"]) == "Busy"]
    assert {str(e["URL"]) for e in busy} == {f"https://{HOST}/spaces/{space.id}"}
    assert {str(e["LOCATION"]) for e in events(data)} == {f"H.1.01 Dijle, {space.building.name}"}
    assert str(parse(data)["X-WR-CALNAME"]) == "Bookings of H.1.01 Dijle"


def test_busy_is_bezet_in_dutch(client, hub):
    space, people = hub

    data = get(client, feed_path(people["dutch"], f"spaces/{space.id}.ics")).data

    assert summaries(data) == ["Bezet", "Bezet", "Colleague's call"]
    assert str(parse(data)["X-WR-CALNAME"]) == "Bezetting van H.1.01 Dijle"


def test_a_tenant_admin_sees_the_tenants_titles_and_the_manager_sees_all(client, hub):
    space, people = hub

    admin = get(client, feed_path(people["admin"], f"spaces/{space.id}.ics")).data
    manager = get(client, feed_path(people["manager"], f"spaces/{space.id}.ics")).data

    assert summaries(admin) == ["Busy", "Colleague's call", "Member's review"]
    assert summaries(manager) == ["Colleague's call", "Member's review", "Secret deal"]


def test_tenant_ics_is_for_the_tenant_admin_only(client, hub):
    _, people = hub

    admin = get(client, feed_path(people["admin"], "tenant.ics"))

    assert admin.status_code == 200
    shown = by_summary(admin.data)
    assert sorted(shown) == ["Colleague's call", "Member's review"]
    assert str(shown["Colleague's call"]["DESCRIPTION"]) == "Booked by Jan Janssens\nnotes of dutch"
    assert str(parse(admin.data)["X-WR-CALNAME"]) == "Bookings of Qualiva"
    for who in ("member", "dutch", "outsider", "manager"):
        assert get(client, feed_path(people[who], "tenant.ics")).status_code == 404, who


def test_a_space_feed_of_an_unknown_or_retired_space_is_404(client, make_space, hub):
    _, people = hub
    retired = make_space(active=False)
    db.session.commit()

    assert get(client, feed_path(people["member"], "spaces/999999.ics")).status_code == 404
    assert get(client, feed_path(people["member"], f"spaces/{retired.id}.ics")).status_code == 404
    manager = get(client, feed_path(people["manager"], f"spaces/{retired.id}.ics"))
    assert manager.status_code == 200


def test_another_tenants_series_is_busy_time_without_its_titles(
    client, make_space, make_user, api_as
):
    space = make_space()
    outsider, member = make_user(), make_user(language="nl")
    api = api_as(outsider)
    made = book(
        api, space, "2027-03-10", "10:00", "11:00", title="Acquisition talks",
        recurrence={"rrule": "FREQ=WEEKLY;COUNT=3"}, notes="confidential",
    )  # fmt: skip
    renamed, moved = made["bookings"][1], made["bookings"][2]
    assert (
        api.patch(f"/bookings/{renamed['id']}", json={"title": "Due diligence"}).status_code == 200
    )
    moved_to = {"start": at("2027-03-24", "14:00"), "end": at("2027-03-24", "15:00")}
    assert api.patch(f"/bookings/{moved['id']}", json=moved_to).status_code == 200

    data = get(client, feed_path(member, f"spaces/{space.id}.ics")).data

    for secret in (b"Acquisition", b"Due diligence", b"confidential", outsider.name.encode()):
        assert secret not in data
    shown = events(data)
    # A renamed occurrence is no different as busy time: only the moved one is an override.
    assert len(shown) == 2
    assert {str(e["SUMMARY"]) for e in shown} == {"Bezet"}
    assert [(i.start_utc, i.summary) for i in expand_python(data, *WINDOW)] == [
        (local("2027-03-10", "10:00").astimezone(UTC), "Bezet"),
        (local("2027-03-17", "10:00").astimezone(UTC), "Bezet"),
        (local("2027-03-24", "14:00").astimezone(UTC), "Bezet"),
    ]


def test_a_series_occurrence_moved_to_another_room_leaves_one_space_feed_for_the_other(
    client, make_space, make_user, api_as
):
    first, second = make_space(code="R.1"), make_space(code="R.2")
    member = make_user()
    api = api_as(member)
    made = book(
        api, first, "2027-03-10", "10:00", "11:00", title="Weekly",
        recurrence={"rrule": "FREQ=WEEKLY;COUNT=3"},
    )  # fmt: skip
    moved = made["bookings"][1]
    assert api.patch(f"/bookings/{moved['id']}", json={"space_id": second.id}).status_code == 200

    in_first = expand_python(get(client, feed_path(member, f"spaces/{first.id}.ics")).data, *WINDOW)
    in_second = expand_python(
        get(client, feed_path(member, f"spaces/{second.id}.ics")).data, *WINDOW
    )

    assert [i.start_utc for i in in_first] == [
        local("2027-03-10", "10:00").astimezone(UTC),
        local("2027-03-24", "10:00").astimezone(UTC),
    ]
    assert [(i.start_utc, i.summary) for i in in_second] == [
        (local("2027-03-17", "10:00").astimezone(UTC), "Weekly")
    ]


# ---------------------------------------------------------------------------------------------
# /api/v1/bookings/{id}.ics


def test_a_booking_downloads_as_ics_for_who_may_see_it(client, hub, api_as):
    _, people = hub
    member_booking = db.session.scalars(
        select(Booking).where(Booking.title == "Member's review")
    ).one()
    path = f"/bookings/{member_booking.id}.ics"

    for who in ("member", "admin", "manager"):
        answer = api_as(people[who]).get(path)
        assert answer.status_code == 200, who
        assert answer.headers["Content-Type"] == "text/calendar; charset=utf-8"
        assert answer.headers["Content-Disposition"] == (
            f'attachment; filename="booking-{member_booking.id}.ics"'
        )
        assert summaries(answer.data) == ["Member's review"]
    for who in ("dutch", "outsider"):
        refused = api_as(people[who]).get(path)
        assert refused.status_code == 404, who
        assert refused.get_json()["error"]["code"] == "not_found"
    assert client.get(f"/api/v1{path}").status_code == 401
    assert api_as(people["member"]).get("/bookings/99999.ics").status_code == 404


def test_a_series_booking_downloads_its_whole_series(make_space, make_user, api_as):
    member = make_user()
    api = api_as(member)
    made = book(
        api, make_space(), "2027-03-10", "10:00", "11:00", title="Weekly",
        recurrence={"rrule": "FREQ=WEEKLY;COUNT=4"},
    )  # fmt: skip
    second = made["bookings"][1]
    assert api.post(f"/bookings/{second['id']}/cancel").status_code == 200

    answer = api.get(f"/bookings/{second['id']}.ics")

    assert answer.status_code == 200
    assert f'filename="series-{made["series_id"]}.ics"' in answer.headers["Content-Disposition"]
    (master,) = events(answer.data)
    assert str(master["UID"]) == f"series-{made['series_id']}@{HOST}"
    assert master["RRULE"].to_ical() == b"FREQ=WEEKLY;COUNT=4"
    assert [i.start_utc for i in expand_python(answer.data, *WINDOW)] == [
        datetime.fromisoformat(b["start"]).astimezone(UTC)
        for index, b in enumerate(made["bookings"])
        if index != 1
    ]
    again = api.get(
        f"/bookings/{second['id']}.ics", headers={"If-None-Match": answer.headers["ETag"]}
    )
    assert again.status_code == 304


# ---------------------------------------------------------------------------------------------
# E-mail attachments: booking_calendar


SETTINGS = feed_service.FeedSettings(tz=TZ, base_url=f"https://{HOST}")
# The services take a plain Session (the `session` fixture is Flask-SQLAlchemy's scoped one;
# calling it gives the Session itself).


def test_booking_calendar_requests_and_cancels_a_single_booking(
    session, make_space, make_user, make_booking
):
    booking = make_booking(
        make_space(), make_user(), local(TOMORROW, "10:00"), local(TOMORROW, "11:00"),
        title="Review",
    )  # fmt: skip

    request = feed_service.booking_calendar(session(), booking, method="REQUEST", settings=SETTINGS)
    booking.status, booking.cancelled_at, booking.sequence = "cancelled", NOW, 1
    session.flush()
    cancel = feed_service.booking_calendar(session(), booking, method="CANCEL", settings=SETTINGS)

    assert str(parse(request)["METHOD"]) == "REQUEST"
    (requested,) = events(request)
    assert (str(requested["STATUS"]), int(requested["SEQUENCE"])) == ("CONFIRMED", 0)
    assert str(parse(cancel)["METHOD"]) == "CANCEL"
    (cancelled,) = events(cancel)
    assert str(cancelled["UID"]) == str(requested["UID"]) == f"booking-{booking.id}@{HOST}"
    assert (str(cancelled["STATUS"]), int(cancelled["SEQUENCE"])) == ("CANCELLED", 1)


def test_the_mail_of_a_new_series_carries_what_the_database_holds(
    app, session, make_space, make_user, make_booking, api_as
):
    """The booking e-mail builds its calendar from the bookings just inserted (no read back);
    it must say exactly what reading them back would say, a skipped date included."""
    from booking.models import OutboxMessage

    member, space = make_user(), make_space()
    make_booking(space, make_user(), local("2027-03-24", "10:00"), local("2027-03-24", "11:00"))
    session.commit()
    made = book(
        api_as(member), space, "2027-03-10", "10:00", "11:00", title="Weekly",
        recurrence={"rrule": "FREQ=WEEKLY;COUNT=5", "skip_conflicts": True},
    )  # fmt: skip
    mailed = session.scalar(select(OutboxMessage.ics).where(OutboxMessage.to == member.email))
    booking = session.get(Booking, made["bookings"][0]["id"])
    with app.test_request_context():
        read_back = feed_service.booking_calendar(session(), booking, method="REQUEST")

    def shown(data: bytes) -> list[dict[str, str]]:
        return [
            {name: str(value) for name, value in e.property_items(recursive=False, sorted=False)}
            | {"DTSTAMP": ""}
            for e in events(data)
        ]

    assert shown(mailed.encode()) == shown(read_back)
    (master,) = events(read_back)
    assert "RRULE" in master and "ORGANIZER" in master
    assert master.decoded("EXDATE").dts[0].dt == local("2027-03-24", "10:00")


def test_booking_calendar_cancels_one_occurrence_of_a_running_series(
    app, session, make_space, make_user, api_as
):
    member = make_user()
    api = api_as(member)
    made = book(
        api, make_space(), "2027-03-10", "10:00", "11:00", title="Weekly",
        recurrence={"rrule": "FREQ=WEEKLY;COUNT=4"},
    )  # fmt: skip
    third = made["bookings"][2]
    assert api.post(f"/bookings/{third['id']}/cancel").status_code == 200
    booking = session.get(Booking, third["id"])
    session.refresh(booking)

    with app.test_request_context():  # settings from the app's configuration
        cancel = feed_service.booking_calendar(session(), booking, method="CANCEL")
        request = feed_service.booking_calendar(session(), booking, method="REQUEST")

    assert str(parse(cancel)["METHOD"]) == "CANCEL"
    (instance,) = events(cancel)
    assert str(instance["UID"]) == f"series-{made['series_id']}@{HOST}"
    assert instance.decoded("RECURRENCE-ID") == local("2027-03-24", "10:00")
    assert instance["RECURRENCE-ID"].params["TZID"] == "Europe/Brussels"
    assert str(instance["STATUS"]) == "CANCELLED"
    assert "RRULE" not in instance
    assert int(instance["SEQUENCE"]) == 1
    assert cancel.count(b"BEGIN:VTIMEZONE") == 1
    assert str(instance["ORGANIZER"]) == "mailto:booking@campus.example"
    assert str(instance["ATTENDEE"]) == f"mailto:{member.email}"
    assert instance["ATTENDEE"].params["CN"] == member.name
    # The REQUEST is the whole series as it now is: that date as an EXDATE.
    (master,) = events(request)
    assert "RRULE" in master
    assert str(master["ORGANIZER"]) == "mailto:booking@campus.example"
    assert b"EXDATE;TZID=Europe/Brussels:20270324T100000" in request
    with pytest.raises(ValueError):
        feed_service.booking_calendar(session(), booking, method="PUBLISH", settings=SETTINGS)


def test_booking_calendar_cancels_a_whole_series_as_one_event(
    session, make_space, make_user, api_as
):
    api = api_as(make_user())
    made = book(
        api, make_space(), "2027-03-10", "10:00", "11:00", title="Weekly",
        recurrence={"rrule": "FREQ=WEEKLY;COUNT=4"},
    )  # fmt: skip
    first = made["bookings"][0]
    assert api.post(f"/bookings/{first['id']}/cancel", json={"scope": "series"}).status_code == 200
    booking = session.get(Booking, first["id"])
    session.refresh(booking)

    cancel = feed_service.booking_calendar(session(), booking, method="CANCEL", settings=SETTINGS)

    (master,) = events(cancel)
    assert str(master["STATUS"]) == "CANCELLED"
    assert "RRULE" in master and "RECURRENCE-ID" not in master
