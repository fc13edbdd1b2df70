"""The web pages through Flask's test client: what people see, what the forms do, and that
bad input, missing CSRF tokens and other people's things never give a 500 or a change."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from booking.models import Booking, Closure
from tests.factories import PASSWORD
from tests.http.scene import local

TOKEN = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def sign_in(client, session, user):
    session.commit()
    with client.session_transaction() as browser_session:
        browser_session["_user_id"] = user.get_id()
        browser_session["_fresh"] = True


def token_of(client, path="/account"):
    page = client.get(path)
    found = TOKEN.search(page.get_data(as_text=True))
    assert found, page.get_data(as_text=True)[:500]
    return found.group(1)


def fresh_language():
    """The test's app context (held open by the session fixture) is shared by its requests,
    and Flask-Babel keeps the locale it chose there: forget it before a request that may choose
    another, as a real request would."""
    from flask_babel import refresh

    refresh()


def count(session, model):
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def member(make_user, session, client):
    user = make_user(language="nl")
    sign_in(client, session, user)
    return user


@pytest.fixture
def room(make_space, session):
    space = make_space(
        name="Demer",
        opening_hours={d: [["08:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
    )
    session.commit()
    return space


def test_pages_need_a_signed_in_person(client):
    for path in ("/", "/spaces", "/account", "/approvals", "/admin/spaces", "/reports"):
        answer = client.get(path)
        assert answer.status_code in (302, 401), path
        if answer.status_code == 302:
            assert "/login" in answer.headers["Location"]


def test_home_lists_my_next_bookings_however_far_ahead(client, session, member, room, make_booking):
    for weeks in range(25):
        start = local("2026-12-02", "10:00") + timedelta(weeks=weeks * 8)
        make_booking(room, member, start, start + timedelta(hours=1), title=f"Review {weeks}")
    sign_in(client, session, member)
    html = client.get("/").get_data(as_text=True)
    assert html.count("Review ") >= 24
    assert "02/12/2026" in html and "10:00–11:00" in html
    assert '<html lang="nl">' in html
    assert "Mijn boekingen" in html and "Goedkeuringen" not in html


def test_the_manager_sees_approvals_admin_and_reports_in_the_navigation(client, session, make_user):
    sign_in(client, session, make_user(role="manager", language="en"))
    fresh_language()
    html = client.get("/?lang=en").get_data(as_text=True)
    for label in ("My bookings", "Spaces", "Account", "Approvals", "Admin", "Reports"):
        assert label in html
    assert '<html lang="en">' in html


def test_a_member_gets_403_on_manager_pages(client, member):
    assert client.get("/approvals").status_code == 403
    assert client.get("/admin/closures").status_code == 403
    page = client.get("/reports")
    assert page.status_code == 403
    assert "Deze pagina is niet voor jou" in page.get_data(as_text=True)


def test_unknown_pages_are_404_in_the_layout(client, member):
    page = client.get("/bookings/999999")
    assert page.status_code == 404
    html = page.get_data(as_text=True)
    assert "Deze pagina bestaat niet" in html and "Mijn boekingen" in html


def test_booking_from_the_space_page_confirms(client, session, member, room):
    page = client.get(f"/spaces/{room.id}?start=2026-12-02T10:00&end=2026-12-02T11:00")
    html = page.get_data(as_text=True)
    assert 'type="datetime-local"' in html and 'value="2026-12-02T10:00"' in html
    assert ">Begin<" in html and ">Einde<" in html and ">Titel<" in html
    answer = client.post(
        f"/spaces/{room.id}",
        data={
            "csrf_token": token_of(client, f"/spaces/{room.id}"),
            "start": "2026-12-02T10:00",
            "end": "2026-12-02T11:00",
            "title": "Sprint review",
        },
    )
    assert answer.status_code == 302
    booking = session.scalar(select(Booking).where(Booking.title == "Sprint review"))
    assert booking is not None and booking.status == "confirmed"
    assert booking.start == local("2026-12-02", "10:00")


def test_a_conflict_shows_what_is_in_the_way_and_alternatives_keeping_the_input(
    client, session, member, room, make_user, make_booking, make_space
):
    make_space(name="Nete", building=room.building)
    other = make_user()
    make_booking(room, other, local("2026-12-02", "10:00"), local("2026-12-02", "11:00"))
    sign_in(client, session, member)
    answer = client.post(
        f"/spaces/{room.id}",
        data={
            "csrf_token": token_of(client, f"/spaces/{room.id}"),
            "start": "2026-12-02T10:00",
            "end": "2026-12-02T11:00",
            "title": "Sprint review",
        },
    )
    assert answer.status_code == 409
    html = answer.get_data(as_text=True)
    assert "Op dat moment is er al iets geboekt." in html
    assert "02/12/2026 10:00–11:00" in html  # what is in the way
    assert 'value="2026-12-02T11:00"' in html  # the nearest free slot, one click away
    assert "Nete" in html  # a similar space free then
    assert 'value="Sprint review"' in html  # nothing typed is lost


def test_a_rule_violation_is_explained_in_the_users_language(client, member, room):
    token = token_of(client, f"/spaces/{room.id}")
    fresh_language()
    answer = client.post(
        f"/spaces/{room.id}?lang=en",
        data={
            "csrf_token": token,
            "start": "2026-12-05T10:00",  # a Saturday: closed
            "end": "2026-12-05T11:00",
            "title": "Weekend work",
        },
    )
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    assert "The space is not open for the whole booking." in html
    assert "opening hours" in html and 'value="Weekend work"' in html


def test_a_weekly_series_in_words_books_every_week(client, session, member, room):
    answer = client.post(
        f"/spaces/{room.id}",
        data={
            "csrf_token": token_of(client, f"/spaces/{room.id}"),
            "start": "2026-12-02T14:00",
            "end": "2026-12-02T15:00",
            "title": "Stand-up",
            "repeat": "y",
            "weekdays": ["WE"],
            "until": "2026-12-23",
        },
    )
    assert answer.status_code == 302
    titles = session.scalars(select(Booking.start).where(Booking.title == "Stand-up")).all()
    assert len(titles) == 4


@pytest.mark.parametrize(
    "data",
    [
        {"start": "not a time", "end": "2026-12-02T11:00", "title": "x"},
        {"start": "99999-12-02T10:00", "end": "2026-12-02T11:00", "title": "x"},
        {"start": "2026-12-02T10:00", "end": "2026-12-02T11:00", "title": ""},
        {"start": "2026-12-02T10:00", "end": "2026-12-02T11:00", "title": "a\x00b"},
        {"start": "2026-12-02T10:00", "end": "2026-12-02T11:00", "title": "x" * 201},
        {"start": "2026-12-02T10:00", "end": "2026-12-02T11:00", "title": "x", "attendees": "-3"},
        {"start": "2026-12-02T10:00", "end": "2026-12-02T11:00", "title": "x", "repeat": "y"},
        {
            "start": "2026-12-02T10:00",
            "end": "2026-12-02T11:00",
            "title": "x",
            "repeat": "y",
            "weekdays": ["XX"],
            "until": "2026-12-30",
        },
        {
            "start": "2026-12-02T10:00",
            "end": "2026-12-02T11:00",
            "title": "x",
            "repeat": "y",
            "weekdays": ["MO"],
            "until": "2026-12-30",
        },
        {"start": "2026-12-02T11:00", "end": "2026-12-02T10:00", "title": "x"},
    ],
)
def test_bad_input_on_the_booking_form_is_shown_never_a_500(client, session, member, room, data):
    data = {"csrf_token": token_of(client, f"/spaces/{room.id}"), **data}
    answer = client.post(f"/spaces/{room.id}", data=data)
    assert answer.status_code in (400, 409, 422)
    assert count(session, Booking) == 0


@pytest.mark.parametrize(
    "query",
    [
        "?kind=castle",
        "?min_capacity=lots",
        "?free_from=2026-12-02T10:00",
        "?free_from=2026-12-02T11:00&free_to=2026-12-02T10:00",
        "?free_from=0001-01-01T00:00&free_to=9999-12-31T23:59",
        "?feature=%00",
    ],
)
def test_bad_search_input_is_shown_never_a_500(client, member, room, query):
    assert client.get("/spaces" + query).status_code == 200


@pytest.mark.parametrize("week", ["garbage", "0001-01-01", "9999-12-31", "2026-02-30"])
def test_any_week_parameter_shows_a_week(client, member, room, week):
    assert client.get(f"/spaces/{room.id}?week={week}&start=zz").status_code == 200


def test_search_for_free_spaces_shows_only_free_ones_with_badges(
    client, session, member, room, make_space, make_user, make_booking
):
    busy = make_space(name="Busy room", building=room.building)
    make_space(
        name="Clean",
        kind="cleanroom",
        required_qualification="cleanroom-gowning",
        requires_approval=True,
        building=room.building,
    )
    make_booking(busy, make_user(), local("2026-12-02", "10:00"), local("2026-12-02", "11:00"))
    sign_in(client, session, member)
    html = client.get("/spaces").get_data(as_text=True)
    assert "Busy room" in html and "Demer" in html
    assert "Vraagt goedkeuring" in html and "Kwalificatie: cleanroom-gowning" in html
    html = client.get("/spaces?free_from=2026-12-02T10:00&free_to=2026-12-02T11:00").get_data(
        as_text=True
    )
    assert "Demer" in html and "Busy room" not in html


def test_a_post_without_a_valid_csrf_token_is_400_and_changes_nothing(
    client, session, member, room, make_booking
):
    booking = make_booking(room, member, local("2026-12-02", "10:00"), local("2026-12-02", "11:00"))
    sign_in(client, session, member)
    form = {"start": "2026-12-03T10:00", "end": "2026-12-03T11:00", "title": "No token"}
    assert client.post(f"/spaces/{room.id}", data=form).status_code == 400
    bad = {**form, "csrf_token": "forged"}
    assert client.post(f"/spaces/{room.id}", data=bad).status_code == 400
    assert client.post(f"/bookings/{booking.id}/cancel", data={}).status_code == 400
    assert client.post("/account/feed-token", data={}).status_code == 400
    assert client.post("/account", data={"language": "en"}).status_code == 400
    session.expire_all()
    assert count(session, Booking) == 1
    assert session.get(Booking, booking.id).status == "confirmed"


def test_cancel_from_home_and_change_on_the_booking_page(
    client, session, member, room, make_booking
):
    one = make_booking(room, member, local("2026-12-02", "10:00"), local("2026-12-02", "11:00"))
    two = make_booking(room, member, local("2026-12-03", "10:00"), local("2026-12-03", "11:00"))
    sign_in(client, session, member)
    token = token_of(client, "/")
    answer = client.post(f"/bookings/{one.id}/cancel", data={"csrf_token": token, "next": "/"})
    assert answer.status_code == 302
    page = client.get(f"/bookings/{two.id}")
    assert page.status_code == 200
    answer = client.post(
        f"/bookings/{two.id}",
        data={
            "csrf_token": token,
            "start": "2026-12-03T14:00",
            "end": "2026-12-03T15:30",
            "title": "Moved",
        },
    )
    assert answer.status_code == 302
    session.expire_all()
    assert session.get(Booking, one.id).status == "cancelled"
    moved = session.get(Booking, two.id)
    assert moved.title == "Moved" and moved.start == local("2026-12-03", "14:00")


def test_someone_elses_booking_is_404(client, session, member, room, make_user, make_booking):
    theirs = make_booking(
        room, make_user(), local("2026-12-02", "10:00"), local("2026-12-02", "11:00")
    )
    sign_in(client, session, member)
    assert client.get(f"/bookings/{theirs.id}").status_code == 404
    token = token_of(client)
    answer = client.post(f"/bookings/{theirs.id}/cancel", data={"csrf_token": token})
    assert answer.status_code == 404
    session.expire_all()
    assert session.get(Booking, theirs.id).status == "confirmed"


def test_the_manager_approves_and_rejects_per_booking_and_series(
    client, session, make_user, room, make_booking
):
    manager = make_user(role="manager", language="nl")
    member = make_user()
    first = make_booking(
        room,
        member,
        local("2026-12-02", "10:00"),
        local("2026-12-02", "11:00"),
        status="pending",
        title="Workshop",
    )
    second = make_booking(
        room,
        member,
        local("2026-12-03", "10:00"),
        local("2026-12-03", "11:00"),
        status="pending",
        title="Training",
    )
    sign_in(client, session, manager)
    html = client.get("/approvals").get_data(as_text=True)
    assert "Workshop" in html and "Training" in html
    assert "Goedkeuren" in html and "Afwijzen" in html
    token = token_of(client, "/approvals")
    client.post(f"/approvals/{first.id}", data={"csrf_token": token, "decision": "approve"})
    client.post(
        f"/approvals/{second.id}",
        data={"csrf_token": token, "decision": "reject", "reason": "Room needed for an exam"},
    )
    client.post(f"/approvals/{second.id}", data={"csrf_token": token, "decision": "bogus"})
    session.expire_all()
    assert session.get(Booking, first.id).status == "confirmed"
    rejected = session.get(Booking, second.id)
    assert rejected.status == "rejected" and rejected.reason == "Room needed for an exam"


def test_account_language_and_feed_rotation(client, session, member):
    html = client.get("/account").get_data(as_text=True)
    old_token = member.feed_token
    assert f"/ical/{old_token}/me.ics" in html and "webcal://" in html
    assert "Outlook" in html and "Google" in html and "Apple" in html
    token = token_of(client)
    assert client.post("/account/feed-token", data={"csrf_token": token}).status_code == 302
    assert client.post("/account", data={"csrf_token": token, "language": "en"}).status_code == 302
    assert client.post("/account", data={"csrf_token": token, "language": "xx"}).status_code == 422
    session.expire_all()
    assert member.feed_token != old_token and member.language == "en"
    fresh_language()
    html = client.get("/account").get_data(as_text=True)
    assert '<html lang="en">' in html and "Your bookings in your calendar" in html


def test_the_manager_edits_rules_and_adds_and_removes_a_closure(client, session, make_user, room):
    sign_in(client, session, make_user(role="manager"))
    token = token_of(client, f"/admin/spaces/{room.id}")
    form = {
        "csrf_token": token,
        "name": "Demer",
        "kind": "meeting_room",
        "capacity": "10",
        "area_m2": "25",
        "features": "screen, whiteboard",
        "bookable": "y",
        "requires_approval": "y",
        "granularity_min": "30",
        "hours_mon": "08:00-12:00, 13:00-18:00",
        "hours_tue": "",
        "hourly_rate_eur": "12.50",
    }
    assert client.post(f"/admin/spaces/{room.id}", data=form).status_code == 302
    session.expire_all()
    assert room.requires_approval and room.granularity_min == 30
    assert room.opening_hours == {"mon": [["08:00", "12:00"], ["13:00", "18:00"]]}
    assert room.features == ["screen", "whiteboard"]
    bad = {**form, "hours_mon": "morning", "capacity": "-1"}
    assert client.post(f"/admin/spaces/{room.id}", data=bad).status_code == 422
    answer = client.post(
        "/admin/closures",
        data={
            "csrf_token": token,
            "where": f"space:{room.id}",
            "start": "2026-12-10T08:00",
            "end": "2026-12-10T18:00",
            "reason": "Painting",
        },
    )
    assert answer.status_code == 302
    closure = session.scalar(select(Closure))
    assert closure is not None and closure.space_id == room.id
    assert "Painting" in client.get("/admin/closures").get_data(as_text=True)
    client.post(f"/admin/closures/{closure.id}/delete", data={"csrf_token": token})
    assert count(session, Closure) == 0


def test_the_reports_page_renders_for_the_manager(client, session, make_user, room):
    sign_in(client, session, make_user(role="manager"))
    for query in ("", "?month=2026-11", "?month=garbage", "?month=0000-01"):
        assert client.get("/reports" + query).status_code == 200


def test_sign_in_through_the_real_form_reaches_home(client, make_user, session):
    user = make_user(email="an@test.example")
    session.commit()
    page = client.get("/login")
    token = TOKEN.search(page.get_data(as_text=True)).group(1)
    answer = client.post(
        "/login", data={"csrf_token": token, "email": user.email, "password": PASSWORD}
    )
    assert answer.status_code == 302
    assert client.get("/").status_code == 200
