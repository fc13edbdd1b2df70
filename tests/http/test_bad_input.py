"""Bad input gets 400 bad_request naming the fields, never a 500, and writes nothing."""

from __future__ import annotations

import base64
import json

import pytest

from tests.http.scene import (
    TOMORROW,
    at,
    body,
    error,
    fast_api_as,  # noqa: F401  (the api_as fixture, faster)
    written,
)

START, END = at(TOMORROW, "10:00"), at(TOMORROW, "11:00")


@pytest.fixture
def member_api(api_as, make_space, make_user):
    space = make_space()
    api = api_as(make_user())
    api.space = space
    return api


def _good(space):
    return {"space_id": space.id, "start": START, "end": END, "title": "Meeting"}


BAD_FIELDS = {
    "space_id as a string": ({"space_id": "1"}, "space_id"),
    "space_id as a float": ({"space_id": 1.5}, "space_id"),
    "space_id as a bool": ({"space_id": True}, "space_id"),
    "title as a number": ({"title": 5}, "title"),
    "title as null": ({"title": None}, "title"),
    "title empty": ({"title": ""}, "title"),
    "title blank": ({"title": "   "}, "title"),
    "title over 200 characters": ({"title": "x" * 201}, "title"),
    "title with a NUL": ({"title": "a\x00b"}, "title"),
    "title with a newline": ({"title": "a\nb"}, "title"),
    "title with a tab": ({"title": "a\tb"}, "title"),
    "title with an escape": ({"title": "a\x1bb"}, "title"),
    "notes with a bell": ({"notes": "ding\x07"}, "notes"),
    "notes over 2000 characters": ({"notes": "x" * 2001}, "notes"),
    "attendees as a string": ({"attendees": "6"}, "attendees"),
    "attendees zero": ({"attendees": 0}, "attendees"),
    "start as a number": ({"start": 20270101}, "start"),
    "start as a list": ({"start": [2027, 1, 1]}, "start"),
    "start nonsense": ({"start": "tomorrow morning"}, "start"),
    "start empty": ({"start": ""}, "start"),
    "start year 99999": ({"start": "99999-01-01T10:00:00+01:00"}, "start"),
    "start 30 February": ({"start": "2027-02-30T10:00:00+01:00"}, "start"),
    "start 30 February as a date": ({"start": "2027-02-30"}, "start"),
    "start month 13": ({"start": "2027-13-01T10:00"}, "start"),
    "start 25 o'clock": ({"start": "2027-01-01T25:00"}, "start"),
    "start year 1": ({"start": "0001-01-01T00:00:00+01:00"}, "start"),
    "start year 1 as a date": ({"start": "0001-01-01"}, "start"),
    "start year 9999 as a date": ({"start": "9999-12-31"}, "start"),
    "end at the end of time": ({"end": "9999-12-31T23:59:59-12:00"}, "end"),
    "start with an absurd offset": ({"start": "2027-01-01T10:00:00+25:00"}, "start"),
    "start very long": ({"start": "2027-01-01T10:00:00" + "0" * 100}, "start"),
    "recurrence as a string": ({"recurrence": "FREQ=WEEKLY;COUNT=2"}, "recurrence"),
    "recurrence without rrule": ({"recurrence": {"skip_conflicts": True}}, "recurrence.rrule"),
    "rrule as a number": ({"recurrence": {"rrule": 7}}, "recurrence.rrule"),
    "skip_conflicts as a string": (
        {"recurrence": {"rrule": "FREQ=DAILY;COUNT=2", "skip_conflicts": "yes"}},
        "recurrence.skip_conflicts",
    ),
    "unknown field in recurrence": (
        {"recurrence": {"rrule": "FREQ=DAILY;COUNT=2", "every": "day"}},
        "recurrence.every",
    ),
    "unknown field": ({"colour": "red"}, "colour"),
}


@pytest.mark.parametrize("case", list(BAD_FIELDS))
def test_a_bad_field_is_400_naming_it_and_writes_nothing(case, session, member_api):
    change, field = BAD_FIELDS[case]
    before = written(session)

    answer = member_api.post("/bookings", json={**_good(member_api.space), **change})

    assert answer.status_code == 400, answer.get_json()
    assert error(answer)["code"] == "bad_request"
    assert field in error(answer)["details"]["fields"], error(answer)
    assert written(session) == before


@pytest.mark.parametrize("missing", ["space_id", "start", "end", "title"])
def test_a_missing_field_is_400_naming_it(missing, member_api):
    data = _good(member_api.space)
    del data[missing]

    answer = member_api.post("/bookings", json=data)

    assert answer.status_code == 400
    assert missing in error(answer)["details"]["fields"]


RAW_BODIES = {
    "malformed JSON": b'{"space_id": 1,',
    "trailing garbage": b'{"space_id": 1} xyz',
    "a JSON list": b"[1, 2, 3]",
    "a JSON string": b'"booking"',
    "JSON null": b"null",
    "no body": b"",
    "only spaces": b"   ",
    "not UTF-8": b'{"title": "\xff\xfe"}',
    "NaN": b'{"space_id": NaN}',
    "deeply nested": b"[" * 10000 + b"]" * 10000,
}


@pytest.mark.parametrize("case", list(RAW_BODIES))
def test_a_body_that_is_not_a_json_object_is_400(case, session, member_api):
    before = written(session)

    answer = member_api.post(
        "/bookings", data=RAW_BODIES[case], headers={"Content-Type": "application/json"}
    )

    assert answer.status_code == 400, answer.get_data(as_text=True)[:300]
    assert error(answer)["code"] == "bad_request"
    assert error(answer)["details"]["fields"]
    assert written(session) == before


