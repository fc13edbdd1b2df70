"""Signing in: the /login page and its session ("remember me", sign-out with CSRF, sessions
that end on deactivation or a new password), e-mailed password links, API tokens, and the
rate limits on failed sign-ins and on the API's writes (in memory and in Redis)."""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask, g, has_app_context
from flask.testing import FlaskClient
from sqlalchemy import select

from booking.extensions import db, limiter
from booking.models import ApiToken
from booking.services import auth as auth_service
from tests.conftest import make_test_app
from tests.factories import PASSWORD
from tests.http.conftest import Api
from tests.http.mailbox import mails
from tests.http.scene import error

PROBE = "/account"  # a page only a signed-in person sees


def csrf_token(page: Any) -> str:
    """The CSRF token of the first form on the page."""
    found = re.search(r'<input[^>]*name="csrf_token"[^>]*>', page.text)
    assert found, page.text
    value = re.search(r'value="([^"]+)"', found.group(0))
    assert value, found.group(0)
    return value.group(1)


def sign_in(client: FlaskClient, email: str, password: str = PASSWORD, **extra: str) -> Any:
    # /reset: /login sends someone who is signed in already on to the pages.
    token = csrf_token(client.get("/reset"))
    return client.post(
        "/login", data={"csrf_token": token, "email": email, "password": password, **extra}
    )


def signed_in(client: FlaskClient) -> bool:
    # The test's app context (the session fixture's) is shared by its requests, and
    # Flask-Login keeps the loaded user in g: forget it, as a new request would.
    if has_app_context():
        g.pop("_login_user", None)
    answer = client.get(PROBE)
    assert answer.status_code in (200, 302), answer.status_code
    return answer.status_code == 200


# ---------------------------------------------------------------------------------------------
# The /login page


def test_the_login_page_speaks_dutch_first_and_labels_every_field(client):
    page = client.get("/login")

    assert page.status_code == 200
    assert '<label for="email">E-mailadres</label>' in page.text
    assert '<label for="password">Wachtwoord</label>' in page.text
    assert '<label for="remember">' in page.text
    assert 'name="csrf_token"' in page.text
    english = client.get("/login?lang=en")
    assert '<label for="email">E-mail address</label>' in english.text


def test_signing_in_with_the_right_password_opens_the_pages(client, make_user, session):
    user = make_user(email="an@qualiva.example")
    session.commit()
    assert not signed_in(client)

    answer = sign_in(client, "An@Qualiva.example")

    assert answer.status_code == 302
    assert answer.headers["Location"] == "/"
    assert signed_in(client)
    assert user.get_id().startswith(f"{user.id}:")


def test_a_wrong_password_keeps_the_door_shut(client, make_user, session):
    make_user(email="an@qualiva.example")
    session.commit()

    answer = sign_in(client, "an@qualiva.example", "wrong password")

    assert answer.status_code == 200
    assert "Verkeerd e-mailadres of wachtwoord." in answer.text
    assert not signed_in(client)


def test_odd_text_in_the_login_form_is_just_a_failed_sign_in(client):
    for email in ("a\x00@b.example", "x" * 300):
        answer = sign_in(client, email)
        assert answer.status_code in (200, 400)
        assert not signed_in(client)
    asked = _ask_for_reset(client, "a\x00@b.example")
    assert asked.status_code in (302, 400)


def test_signing_in_goes_back_where_one_was_going_but_never_elsewhere(client, make_user, session):
    make_user(email="an@qualiva.example")
    session.commit()
    token = csrf_token(client.get("/login"))

    local = client.post(
        "/login?next=/account",
        data={"csrf_token": token, "email": "an@qualiva.example", "password": PASSWORD},
    )
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/reset"))})
    token = csrf_token(client.get("/login"))
    away = client.post(
        "/login?next=https://evil.example/",
        data={"csrf_token": token, "email": "an@qualiva.example", "password": PASSWORD},
    )

    assert local.headers["Location"] == "/account"
    assert away.headers["Location"] == "/"


