"""A live server on a real database with the demo campus, and Debian's Chromium to drive it.

The server runs in a thread of the test process (werkzeug's threaded server), on a database of
its own: a SQLite file, or a fresh PostgreSQL database when TEST_DATABASE_URL is set. "Now" is
fixed at 2026-12-01 09:00 campus time, as in every other test.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from booking.extensions import db
from tests.conftest import NOW, TZ, fresh_database, make_test_app

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless=new",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DEMO_PASSWORD = "campus-demo"
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
OUTPUT = Path(__file__).resolve().parents[2] / "test-output" / "browser"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Without Chromium the browser tests skip, loudly; in CI they fail instead."""
    if os.path.exists(CHROMIUM) or os.environ.get("CI") == "true":
        return  # in CI the `browser` fixture fails each test instead
    reason = f"Debian's chromium is not installed ({CHROMIUM} missing): apt-get install chromium"
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def browser_database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The live server's own database: the demo it is seeded with stays out of the shared
    test database, which the other tests expect empty."""
    yield from fresh_database(tmp_path_factory, "browser")


@pytest.fixture(scope="session")
def live_app(browser_database_url: str) -> Iterator[Flask]:
    from flask_migrate import upgrade

    from booking.services.demo import seed_demo

    app = make_test_app(browser_database_url, TESTING=False, BOOKING_BASE_URL="http://127.0.0.1")
    with app.app_context():
        upgrade()
        seed_demo(db.session, now=NOW, tz=TZ)
        db.session.commit()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def live_server(live_app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing; in CI the browser tests must run")
        pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def output_dir(request: pytest.FixtureRequest) -> Path:
    """test-output/browser/<test name>/ (git-ignored): screenshots to look at."""
    folder = OUTPUT / request.node.name.replace("/", "_")
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def new_page(browser: Any, live_server: str, live_app: Flask) -> Iterator[Callable[..., Any]]:
    """new_page(email=None, width=1280, lang="nl") -> a page, signed in through /login."""
    contexts: list[Any] = []

    def make(email: str | None = None, *, width: int = 1280, lang: str = "nl") -> Any:
        context = browser.new_context(
            base_url=live_server,
            viewport={"width": width, "height": 900},
            locale="nl-BE" if lang == "nl" else "en-GB",
            extra_http_headers={"Accept-Language": "nl-BE,nl" if lang == "nl" else "en-GB,en"},
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        if email is not None:
            sign_in(page, email)
        return page

    yield make
    for context in contexts:
        context.close()


def sign_in(page: Any, email: str, password: str = DEMO_PASSWORD) -> None:
    """Through the real sign-in form."""
    page.goto("/login")
    page.locator("main input[type=email]").fill(email)
    page.locator("main input[type=password]").fill(password)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()
    assert "/login" not in page.url, f"sign-in as {email} failed"


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
    )
    return [v for v in result if v.get("impact") in ("serious", "critical")]


def screenshot(page: Any, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