def test_a_title_of_exactly_200_characters_and_notes_with_newlines_and_tabs_are_fine(
    member_api,
):
    data = {**_good(member_api.space), "title": "é" * 200, "notes": "line one\n\tline two"}

    answer = member_api.post("/bookings", json=data)

    assert answer.status_code == 201
    assert answer.get_json()["title"] == "é" * 200
    assert answer.get_json()["notes"] == "line one\n\tline two"


def test_a_huge_space_id_is_not_found(member_api):
    answer = member_api.post("/bookings", json={**_good(member_api.space), "space_id": 2**70})

    assert answer.status_code == 404


PATCH_BAD = {
    "unknown field": ({"colour": "red"}, "colour"),
    "start nonsense": ({"start": "soon"}, "start"),
    "end 30 February": ({"end": "2027-02-30T10:00"}, "end"),
    "title with a control character": ({"title": "a\x01"}, "title"),
    "title too long": ({"title": "y" * 201}, "title"),
    "space_id as a string": ({"space_id": "2"}, "space_id"),
    "status is not changed by PATCH": ({"status": "confirmed"}, "status"),
}


@pytest.mark.parametrize("case", list(PATCH_BAD))
def test_a_bad_change_is_400_and_changes_nothing(case, member_api):
    created = member_api.post("/bookings", json=_good(member_api.space)).get_json()
    change, field = PATCH_BAD[case]

    answer = member_api.patch(f"/bookings/{created['id']}", json=change)

    assert answer.status_code == 400
    assert field in error(answer)["details"]["fields"]
    after = member_api.get(f"/bookings/{created['id']}").get_json()
    assert {k: after[k] for k in ("start", "end", "title", "space_id", "status")} == {
        k: created[k] for k in ("start", "end", "title", "space_id", "status")
    }


@pytest.mark.parametrize(
    "raw", [b"{", b'{"scope": 3}', b'{"scope": "occurrence", "why": 1}', b"[]"]
)
def test_a_bad_cancel_body_is_400_and_cancels_nothing(raw, member_api):
    created = member_api.post("/bookings", json=_good(member_api.space)).get_json()

    answer = member_api.post(
        f"/bookings/{created['id']}/cancel",
        data=raw,
        headers={"Content-Type": "application/json"},
    )

    assert answer.status_code == 400
    assert member_api.get(f"/bookings/{created['id']}").get_json()["status"] == "confirmed"


@pytest.mark.parametrize(
    "query",
    [
        "from=yesterday",
        "from=0001-01-01",
        "to=9999-12-31",
        "from=9999-12-31T23:59:59-12:00",
        "to=2027-02-30",
        "space_id=abc",
        f"space_id={2**70}",
        f"user={2**70}",
        "space_id=0",
        "status=approved",
        "limit=0",
    ],
)
def test_a_bad_query_parameter_is_400(query, member_api):
    answer = member_api.get(f"/bookings?{query}")

    assert answer.status_code == 400, answer.get_json()
    assert error(answer)["code"] == "bad_request"
    assert error(answer)["details"]["fields"]


def _cursor(payload) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "payload",
    [
        ["9999-12-31T23:59:59-12:00", 1],
        ["0001-01-01T00:00:00+14:00", 1],
        ["2027-01-01T00:00:00+00:00", 2**70],
        ["2027-01-01T00:00:00+00:00", -(2**70)],
        ["2027-01-01T00:00:00+00:00", 1, 2],
        ["2027-01-01T00:00:00+00:00", "1"],
    ],
)
def test_a_forged_cursor_is_400_never_a_500(payload, member_api):
    cursor = _cursor(payload)

    listing = member_api.get(f"/bookings?cursor={cursor}")
    approvals = member_api.get(f"/approvals?cursor={cursor}")

    assert listing.status_code == 400, listing.get_json()
    assert approvals.status_code in (400, 403)


@pytest.mark.parametrize("booking_id", [2**63, 2**70])
def test_a_huge_booking_id_is_not_found(booking_id, member_api):
    for answer in (
        member_api.get(f"/bookings/{booking_id}"),
        member_api.patch(f"/bookings/{booking_id}", json={"title": "x"}),
        member_api.post(f"/bookings/{booking_id}/cancel"),
    ):
        assert answer.status_code == 404, answer.get_json()
        assert error(answer)["code"] == "not_found"


def test_an_unknown_method_is_405_before_authentication(anonymous, member_api):
    for api in (anonymous, member_api):
        answer = api.delete("/bookings")
        assert answer.status_code == 405
        assert error(answer)["code"] == "method_not_allowed"


def test_a_body_over_one_mebibyte_is_413_before_authentication(anonymous, member_api):
    huge = json.dumps({"title": "x" * (1024 * 1024)})
    for api in (anonymous, member_api):
        answer = api.post("/bookings", data=huge, headers={"Content-Type": "application/json"})
        assert answer.status_code == 413
        assert error(answer)["code"] == "too_large"


def test_no_or_a_wrong_token_is_401(anonymous, member_api):
    wrong = member_api.client.get("/api/v1/bookings", headers={"Authorization": "Bearer nope"})
    basic = member_api.client.get("/api/v1/bookings", headers={"Authorization": "Basic eDp5"})

    for answer in (anonymous.get("/bookings"), wrong, basic):
        assert answer.status_code == 401
        assert error(answer)["code"] == "unauthenticated"


def test_a_revoked_token_is_401(member_api):
    assert member_api.delete("/auth/tokens/current").status_code == 204

    answer = member_api.get("/bookings")

    assert answer.status_code == 401


def test_a_good_request_after_all_that_still_works(member_api):
    answer = member_api.post("/bookings", json=body(member_api.space, TOMORROW, "10:00", "11:00"))

    assert answer.status_code == 201