def test_a_login_without_its_csrf_token_is_refused(client, make_user, session):
    make_user(email="an@qualiva.example")
    session.commit()

    answer = client.post("/login", data={"email": "an@qualiva.example", "password": PASSWORD})

    assert answer.status_code == 400
    assert not signed_in(client)


def test_remember_me_sets_a_lasting_cookie(client, make_user, session):
    make_user(email="an@qualiva.example")
    make_user(email="bo@qualiva.example")
    session.commit()

    plain = sign_in(client, "an@qualiva.example")
    remembered = sign_in(client, "bo@qualiva.example", remember="y")

    assert "remember_token" not in plain.headers.get("Set-Cookie", "")
    assert any("remember_token=" in c for c in remembered.headers.getlist("Set-Cookie"))


def test_sign_out_is_a_post_with_csrf(client, make_user, session):
    make_user(email="an@qualiva.example")
    session.commit()
    sign_in(client, "an@qualiva.example")

    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    assert signed_in(client)
    token = csrf_token(client.get(PROBE))
    answer = client.post("/logout", data={"csrf_token": token})

    assert answer.status_code == 302
    assert not signed_in(client)


def test_deactivation_ends_the_browser_session_at_once(
    client, app, make_user, session, api_as_real
):
    member = make_user(email="an@qualiva.example")
    manager = make_user(role="manager")
    session.commit()
    sign_in(client, "an@qualiva.example", remember="y")
    assert signed_in(client)

    other = app.test_client()
    answer = api_as_real(manager, other).patch(f"/users/{member.id}", json={"active": False})

    assert answer.status_code == 200
    # Neither the session nor the remember-me cookie lets the person back in.
    assert not signed_in(client)
    refused = sign_in(client, "an@qualiva.example")
    assert refused.status_code == 200
    assert not signed_in(client)


def test_a_new_password_ends_the_other_sessions_and_tokens(client, app, make_user, session):
    user = make_user(email="an@qualiva.example")
    session.commit()
    sign_in(client, "an@qualiva.example")
    token, _ = auth_service.issue_token(session, user)
    session.commit()

    auth_service.set_password(session, user, "a-brand-new-secret")
    session.commit()

    assert not signed_in(client)
    assert Api(app.test_client(), token).get("/me").status_code == 401


# ---------------------------------------------------------------------------------------------
# E-mailed links that set a password


def _ask_for_reset(client: FlaskClient, email: str) -> Any:
    token = csrf_token(client.get("/reset"))
    return client.post("/reset", data={"csrf_token": token, "email": email})


def _link(body: str) -> str:
    found = re.search(r"https://booking\.campus\.example(/reset/\S+)", body)
    assert found, body
    return found.group(1)


def test_a_reset_link_sets_a_new_password_once(client, make_user, session):
    make_user(email="an@qualiva.example", language="en")
    session.commit()

    asked = _ask_for_reset(client, "AN@qualiva.example")

    assert asked.status_code == 302
    (mail,) = mails(session)
    assert mail.to == "an@qualiva.example"
    assert mail.subject == "New password for Campus Booking"
    assert mail.ics is None
    link = _link(mail.body)
    page = client.get(link)
    assert page.status_code == 200
    assert 'type="password"' in page.text
    mismatch = client.post(
        link,
        data={"csrf_token": csrf_token(page), "password": "new-secret-1", "confirm": "other"},
    )
    assert mismatch.status_code == 400
    short = client.post(
        link, data={"csrf_token": csrf_token(page), "password": "short", "confirm": "short"}
    )
    assert short.status_code == 400
    chosen = client.post(
        link,
        data={
            "csrf_token": csrf_token(page),
            "password": "new-secret-1",
            "confirm": "new-secret-1",
        },
    )
    assert chosen.status_code == 302
    assert signed_in(client)
    assert (
        client.post(
            "/api/v1/auth/tokens", json={"email": "an@qualiva.example", "password": "new-secret-1"}
        ).status_code
        == 201
    )
    # Used up.
    assert client.get(link).status_code == 400


