"""Fixtures for the desk's tests: a fresh queue database (SQLite, or PostgreSQL for the ``pg`` ones),
users of every role, realistic manual items, the desk served in a thread, and signed-in clients."""

from __future__ import annotations

import os
import re
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
from argon2 import PasswordHasher
from playwright.sync_api import Browser, Page, expect, sync_playwright

from robots.queue import QueueBackend, connect
from robots.web import sample, users
from robots.web.server import DeskServer

CHROMIUM = "/usr/bin/chromium"
PG_ADMIN_URL = os.environ.get("ROBOTS_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
PASSWORD = "korrekt-hest-batteri"
PEOPLE = {  # name: (roles, processes)
    "kmj": (["caseworker"], ["flex_wage"]),
    "lone": (["caseworker"], ["negative_pay"]),
    "pia": (["caseworker"], ["flex_wage"]),
    "drift": (["operator"], []),
    "revisor": (["auditor"], []),
    "admin": (["admin"], []),
}


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2id with small parameters: the same code path, a fraction of the time (tests only)."""
    monkeypatch.setattr(users, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An upgraded SQLite file that each test's database is copied from (migrations run once)."""
    path = tmp_path_factory.mktemp("template") / "desk.sqlite3"
    with connect(f"sqlite:///{path}") as backend:
        backend.upgrade()
        backend._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # type: ignore[attr-defined]
    return path


def fresh_sqlite(template: Path, directory: Path) -> QueueBackend:
    target = directory / "desk.sqlite3"
    shutil.copyfile(template, target)
    return connect(f"sqlite:///{target}")


def add_people(backend: QueueBackend) -> dict[str, users.User]:
    return {name: users.add(backend, name, PASSWORD, roles, processes, full_name=name.capitalize())
            for name, (roles, processes) in PEOPLE.items()}


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    """An upgraded PostgreSQL database that each test's database is copied from."""
    try:
        admin = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        pytest.fail(f"PostgreSQL is not reachable at {PG_ADMIN_URL}: {exc}", pytrace=False)
    name = f"robots_w_{uuid.uuid4().hex[:12]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        with connect(f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}") as backend:
            backend.upgrade()
        yield name
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[QueueBackend]:
    """A fresh, upgraded queue database on each backend."""
    if request.param == "sqlite":
        backend = fresh_sqlite(request.getfixturevalue("sqlite_template"), tmp_path)
        yield backend
        backend.close()
        return
    template = request.getfixturevalue("pg_template")
    name = f"robots_w_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    backend = connect(f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}")
    try:
        yield backend
    finally:
        backend.close()
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Desk:
    """A desk served on SQLite with people and sample items, and a way to sign clients in."""

    def __init__(self, backend: QueueBackend, server: DeskServer) -> None:
        self.backend, self.server = backend, server
        self.url = server.base_url
        sample.define_queues(backend)
        self.people = add_people(backend)
        self.flex = sample.flex_wage_deviation_case(backend)
        self.negative = sample.negative_pay_case(backend)

    def client(self, name: str | None = None) -> httpx.Client:
        """An HTTP client, signed in as ``name`` when given (cookies kept, redirects not followed)."""
        client = httpx.Client(base_url=self.url, timeout=20)
        if name:
            token = csrf_of(client.get("/login").text)
            reply = client.post("/login", data={"csrf_token": token, "brugernavn": name, "adgangskode": PASSWORD,
                                                "next": "/"})
            assert reply.status_code == 303, reply.text[:500]
        return client


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


@pytest.fixture()
def desk(tmp_path: Path, sqlite_template: Path) -> Iterator[Desk]:
    backend = fresh_sqlite(sqlite_template, tmp_path)
    server = DeskServer(backend).start()
    try:
        yield Desk(backend, server)
    finally:
        server.stop()
        backend.close()


@pytest.fixture()
def signed_in(desk: Desk) -> Callable[[str], httpx.Client]:
    clients: list[httpx.Client] = []

    def make(name: str) -> httpx.Client:
        clients.append(desk.client(name))
        return clients[-1]

    yield make  # type: ignore[misc]
    for client in clients:
        client.close()


def sign_in(page: Page, desk: Desk, name: str, path: str = "/") -> None:
    """Open ``path``, be sent to the sign-in page, sign in as ``name`` and land on ``path``."""
    page.goto(desk.url + path)
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.get_by_label("Brugernavn").fill(name)
    page.get_by_label("Adgangskode").fill(PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    expect(page).to_have_url(desk.url + path)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture()
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="da-DK")
    context.set_default_timeout(10_000)
    tab = context.new_page()
    yield tab
    context.close()
