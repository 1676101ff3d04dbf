"""Server time of the caseworker desk's list page with 100,000 manual items on PostgreSQL.

Run from the checkout::

    .venv/bin/python bench/desk_bench.py                  # 100,000 manual items, 30 requests per case
    .venv/bin/python bench/desk_bench.py --items 10000    # smaller
    .venv/bin/python bench/desk_bench.py --json           # machine output on stdout

A fresh database ``robots_desk_bench_<hex>`` is created on the local server, migrated, and filled in
SQL (generate_series) with N manual items of two processes, realistic payloads (CPR, name,
organisation, period, lines) and reasons, spread over 60 days, a fifth of them assigned, plus
N/2 done items the list must ignore; then ``VACUUM ANALYZE`` (what autovacuum does on a live
database). The desk is served by uvicorn in a thread; a signed-in client asks for the list page
under each case below, and the figure is the app's own time per request (its ``Server-Timing``
header: from the request's arrival until the page starts being sent, i.e. the session lookup,
the counts per reason, one page of rows by keyset and the rendering). The database is dropped
afterwards.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from robots.queue import QueueSpec, connect
from robots.web import users
from robots.web.server import DeskServer

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
PASSWORD = "bench-password"

FILL = """
INSERT INTO work_items (queue, reference, payload, status, attempts, max_attempts, created_at, created_by,
                        started_at, error_kind, error_code, error_message, manual_reason, assigned_to, updated_at)
SELECT q.queue, q.queue || ':' || g, q.payload, 'manual', 1, 3, q.created, 'robot@bench', q.created,
       'business', q.reason, 'The case needs a caseworker: ' || q.reason || ' (sample sentence with the facts, '
       || 'amounts such as 12.345,67 kr. and the month ' || q.period || ')', q.reason,
       CASE WHEN g % 5 = 0 THEN (ARRAY['kmj', 'lone', 'pia', 'bo'])[1 + g % 4] END, q.created
FROM generate_series(1, %(n)s) AS g,
LATERAL (SELECT
    CASE WHEN g % 4 = 0 THEN 'negative_pay.employees' ELSE 'flex_wage.citizens' END AS queue,
    CASE WHEN g % 4 = 0
         THEN (ARRAY['recurring_negative', 'large_amount', 'negative_holiday_pay'])[1 + g % 3]
         ELSE (ARRAY['watch_list', 'no_income', 'several_employers', 'non_wage_income', 'correction',
                     'income_deviation', 'subsidy_change', 'first_payment'])[1 + (g / 4) % 8] END AS reason,
    '2026-' || lpad((1 + g % 6)::text, 2, '0') AS period,
    now() - make_interval(secs => (g * 7919) % (60 * 86400)) AS created,
    jsonb_build_object(
        'cpr', lpad(((g % 28) + 41)::text, 2, '0') || lpad((1 + g % 12)::text, 2, '0') || '80-'
               || lpad((g % 10000)::text, 4, '0'),
        'name', (ARRAY['Mette', 'Lars', 'Anne', 'Jens', 'Hanne', 'Søren'])[1 + g % 6] || ' '
                || (ARRAY['Nielsen', 'Jensen', 'Hansen', 'Pedersen', 'Andersen'])[1 + g % 5],
        'organisation', (ARRAY['Jobcenter Thisted', 'Børn og Familie', 'Ældre og Sundhed', 'Teknik og Miljø',
                               'Sorø Kommune, Løn', 'Københavns Kommune, BIF'])[1 + g % 6],
        'period', '2026-' || lpad((1 + g % 6)::text, 2, '0'),
        'case_no', 'C-' || g,
        'lines', jsonb_build_array(
            jsonb_build_object('period', '2026-0' || (1 + g % 6), 'element', 'Løn', 'amount_ore', -(g % 500000)),
            jsonb_build_object('period', '2026-0' || (1 + g % 6), 'element', 'Tillæg', 'amount_ore', -(g % 90000))))
        AS payload
) AS q
"""

FILL_DONE = """
INSERT INTO work_items (queue, reference, payload, status, attempts, max_attempts, created_at, created_by,
                        finished_at, output, updated_at)
SELECT 'flex_wage.citizens', 'done:' || g, jsonb_build_object('cpr', '450377-' || lpad((g % 10000)::text, 4, '0')),
       'done', 1, 3, now() - make_interval(secs => g % 5000000), 'robot@bench', now(),
       jsonb_build_object('subsidy_ore', g), now()