def test_a_reset_for_an_unknown_address_looks_the_same_and_sends_nothing(client, session):
    asked = _ask_for_reset(client, "nobody@nowhere.example")

    assert asked.status_code == 302
    assert mails(session) == []


def test_reset_links_expire_and_cannot_be_forged(app, session, make_user):
    user = make_user()
    secret = app.config["SECRET_KEY"]
    made = datetime.now(UTC)
    link = auth_service.password_link(user, secret, purpose="reset", now=made)

    def holder(token: str, now: datetime) -> Any:
        return auth_service.user_for_password_link(session, token, secret, now=now)

    assert holder(link.token, made + timedelta(hours=1)) is user
    assert holder(link.token, made + timedelta(hours=3)) is None
    assert holder(link.token + "x", made) is None
    assert auth_service.user_for_password_link(session, link.token, "other", now=made) is None
    invitation = auth_service.password_link(user, secret, purpose="invitation", now=made)
    assert holder(invitation.token, made + timedelta(days=6)) is user
    assert holder(invitation.token, made + timedelta(days=8)) is None
    user.active = False
    session.flush()
    assert holder(link.token, made) is None


def test_a_bad_reset_link_is_a_friendly_page_not_an_error(client):
    for token in ("nonsense", "a" * 600, "eyJ1IjoxfQ.bad.sig"):
        answer = client.get(f"/reset/{token}")
        assert answer.status_code == 400
        assert "werkt niet" in answer.text


# ---------------------------------------------------------------------------------------------
# API tokens


def test_a_token_is_stored_only_as_its_digest_and_can_be_revoked(client, make_user, session):
    make_user(email="an@qualiva.example")
    session.commit()

    created = client.post(
        "/api/v1/auth/tokens", json={"email": "an@qualiva.example", "password": PASSWORD}
    )
    token = created.get_json()["token"]
    api = Api(client, token)

    assert created.status_code == 201
    assert created.get_json()["expires_at"].endswith(("+01:00", "+02:00"))
    stored = session.scalars(select(ApiToken)).all()
    session.commit()
    assert [t.token_hash for t in stored] != [token]
    assert api.get("/me").status_code == 200
    assert api.delete("/auth/tokens/current").status_code == 204
    assert api.get("/me").status_code == 401


def test_an_expired_token_is_refused(app, make_user, session):
    user = make_user()
    token, record = auth_service.issue_token(session, user)
    record.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    session.commit()

    answer = Api(app.test_client(), token).get("/me")

    assert answer.status_code == 401
    assert error(answer)["code"] == "unauthenticated"


@pytest.mark.parametrize(
    "header", ["", "Bearer", "Bearer ", "Basic abc", "Bearer " + "x" * 5000, "Bearer \x7f"]
)
def test_missing_or_odd_credentials_are_401(client, header):
    answer = client.get("/api/v1/me", headers={"Authorization": header} if header else {})
    assert answer.status_code == 401


def test_wrong_credentials_are_401_and_malformed_ones_400(client, make_user, session):
    make_user(email="an@qualiva.example")
    session.commit()

    wrong = client.post(
        "/api/v1/auth/tokens", json={"email": "an@qualiva.example", "password": "x"}
    )
    malformed = client.post("/api/v1/auth/tokens", json={"email": 1})
    extra = client.post(
        "/api/v1/auth/tokens", json={"email": "a@b.example", "password": "x", "otp": "1"}
    )

    assert wrong.status_code == 401
    assert malformed.status_code == 400
    assert extra.status_code == 400
    assert "otp" in error(extra)["details"]["fields"]


# ---------------------------------------------------------------------------------------------
# Rate limits (the test app has them off; these tests make apps with them on)


