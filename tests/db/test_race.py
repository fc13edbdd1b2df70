"""Many people asking for the same time at the same moment: exactly one gets it.

Each thread has its own app context, hence its own session and database connection; a
barrier releases them together. On SQLite writers are serialized (BEGIN IMMEDIATE); on
PostgreSQL the space's row is locked FOR UPDATE and an exclusion constraint backs it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from decimal import Decimal
from itertools import pairwise
from typing import Any

from flask import Flask
from sqlalchemy import select

from booking.errors import Conflict
from booking.extensions import db
from booking.models import Booking, Building, Space, User
from booking.services.auth import issue_token
from booking.services.bookings import BookingRequest, Clock, book
from tests.conftest import NOW, TZ
from tests.factories import _PASSWORD_HASH

THREADS = 16
ROUNDS = 10
FIRST = NOW.replace(hour=0) + timedelta(days=1, hours=8)  # tomorrow 08:00


def _scene(app: Flask, **space_fields: Any) -> tuple[int, list[int], list[str]]:
    """A space and THREADS people, each with a token; committed for the threads to see."""
    with app.app_context():
        building = Building(code="RACE", name="Race hall")
        space = Space(
            code="RACE.1",
            name="Contested",
            building=building,
            kind="meeting_room",
            capacity=8,
            area_m2=Decimal(20),
            features=[],
            **space_fields,
        )
        people = [
            User(
                email=f"racer{n}@test.example",
                name=f"Racer {n}",
                role="member",
                password_hash=_PASSWORD_HASH,
                feed_token=f"race-feed-{n}",
                language="en",
            )
            for n in range(THREADS)
        ]
        db.session.add_all([building, space, *people])
        db.session.flush()
        tokens = [issue_token(db.session, person)[0] for person in people]
        db.session.commit()
        return space.id, [person.id for person in people], tokens


def _together(work: Callable[[int], Any], threads: int = THREADS) -> list[Any]:
    """Run work(0..threads-1) in as many threads, released at the same moment."""
    barrier = threading.Barrier(threads, timeout=60)

    def run(index: int) -> Any:
        barrier.wait()
        return work(index)

    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(run, range(threads)))


def _active(app: Flask, space_id: int) -> list[tuple[Any, Any, Any, Any]]:
    with app.app_context():
        rows = db.session.execute(
            select(Booking.start, Booking.end, Booking.busy_start, Booking.busy_end)
            .where(Booking.space_id == space_id, Booking.status.in_(("pending", "confirmed")))
            .order_by(Booking.start)
        ).all()
        db.session.rollback()
        return [tuple(row) for row in rows]


def test_one_of_sixteen_concurrent_requests_for_a_slot_wins_the_rest_get_409(
    app: Flask, clean_db: None
) -> None:
    space_id, _, tokens = _scene(app)
    slots = [(FIRST + timedelta(hours=r), FIRST + timedelta(hours=r + 1)) for r in range(ROUNDS)]

    for start, end in slots:

        def request(index: int, start=start, end=end) -> tuple[int, dict[str, Any]]:
            answer = app.test_client().post(
                "/api/v1/bookings",
                json={
                    "space_id": space_id,
                    "start": start.isoformat(),
                    "end": end.isoformat(),
                    "title": f"Racer {index}",
                },
                headers={"Authorization": f"Bearer {tokens[index]}"},
            )
            return answer.status_code, answer.get_json()

        answers = _together(request)

        statuses = sorted(status for status, _ in answers)
        assert statuses == [201] + [409] * (THREADS - 1), answers
        for status, data in answers:
            if status == 409:
                assert data["error"]["code"] == "conflict"

    active = _active(app, space_id)
    assert [(start, end) for start, end, _, _ in active] == slots


def test_buffers_decide_a_race_that_the_booked_times_alone_would_not(
    app: Flask, clean_db: None
) -> None:
    # Sixteen different 5-minute slots, all within one another's 90-minute cleaning buffer:
    # their booked times never overlap, so only the lock on the space can pick one winner.
    space_id, people, _ = _scene(app, granularity_min=5, buffer_after_min=90)
    clock = Clock(now=NOW, tz=TZ)

    for round_ in range(ROUNDS):
        base = FIRST + timedelta(days=round_)

        def attempt(index: int, base=base) -> str:
            start = base + timedelta(minutes=5 * index)
            with app.app_context():
                session = db.session
                try:
                    person = session.get(User, people[index])
                    assert person is not None
                    book(
                        session,
                        person,
                        BookingRequest(
                            space_id=space_id,
                            start=start,
                            end=start + timedelta(minutes=5),
                            title=f"Racer {index}",
                        ),
                        clock,
                    )
                    session.commit()
                    return "booked"
                except Conflict:
                    session.rollback()
                    return "conflict"
                except Exception as err:  # anything else is the failure this test looks for
                    session.rollback()
                    return f"{type(err).__name__}: {err}"

        outcomes = _together(attempt)

        assert sorted(outcomes) == ["booked"] + ["conflict"] * (THREADS - 1), outcomes

    active = _active(app, space_id)
    assert len(active) == ROUNDS
    for (_, _, _, first_busy_end), (_, _, second_busy_start, _) in pairwise(active):
        assert first_busy_end <= second_busy_start


def test_a_cancel_racing_an_approval_always_ends_cancelled(app: Flask, clean_db: None) -> None:
    # Whatever order they run in, the booking ends cancelled: approving first then cancelling,
    # or cancelling first and the approval finding nothing pending (409). An approval that read
    # "pending" before the cancel committed must not bring the booking back.
    space_id, people, tokens = _scene(app, requires_approval=True)
    with app.app_context():
        manager = User(
            email="race-manager@test.example",
            name="Manager",
            role="manager",
            password_hash=_PASSWORD_HASH,
            feed_token="race-feed-manager",
            language="en",
        )
        db.session.add(manager)
        db.session.flush()
        manager_token = issue_token(db.session, manager)[0]
        db.session.commit()

    for round_ in range(ROUNDS * 2):
        start = FIRST + timedelta(hours=round_)
        owner = round_ % THREADS
        made = (
            app.test_client()
            .post(
                "/api/v1/bookings",
                json={
                    "space_id": space_id,
                    "start": start.isoformat(),
                    "end": (start + timedelta(hours=1)).isoformat(),
                    "title": "Contested decision",
                },
                headers={"Authorization": f"Bearer {tokens[owner]}"},
            )
            .get_json()
        )
        assert made["status"] == "pending", made

        def act(index: int, booking_id: int = made["id"], owner: int = owner) -> int:
            action = ("cancel", "approve")[index]
            token = tokens[owner] if action == "cancel" else manager_token
            return (
                app.test_client()
                .post(
                    f"/api/v1/bookings/{booking_id}/{action}",
                    headers={"Authorization": f"Bearer {token}"},
                )
                .status_code
            )

        cancelled, approved = _together(act, threads=2)

        assert cancelled == 200
        assert approved in (200, 409)
        with app.app_context():
            status = db.session.get(Booking, made["id"]).status
            db.session.rollback()
        assert status == "cancelled", (round_, cancelled, approved)
    assert people


def test_concurrent_actions_on_one_series_neither_deadlock_nor_lose_an_update(
    app: Flask, clean_db: None
) -> None:
    space_id, _, tokens = _scene(app, requires_approval=True)
    with app.app_context():
        manager = User(
            email="series-manager@test.example",
            name="Manager",
            role="manager",
            password_hash=_PASSWORD_HASH,
            feed_token="series-feed-manager",
            language="en",
        )
        db.session.add(manager)
        db.session.flush()
        manager_token = issue_token(db.session, manager)[0]
        db.session.commit()

    for round_ in range(ROUNDS // 2):
        start = FIRST + timedelta(hours=round_)
        made = (
            app.test_client()
            .post(
                "/api/v1/bookings",
                json={
                    "space_id": space_id,
                    "start": start.isoformat(),
                    "end": (start + timedelta(hours=1)).isoformat(),
                    "title": "Weekly",
                    "recurrence": {"rrule": "FREQ=WEEKLY;COUNT=5"},
                },
                headers={"Authorization": f"Bearer {tokens[0]}"},
            )
            .get_json()
        )
        ids = [booking["id"] for booking in made["bookings"]]
        actions = [
            (manager_token, ids[0], "approve", {"scope": "series"}),
            (manager_token, ids[1], "reject", {"scope": "occurrence"}),
            (tokens[0], ids[2], "cancel", {"scope": "following"}),
            (tokens[0], ids[4], "cancel", {"scope": "occurrence"}),
        ]

        def act(index: int, actions: list[Any] = actions) -> int:
            token, booking_id, verb, data = actions[index]
            return (
                app.test_client()
                .post(
                    f"/api/v1/bookings/{booking_id}/{verb}",
                    json=data,
                    headers={"Authorization": f"Bearer {token}"},
                )
                .status_code
            )

        approved, rejected, cancelled, cancelled_one = _together(act, threads=len(actions))

        assert (approved, cancelled) == (200, 200)
        assert rejected in (200, 409) and cancelled_one in (200, 409)
        with app.app_context():
            statuses = [db.session.get(Booking, i).status for i in ids]
            db.session.rollback()
        second = "rejected" if rejected == 200 else "confirmed"
        assert statuses == ["confirmed", second, "cancelled", "cancelled", "cancelled"], (
            round_,
            approved,
            rejected,
            cancelled,
            cancelled_one,
        )