FROM generate_series(1, %(n)s) AS g
"""


def build(admin: psycopg.Connection, base: str, items: int) -> str:
    name = f"robots_desk_bench_{uuid.uuid4().hex[:10]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    url = f"{base}/{name}"
    with connect(url) as backend:
        backend.upgrade()
        backend.define_queue(QueueSpec("flex_wage.citizens"))
        backend.define_queue(QueueSpec("negative_pay.employees"))
        users.add(backend, "kmj", PASSWORD, ["caseworker"], ["flex_wage", "negative_pay"], "Karen M. Jensen")
        users.add(backend, "revisor", PASSWORD, ["auditor"])
        for other in ("lone", "pia", "bo"):
            users.add(backend, other, PASSWORD, ["caseworker"], ["flex_wage", "negative_pay"])
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(FILL.replace(" % ", " %% "), {"n": items})  # type: ignore[arg-type]
        conn.execute(FILL_DONE.replace(" % ", " %% "), {"n": items // 2})  # type: ignore[arg-type]
        conn.execute("VACUUM ANALYZE")  # every table the fill touched (work_items, desk_items, counts)
    return url


def sign_in(base_url: str, name: str) -> httpx.Client:
    client = httpx.Client(base_url=base_url, timeout=30)
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token, "no CSRF token on the sign-in page"
    reply = client.post("/login", data={"csrf_token": token.group(1), "brugernavn": name, "adgangskode": PASSWORD,
                                        "next": "/"})
    assert reply.status_code == 303, reply.text[:300]
    return client


def server_ms(reply: httpx.Response) -> float:
    timing = reply.headers.get("server-timing", "")
    found = re.search(r"dur=([0-9.]+)", timing)
    assert reply.status_code == 200 and found, (reply.status_code, timing)
    return float(found.group(1))


def next_link(html: str) -> str | None:
    found = re.search(r'href="/(\?[^"]*side=[A-Za-z0-9_-]{12,}[^"]*)"[^>]*>Næste', html)
    return found.group(1).replace("&amp;", "&") if found else None


def cases(client: httpx.Client) -> dict[str, str]:
    """The list-page URLs measured: filters, sorts, and pages deep into the list."""
    urls = {
        "first page (caseworker, both processes)": "/",
        "reason filter": "/?aarsag=income_deviation",
        "process filter": "/?proces=negative_pay",
        "organisation filter": "/?organisation=B%C3%B8rn+og+Familie",
        "period filter": "/?periode=2026-03",
        "assigned to me": "/?tildelt=mig",
        "unassigned, older than 7 days": "/?tildelt=ingen&alder=7",
        "sorted by reason, descending": "/?sorter=aarsag&retning=faldende",
        "sorted by assignee": "/?sorter=tildelt",
        "last page": "/?side=sidste",
        "htmx partial (filter change)": "/?proces=flex_wage&aarsag=no_income",
    }
    link, html = "/", client.get("/").text
    for _ in range(40):  # page 41: follow "next" forty times
        nxt = next_link(html)
        assert nxt, "no next link"
        link = "/" + nxt
        html = client.get(link).text
    urls["page 41 (keyset, after 40 × next)"] = link
    return urls


def measure(base_url: str, rounds: int) -> dict[str, Any]:
    results: dict[str, list[float]] = {}
    caseworker = sign_in(base_url, "kmj")
    auditor = sign_in(base_url, "revisor")
    plan = [(label, caseworker, url) for label, url in cases(caseworker).items()]
    plan.append(("first page (auditor, everything)", auditor, "/"))
    for label, client, url in plan:  # warm up: templates compiled, plans cached, facets cached
        headers = {"HX-Request": "true", "HX-Target": "liste"} if "htmx" in label else {}
        client.get(url, headers=headers)
    for _ in range(rounds):
        for label, client, url in plan:
            headers = {"HX-Request": "true", "HX-Target": "liste"} if "htmx" in label else {}
            results.setdefault(label, []).append(server_ms(client.get(url, headers=headers)))
    every = [ms for values in results.values() for ms in values]
    return {
        "cases": {label: {"median_ms": round(statistics.median(v), 2),
                          "p95_ms": round(sorted(v)[max(0, int(len(v) * 0.95) - 1)], 2), "n": len(v)}
                  for label, v in results.items()},
        "median_ms": round(statistics.median(every), 2),
        "p95_ms": round(sorted(every)[int(len(every) * 0.95) - 1], 2),
        "requests": len(every),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000, help="manual items in the queue")
    parser.add_argument("--rounds", type=int, default=30, help="requests per case")
    parser.add_argument("--admin-url", default=ADMIN_URL, help="a PostgreSQL maintenance database")
    parser.add_argument("--json", action="store_true", help="machine output")
    parser.add_argument("--keep", action="store_true", help="keep the database (its URL is printed) to study plans")
    args = parser.parse_args()
    base = args.admin_url.rsplit("/", 1)[0]
    with psycopg.connect(args.admin_url, autocommit=True) as admin:
        started = time.perf_counter()
        url = build(admin, base, args.items)
        fill_seconds = time.perf_counter() - started
        try:
            backend = connect(url)
            with DeskServer(backend) as server:
                report = measure(server.base_url, args.rounds)
            backend.close()
        finally:
            if args.keep:
                print(f"kept: {url}", file=sys.stderr)
            else:
                admin.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
    report.update({"items": args.items, "database": "postgresql", "fill_seconds": round(fill_seconds, 1)})
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
        return 0
    print(f"desk list page, {args.items:,} manual items on PostgreSQL (+{args.items // 2:,} done), "
          f"{args.rounds} requests per case; server time (Server-Timing) in ms")
    print(f"{'case':48} {'median':>8} {'p95':>8}")
    for label, figures in report["cases"].items():
        print(f"{label:48} {figures['median_ms']:8.1f} {figures['p95_ms']:8.1f}")
    print(f"{'all requests':48} {report['median_ms']:8.1f} {report['p95_ms']:8.1f}   "
          f"({report['requests']} requests; filling took {report['fill_seconds']} s)")
    print(f"median list-page server time: {report['median_ms']:.1f} ms "
          f"({'under' if report['median_ms'] < 100 else 'OVER'} the 100 ms target)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
