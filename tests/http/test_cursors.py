"""Cursors: a list's next_cursor walks the whole list, and `?cursor=` takes only what the API
gave (API.md section 4): a cursor made or edited by hand is 400, whatever it holds."""

from __future__ import annotations

from tests.http.scene import fast_api_as  # noqa: F401  (the api_as fixture, faster)


def _walk(api, path: str) -> list[int]:
    seen: list[int] = []
    answer = api.get(f"{path}?limit=2").get_json()
    while True:
        seen += [item["id"] for item in answer["items"]]
        if answer["next_cursor"] is None:
            return seen
        answer = api.get(f"{path}?limit=2&cursor={answer['next_cursor']}").get_json()


def test_next_cursor_walks_every_item_once(api_as, make_user, make_tenant):
    manager = make_user(role="manager")
    tenants = [make_tenant(name=f"Tenant {n}") for n in range(5)]

    assert _walk(api_as(manager), "/tenants") == sorted(t.id for t in tenants)


def test_a_cursor_made_or_edited_by_hand_is_a_bad_request(api_as, make_user, make_tenant):
    manager = make_user(role="manager")
    for n in range(3):
        make_tenant(name=f"Tenant {n}")
    api = api_as(manager)
    given = api.get("/tenants?limit=1").get_json()["next_cursor"]
    plain, _, mac = given.rpartition("~")

    odd = ("^-Öq𖔸bK[°~v¿", f"{plain}~{mac[:-1]}é")
    for forged in (plain, f"{plain}~{mac[::-1]}", f"{plain}x~{mac}", "o1", "~", given + "A", *odd):
        answer = api.get("/tenants", query_string={"limit": 1, "cursor": forged})
        assert answer.status_code == 400, forged
        assert set(answer.get_json()["error"]["details"]["fields"]) == {"cursor"}
    assert api.get(f"/tenants?limit=1&cursor={given}").status_code == 200
