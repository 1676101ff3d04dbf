"""Page objects for the old web UIs (payroll, debtor, benefits): the behaviour they all share.

What every such system does to a robot, handled once here:

- a login form (``Brugernavn``/``Adgangskode``/``Log på``), and idle sessions that end without
  warning (any page then redirects to the login): we sign in again and retry;
- "Systemet er optaget" pages and HTTP 500 pages: transient, retried inside the step;
- validation errors shown as ``<div role="alert">Fejl CODE: text</div>`` on the same form:
  :class:`FormRejected`, which the process maps to a business or an application error;
- confirmation pages with a receipt card (``table.card``: ``th`` label, ``td`` value), lists in
  grid tables paged with "Næste side", element ids that change between releases (we find
  fields by label and values by row label, never by id).

A process's ``systems.py`` subclasses :class:`LegacyWebApp` with its screens' verbs
(``employee(no)``, ``register_payline(...)``). A write is made safe to retry by the process:
look first (is it registered already?), then fill and submit, all inside one ``retry``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar
from urllib.parse import urlencode, urljoin

from ..runtime.errors import ApplicationError, TransientError
from ._signin import credential_for

if TYPE_CHECKING:
    from playwright.sync_api import Page, Response

    from ..runtime.context import StepContext

T = TypeVar("T")

BUSY_TITLE = "Systemet er optaget"
_ALERT_CODE = re.compile(r"^\s*Fejl\s+([A-Za-z0-9\-]+)\s*:?\s*(.*)$", re.S)

# One round trip reads everything a robot needs to know about the screen it is on.
_READ_SCREEN = """() => {
  const text = el => (el ? el.innerText.trim() : "");
  const main = document.querySelector("main") || document.body;
  const heading = t => {
    let h = t.previousElementSibling;
    while (h && !/^H[1-3]$/.test(h.tagName)) h = h.previousElementSibling;
    return text(h);
  };
  const tables = [...main.querySelectorAll("table")].map(t => {
    if (t.classList.contains("card")) {
      return {heading: heading(t), card: true, headers: [], links: [],
              rows: [...t.querySelectorAll("tr")].map(r => [text(r.querySelector("th")), text(r.querySelector("td"))])};
    }
    const headers = [...t.querySelectorAll("thead th")].map(text);
    const body = [...t.querySelectorAll("tbody tr")];
    return {heading: heading(t), card: false, headers,
            rows: body.map(r => [...r.querySelectorAll("td")].map(text)),
            links: body.map(r => [...r.querySelectorAll("td")].map(td => {
              const a = td.querySelector("a"); return a ? a.href : null; }))};
  });
  const next = [...document.querySelectorAll(".pager a")].find(a => a.innerText.trim() === "Næste side");
  return {
    title: text(main.querySelector("h1")),
    alert: text(main.querySelector("[role=alert]")),
    status: text(main.querySelector("[role=status]")),
    message: text(main.querySelector(".message")),
    login: !!document.querySelector("input[type=password]"),
    tables, next_page: next ? next.href : null, url: location.href,
  };
}"""


class FormRejected(Exception):
    """The system refused the form: ``code`` as it shows it (``L-412``), ``text`` its sentence."""

    def __init__(self, code: str, text: str) -> None:
        super().__init__(f"Fejl {code}: {text}")
        self.code = code
        self.text = text


@dataclass
class Table:
    heading: str
    headers: list[str]
    rows: list[dict[str, str]]
    links: list[dict[str, str | None]] = field(default_factory=list)


@dataclass
class Screen:
    """What a page shows: title, messages, cards (label -> value) and grid tables."""

    title: str
    alert: str
    status: str
    message: str
    login: bool
    url: str
    cards: list[tuple[str, dict[str, str]]]
    tables: list[Table]
    next_page: str | None

    @classmethod
    def from_js(cls, data: dict[str, Any]) -> Screen:
        cards, tables = [], []
        for t in data["tables"]:
            if t["card"]:
                cards.append((t["heading"], {label: value for label, value in t["rows"] if label}))
            else:
                headers = t["headers"]
                tables.append(Table(
                    t["heading"], headers,
                    [dict(zip(headers, row, strict=False)) for row in t["rows"]],
                    [dict(zip(headers, row, strict=False)) for row in t["links"]],
                ))
        return cls(data["title"], data["alert"], data["status"], data["message"], data["login"], data["url"],
                   cards, tables, data["next_page"])

    def card(self, heading: str | None = None) -> dict[str, str]:
        """The card under ``heading`` (default: the first card on the page)."""
        for card_heading, values in self.cards:
            if heading is None or card_heading == heading:
                return values
        raise ApplicationError("page_unexpected", f"no card {heading or ''!r} on the page {self.title!r}")

    def table(self, heading: str | None = None) -> Table:
        """The grid table under ``heading`` (default: the first); an empty one when the page has none."""
        for table in self.tables:
            if heading is None or table.heading == heading:
                return table
        return Table(heading or "", [], [])


class LegacyWebApp:
    """Base of a page object for one web system; ``system`` names its URL and credential."""

    system: ClassVar[str] = ""
    login_path: ClassVar[str] = "login"

    def __init__(self, ctx: StepContext) -> None:
        self.ctx = ctx
        self.base = ctx.system_url(self.system).rstrip("/") + "/"

    # -- plumbing ------------------------------------------------------------------------------

    @property
    def page(self) -> Page:
        return self.ctx.session.page()

    def url(self, path: str, **params: Any) -> str:
        query = {k: v for k, v in params.items() if v is not None}
        return urljoin(self.base, path.lstrip("/")) + (f"?{urlencode(query)}" if query else "")

    def retry(self, fn: Callable[[], T], what: str = "") -> T:
        """Run ``fn`` again on busy pages, HTTP 500s and ended sessions (the step's retry policy)."""
        return self.ctx.retry(fn, what=what or f"{self.system}")

    @property
    def _logged_in_key(self) -> str:
        return f"web:{self.system}:logged_in"

    def read(self, response: Response | None = None) -> Screen:
        """The current screen; raises on the pages every old system shows when it is unwell."""
        screen = Screen.from_js(self.page.evaluate(_READ_SCREEN))
        status = response.status if response is not None else 200
        if screen.login:
            self.ctx.session.state.pop(self._logged_in_key, None)
            raise TransientError(f"{self.system}: the session ended (login page shown)", code="session_expired")
        if screen.title == BUSY_TITLE:
            raise TransientError(f"{self.system}: {BUSY_TITLE}", code="system_busy")
        if status >= 500 or "fejlkode 500" in screen.alert:
            raise TransientError(f"{self.system}: HTTP {status}: {screen.alert or screen.title}", code="http_500")
        if status >= 400:
            raise ApplicationError(f"http_{status}", f"{self.system}: HTTP {status}: {screen.alert or screen.title}")
        return screen

    # -- signing in ----------------------------------------------------------------------------

    def login(self) -> None:
        """Sign in with the system's credential (typed into the form, never logged)."""
        cred = credential_for(self.ctx, self.system)
        page = self.page
        response = page.goto(self.url(self.login_path))
        if response is not None and response.status >= 500:
            raise TransientError(f"{self.system}: login page answered HTTP {response.status}", code="http_500")
        page.get_by_label("Brugernavn", exact=True).fill(cred.username)
        page.get_by_label("Adgangskode", exact=True).fill(cred.secret)
        with page.expect_navigation() as nav:
            page.get_by_role("button", name="Log på", exact=True).click()
        response = nav.value
        screen = Screen.from_js(page.evaluate(_READ_SCREEN))
        if screen.title == BUSY_TITLE or (response is not None and response.status >= 500):
            raise TransientError(f"{self.system}: could not sign in now ({screen.title})", code="system_busy")
        if screen.login and screen.alert:  # "Login mislykkedes (fejl 101)": a wrong user or password
            raise ApplicationError("login_failed", f"{self.system}: sign-in refused: {screen.alert}")
        if screen.login:  # the login page again without an error: the system dropped the session
            raise TransientError(f"{self.system}: signed out while signing in ({screen.message})",
                                 code="session_expired")
        self.ctx.session.state[self._logged_in_key] = True
        self.ctx.log.info("signed in", system=self.system, user=cred.username)

    def _ensure_login(self) -> None:
        if not self.ctx.session.state.get(self._logged_in_key):
            self.login()

    # -- reading and writing -------------------------------------------------------------------

    def visit(self, path: str, **params: Any) -> Screen:
        """Open a page once (signing in first when needed); for use inside a larger retried unit."""
        self._ensure_login()
        return self.read(self.page.goto(self.url(path, **params)))

    def open(self, path: str, **params: Any) -> Screen:
        """Open a page, retrying busy pages, 500s and ended sessions."""
        return self.retry(lambda: self.visit(path, **params), what=f"{self.system} {path}")

    def submit(self, button: str) -> Screen:
        """Click the form's button and read the answer: a confirmation, or FormRejected."""
        page = self.page
        with page.expect_navigation() as nav:
            page.get_by_role("button", name=button, exact=True).click()
        screen = self.read(nav.value)
        if screen.alert:
            match = _ALERT_CODE.match(screen.alert)
            code, text = (match.group(1), match.group(2).strip()) if match else ("unknown", screen.alert)
            raise FormRejected(code, text)
        return screen

    def fill(self, values: dict[str, str]) -> None:
        """Fill form fields by their visible label (ids are not stable between releases)."""
        page = self.page
        for label, value in values.items():
            field_ = page.get_by_label(label, exact=True)
            if field_.evaluate("el => el.tagName") == "SELECT":
                field_.select_option(value)
            else:
                field_.fill(value)

    def rows(self, path: str, heading: str | None = None, **params: Any) -> Iterator[dict[str, str]]:
        """Every row of a paged list, following "Næste side" to the end."""
        for table in self.tables(path, heading, **params):
            yield from table.rows

    def tables(self, path: str, heading: str | None = None, **params: Any) -> Iterator[Table]:
        """The list's table on each of its pages, in order (rows and their links)."""
        screen = self.open(path, **params)
        seen: set[str] = set()
        while True:
            yield screen.table(heading)
            if not screen.next_page or screen.next_page in seen:
                return
            seen.add(screen.next_page)
            url = screen.next_page
            screen = self.retry(lambda url=url: self._visit_url(url), what=f"{self.system} next page")

    def _visit_url(self, url: str) -> Screen:
        self._ensure_login()
        return self.read(self.page.goto(url))


__all__ = ["FormRejected", "LegacyWebApp", "Screen", "Table"]
