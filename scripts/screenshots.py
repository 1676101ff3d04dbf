"""Screenshots of the caseworker desk for the docs: the list page and a flex wage case page.

Run from the checkout (needs Chromium at /usr/bin/chromium)::

    .venv/bin/python scripts/screenshots.py              # writes docs/screenshots/desk-*.png
    .venv/bin/python scripts/screenshots.py --dashboard queue/robots.sqlite3   # and dashboard.png, audit-*.png

The dashboard and audit pictures are taken on a copy of a database that ``robots demo`` has run on (real runs,
real outcomes), with an operator and an auditor added to the copy.

A throw-away SQLite database gets a desk's worth of sample manual items (robots.web.sample) and a
caseworker; the desk is served in a thread and Chromium signs in, filters nothing, and takes the
pictures. Nothing of the project's own database is touched.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from robots.queue import connect  # noqa: E402
from robots.queue._rows import utc_text  # noqa: E402
from robots.timeutil import now  # noqa: E402
from robots.web import sample, users  # noqa: E402
from robots.web.server import DeskServer  # noqa: E402

PASSWORD = "skærmbilleder"


def spread_over_days(backend: object, ids: list[int]) -> None:
    """Back-date the sample items over three weeks, oldest first, so the list's ages look lived in."""
    started = now() - timedelta(days=21)
    with backend._write() as tx:  # type: ignore[attr-defined]
        for n, item_id in enumerate(ids):
            stamp = utc_text(started + timedelta(hours=9 * n))
            tx.conn.execute("UPDATE work_items SET created_at = ? WHERE id = ?", (stamp, item_id))


def sign_in(page: Page, base_url: str, name: str, target: str) -> None:
    page.goto(f"{base_url}/login?next={target}")
    page.get_by_label("Brugernavn").fill(name)
    page.get_by_label("Adgangskode").fill(PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    page.wait_for_url(base_url + target)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--dashboard", type=Path,
                        help="A database robots demo ran on: also take dashboard.png and audit-*.png.")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    if args.dashboard:
        demo_pages(args.dashboard, args.out, args.chromium)
    with tempfile.TemporaryDirectory() as tmp:
        backend = connect(f"sqlite:///{Path(tmp) / 'desk.sqlite3'}")
        backend.upgrade()
        made = sample.populate(backend)
        users.add(backend, "kmj", PASSWORD, ["caseworker"], ["flex_wage", "negative_pay"], "Karen M. Jensen")
        users.add(backend, "pia", PASSWORD, ["caseworker"], ["flex_wage"], "Pia Holm")
        flex_case, negative_case = made[0], made[1]
        for item in made[5:9]:
            backend.assign(item.id, "desk:kmj", "pia")
        backend.comment(flex_case.id, "desk:pia", "Arbejdsgiveren bekræfter ekstra timer i september (mail 07-10).")
        spread_over_days(backend, [item.id for item in made])
        with DeskServer(backend) as server, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=args.chromium)
            page = browser.new_page(viewport={"width": 1440, "height": 900}, locale="da-DK")
            sign_in(page, server.base_url, "kmj", "/")
            targets = {
                "desk-list.png": ("/", False),
                "desk-case-flex-wage.png": (f"/sager/{flex_case.id}", True),
                "desk-case-negative-pay.png": (f"/sager/{negative_case.id}", True),
            }
            for name, (path, full_page) in targets.items():
                page.goto(server.base_url + path)
                page.screenshot(path=str(args.out / name), full_page=full_page)
                print(f"wrote {args.out / name}")
            browser.close()
        backend.close()
    return 0


def demo_pages(source: Path, out: Path, chromium: str) -> None:
    """The dashboard and the auditor's pages on a copy of ``source`` (the demo's database is never changed)."""
    import shutil

    from robots import alerts, audit
    from robots.queue.runs import RunStore

    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "demo.sqlite3"
        shutil.copyfile(source, copy)
        backend = connect(f"sqlite:///{copy}")
        backend.upgrade()
        users.add(backend, "drift", PASSWORD, ["operator"], [], "Driftsvagten")
        users.add(backend, "revisor", PASSWORD, ["auditor"], [], "Rigsrevisionen")
        flex_runs = RunStore(backend).list(process="flex_wage", limit=1)
        if flex_runs and flex_runs[0].finished_at:  # the alert rules as the scheduler ran them just after the demo
            alerts.check_queues(backend, alerts.AlertConfig(), now=flex_runs[0].finished_at + timedelta(minutes=1))
        audit.seal(backend)
        pages = [("drift", "/drift", "dashboard.png"), ("revisor", "/revision", "audit-events.png")]
        if flex_runs:
            pages.append(("revisor", f"/revision/koersler/{flex_runs[0].id}", "audit-run.png"))
        with DeskServer(backend) as server, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium)
            for name, path, picture in pages:
                page = browser.new_page(viewport={"width": 1440, "height": 900}, locale="da-DK")
                sign_in(page, server.base_url, name, path)
                page.screenshot(path=str(out / picture), full_page=picture == "dashboard.png")
                print(f"wrote {out / picture}")
                page.close()
            browser.close()
        backend.close()


if __name__ == "__main__":
    sys.exit(main())