@pytest.fixture
def api_as_real() -> Any:
    """api_as for a given client: signs in through POST /auth/tokens like a script would."""

    def sign_in_with(user: Any, client: FlaskClient) -> Api:
        answer = client.post(
            "/api/v1/auth/tokens", json={"email": user.email, "password": PASSWORD}
        )
        assert answer.status_code == 201, answer.get_json()
        return Api(client, answer.get_json()["token"])

    return sign_in_with


@pytest.fixture
def limited_app(app: Flask, database_url: str, clean_db: None) -> Iterator[Any]:
    """make(**settings) -> an app on the test database with rate limits on.

    Flask-Limiter keeps its state (on or off, storage, key prefix) on the one Limiter object
    that every app shares; it is put back afterwards, so that the other tests' app stays
    unlimited.
    """
    saved = dict(limiter.__dict__)
    made: list[Flask] = []

    def make(**settings: Any) -> Flask:
        limiter._key_prefix = ""
        limited = make_test_app(database_url, RATELIMIT_ENABLED=True, **settings)
        made.append(limited)
        return limited

    yield make
    for limited in made:
        with limited.app_context():
            db.engine.dispose()
    limiter.__dict__.clear()
    limiter.__dict__.update(saved)


def _token_request(client: FlaskClient, email: str, password: str, address: str) -> Any:
    return client.post(
        "/api/v1/auth/tokens",
        json={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def _assert_rate_limited(answer: Any) -> None:
    assert answer.status_code == 429
    assert error(answer)["code"] == "rate_limited"
    assert 0 < int(answer.headers["Retry-After"]) <= 61


def test_failed_sign_ins_are_limited_per_e_mail_address(limited_app, make_user, session):
    make_user(email="an@qualiva.example")
    make_user(email="bo@qualiva.example")
    session.commit()
    client = limited_app(RATELIMIT_SIGNIN="3 per minute").test_client()

    failures = [
        _token_request(client, "an@qualiva.example", "wrong", f"10.0.0.{n}") for n in range(3)
    ]
    blocked = _token_request(client, "AN@qualiva.example", PASSWORD, "10.0.0.9")
    other = _token_request(client, "bo@qualiva.example", PASSWORD, "10.0.0.1")

    assert [f.status_code for f in failures] == [401, 401, 401]
    _assert_rate_limited(blocked)
    assert other.status_code == 201


def test_successful_sign_ins_do_not_count(limited_app, make_user, session):
    make_user(email="an@qualiva.example")
    session.commit()
    client = limited_app(RATELIMIT_SIGNIN="2 per minute").test_client()

    answers = [_token_request(client, "an@qualiva.example", PASSWORD, "10.0.0.1") for _ in range(4)]

    assert [a.status_code for a in answers] == [201] * 4


def test_failed_sign_ins_are_limited_per_client_address(limited_app):
    client = limited_app(RATELIMIT_SIGNIN_IP="3 per minute").test_client()

    failures = [
        _token_request(client, f"guess{n}@qualiva.example", "x", "10.0.0.7") for n in range(3)
    ]
    blocked = _token_request(client, "guess9@qualiva.example", "x", "10.0.0.7")
    elsewhere = _token_request(client, "guess9@qualiva.example", "x", "10.0.0.8")

    assert [f.status_code for f in failures] == [401] * 3
    _assert_rate_limited(blocked)
    assert elsewhere.status_code == 401


def test_the_login_page_shares_the_limit_and_answers_429(limited_app, make_user, session):
    make_user(email="an@qualiva.example")
    session.commit()
    client = limited_app(RATELIMIT_SIGNIN="2 per minute").test_client()
    _token_request(client, "an@qualiva.example", "wrong", "127.0.0.1")
    token = csrf_token(client.get("/login"))
    page_failure = client.post(
        "/login", data={"csrf_token": token, "email": "an@qualiva.example", "password": "wrong"}
    )

    blocked = client.post(
        "/login", data={"csrf_token": token, "email": "an@qualiva.example", "password": PASSWORD}
    )

    assert page_failure.status_code == 200
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) > 0
    assert "Te veel mislukte pogingen" in blocked.text
    assert 'name="csrf_token"' in blocked.text
    # Reading the page stays possible.
    assert client.get("/login").status_code == 200


def test_writes_are_limited_per_token(limited_app, make_user, session, make_space):
    first, second = make_user(), make_user()
    tokens = [auth_service.issue_token(session, user)[0] for user in (first, second)]
    first_id = first.id
    session.commit()
    client = limited_app(RATELIMIT_WRITES="3 per minute").test_client()
    api, other = Api(client, tokens[0]), Api(client, tokens[1])

    writes = [api.post("/me/ical-token") for _ in range(3)]
    blocked = api.post("/me/ical-token")
    blocked_patch = api.patch(f"/users/{first_id}", json={"name": "X"})

    assert [w.status_code for w in writes] == [200] * 3
    _assert_rate_limited(blocked)
    _assert_rate_limited(blocked_patch)
    assert api.get("/me").status_code == 200
    assert other.post("/me/ical-token").status_code == 200


@pytest.fixture
def redis_url() -> Iterator[str]:
    import redis

    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.exceptions.RedisError as err:
        pytest.skip(f"no Redis at {url}: {err}")
    yield url


def test_limits_are_kept_in_redis_when_redis_url_is_set(limited_app, make_user, session, redis_url):
    import redis

    prefix = f"booking-test-{secrets.token_hex(6)}"
    store = redis.Redis.from_url(redis_url)
    make_user(email="an@qualiva.example")
    session.commit()
    try:
        limited = limited_app(
            REDIS_URL=redis_url, RATELIMIT_KEY_PREFIX=prefix, RATELIMIT_SIGNIN="2 per minute"
        )
        assert limited.config["RATELIMIT_STORAGE_URI"] == redis_url
        client = limited.test_client()

        failures = [
            _token_request(client, "an@qualiva.example", "wrong", "10.0.0.1") for _ in range(2)
        ]
        keys = store.keys(f"*{prefix}*")
        # A second app on the same Redis (another gunicorn worker) sees the same count.
        again = limited_app(
            REDIS_URL=redis_url, RATELIMIT_KEY_PREFIX=prefix, RATELIMIT_SIGNIN="2 per minute"
        )
        blocked = _token_request(again.test_client(), "an@qualiva.example", PASSWORD, "10.0.0.2")

        assert [f.status_code for f in failures] == [401, 401]
        assert keys, "nothing was written to Redis"
        _assert_rate_limited(blocked)
    finally:
        for key in store.keys(f"*{prefix}*"):
            store.delete(key)


def test_the_reset_pages_speak_dutch_first_and_english_on_request(client):
    dutch = client.get("/reset")
    english = client.get("/reset?lang=en")
    broken = client.get("/reset/not-a-real-link?lang=en")

    assert "Nieuw wachtwoord aanvragen" in dutch.text
    assert '<label for="email">E-mailadres</label>' in dutch.text
    assert "Ask for a new password" in english.text
    assert broken.status_code == 400
    assert "This link does not work (any more)" in broken.text
    nothing = client.post("/reset?lang=en", data={"csrf_token": csrf_token(english)})
    assert "Please fill in this field." in nothing.text


def test_behind_a_proxy_the_limit_counts_the_forwarded_client_address(limited_app):
    client = limited_app(RATELIMIT_SIGNIN_IP="2 per minute", BOOKING_PROXIES=1).test_client()

    def attempt(forwarded_for: str) -> Any:
        return client.post(
            "/api/v1/auth/tokens",
            json={"email": "guess@qualiva.example", "password": "x"},
            environ_base={"REMOTE_ADDR": "10.9.9.9"},  # the proxy, the same for everyone
            headers={"X-Forwarded-For": forwarded_for},
        )

    failures = [attempt("203.0.113.5") for _ in range(2)]
    blocked = attempt("203.0.113.5")
    someone_else = attempt("198.51.100.7")

    assert [f.status_code for f in failures] == [401, 401]
    _assert_rate_limited(blocked)
    assert someone_else.status_code == 401
