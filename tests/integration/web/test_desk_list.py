"""The desk's list of manual items on SQLite and PostgreSQL: keyset paging, filters, sorting, counts."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest

from robots.queue import ErrorKind, QueueBackend, QueueSpec, Resolution
from robots.timeutil import now
from robots.web.desk import Cursor, Desk, Filters

from .conftest import add_people

REASONS = ("income_deviation", "no_income", "watch_list")


def fill(backend: QueueBackend, n_flex: int = 23, n_negative: int = 7) -> dict[str, list[int]]:
    """Manual items in two processes, some done/new ones the list must ignore; ids per queue."""
    backend.define_queue(QueueSpec("flex_wage.citizens"))
    backend.define_queue(QueueSpec("negative_pay.employees"))
    made: dict[str, list[int]] = {"flex_wage.citizens": [], "negative_pay.employees": []}
    for queue, n in (("flex_wage.citizens", n_flex), ("negative_pay.employees", n_negative)):
        for i in range(n):
            payload = {"cpr": f"{41 + i % 28:02d}0380-{i:04d}", "name": f"Borger {i}",
                       "organisation": "Nord" if i % 3 else "Syd", "period" if "negative" in queue else "income_month":
                       f"2026-0{1 + i % 2}"}
            item_id = backend.add_one(queue, f"{queue}:{i}", payload)
            claimed = backend.claim_one(queue, "robot")
            assert claimed is not None and claimed.id == item_id
            backend.fail(item_id, "robot", ErrorKind.BUSINESS, REASONS[i % 3], f"sentence {i}")
            made[queue].append(item_id)
        done_id = backend.add_one(queue, f"{queue}:done")
        backend.claim_one(queue, "robot")
        backend.complete(done_id, "robot", {})
        backend.add_one(queue, f"{queue}:new")
    return made


def walk(desk: Desk, user: object, filters: Filters, size: int) -> list[int]:
    """Every id, page by page with the 'next' cursor, checking positions along the way."""
    seen: list[int] = []
    page = desk.page(user, filters, None, size)  # type: ignore[arg-type]
    while True:
        assert page.position == len(seen) + 1
        seen.extend(r.id for r in page.rows)
        if page.next is None:
            return seen
        token = page.next.token()
        page = desk.page(user, filters, Cursor.parse(token), size)  # type: ignore[arg-type]


def test_keyset_paging_visits_each_item_once_in_every_sort(any_backend: QueueBackend) -> None:
    made = fill(any_backend)
    people = add_people(any_backend)
    desk = Desk(any_backend)
    admin = people["admin"]
    every = sorted(made["flex_wage.citizens"] + made["negative_pay.employees"])
    for sort in ("oprettet", "aarsag", "reference", "tildelt"):
        for descending in (False, True):
            filters = Filters(sort=sort, descending=descending)
            order = walk(desk, admin, filters, size=4)
            assert sorted(order) == every, (sort, descending)
            assert len(order) == len(set(order))
            first_page = desk.page(admin, filters, None, 4)
            assert first_page.total == len(every) and first_page.previous is None
    # back and forth: previous from page 3 is page 2
    filters = Filters(sort="aarsag")
    p1 = desk.page(admin, filters, None, 5)
    p2 = desk.page(admin, filters, Cursor.parse(p1.next.token()), 5)
    p3 = desk.page(admin, filters, Cursor.parse(p2.next.token()), 5)
    back = desk.page(admin, filters, Cursor.parse(p3.previous.token()), 5)
    assert [r.id for r in back.rows] == [r.id for r in p2.rows] and back.position == 6
    last = desk.page(admin, filters, Cursor.parse("sidste"), 5)
    assert last.next is None and last.position == len(every) - 4
    assert [r.id for r in last.rows] == walk(desk, admin, filters, 5)[-5:]


def test_sorting_orders_by_the_key(any_backend: QueueBackend) -> None:
    fill(any_backend)
    people = add_people(any_backend)
    desk = Desk(any_backend)
    rows = desk.page(people["admin"], Filters(sort="aarsag", descending=True), None, 100).rows
    reasons = [r.reason for r in rows]
    assert reasons == sorted(reasons, reverse=True)
    oldest_first = desk.page(people["admin"], Filters(), None, 100).rows
    assert [r.created_at for r in oldest_first] == sorted(r.created_at for r in oldest_first)


def test_filters_and_counts_per_reason(any_backend: QueueBackend) -> None:
    made = fill(any_backend)
    people = add_people(any_backend)
    desk = Desk(any_backend)
    kmj, admin = people["kmj"], people["admin"]
    flex = made["flex_wage.citizens"]
    # a flex wage caseworker sees flex wage only; counts are per reason, most first
    page = desk.page(kmj, Filters(), None, 100)
    assert sorted(r.id for r in page.rows) == flex and page.total == 23
    assert dict(page.counts) == {"income_deviation": 8, "no_income": 8, "watch_list": 7}
    assert desk.page(kmj, Filters(process="negative_pay"), None, 100).total == 0
    # reason: the rows narrow, the counts stay those of every reason
    by_reason = desk.page(admin, Filters(reason="watch_list"), None, 100)
    assert by_reason.total == 7 + 2 and {r.reason for r in by_reason.rows} == {"watch_list"}
    assert dict(by_reason.counts)["no_income"] == 8 + 2
    assert {r.organisation for r in desk.page(admin, Filters(organisation="Syd"), None, 100).rows} == {"Syd"}
    assert desk.page(admin, Filters(organisation="Syd"), None, 100).total == 8 + 3
    period = desk.page(admin, Filters(period="2026-02"), None, 100)
    assert {r.period for r in period.rows} == {"2026-02"} and period.total == 11 + 3
    assert desk.organisations() == ["Nord", "Syd"] and desk.periods() == ["2026-02", "2026-01"]
    # assignee and age
    any_backend.assign(flex[0], "desk:kmj", "kmj")
    any_backend.assign(flex[1], "desk:kmj", "pia")
    assert [r.id for r in desk.page(kmj, Filters(assignee="mig"), None, 100).rows] == [flex[0]]
    assert desk.page(kmj, Filters(assignee="ingen"), None, 100).total == 21
    assert desk.page(kmj, Filters(assignee="pia"), None, 100).total == 1
    assert desk.page(admin, Filters(age=1), None, 100).total == 0  # everything was made just now
    assert desk.page(admin, Filters(age=None), None, 100).total == 30


def test_counts_kept_by_the_triggers_match_a_count(any_backend: QueueBackend) -> None:
    """The counts table follows items into and out of manual handling (migration 0007's triggers)."""
    made = fill(any_backend)
    people = add_people(any_backend)
    desk = Desk(any_backend)
    flex = made["flex_wage.citizens"]
    any_backend.resolve(flex[0], "desk:kmj", Resolution.DONE, "done by hand")
    any_backend.resolve(flex[1], "desk:kmj", Resolution.RETRY, "again")
    any_backend.cancel(flex[2], "desk:kmj", "not needed")
    any_backend.assign(flex[3], "desk:kmj", "kmj")
    # the one sent back fails again with another reason
    claimed = any_backend.claim_one("flex_wage.citizens", "robot")
    assert claimed is not None and claimed.id == flex[1]
    any_backend.fail(flex[1], "robot", ErrorKind.BUSINESS, "first_payment", "first payment")

    def direct() -> Counter[str]:
        return Counter(i.manual_reason for i in any_backend.items(status="manual", limit=1000))

    from_table = dict(desk.counts(people["admin"], Filters()))
    counted = {r["reason"]: int(r["n"]) for r in desk.db.read(desk.db.sql["manual_counts"].format(where=""))}
    assert from_table == counted == dict(direct())
    assert from_table["first_payment"] == 1 and sum(from_table.values()) == 30 - 3 + 1
    unassigned = dict(desk.counts(people["admin"], Filters(assignee="ingen")))  # counted, not from the table
    assert sum(unassigned.values()) == 28 - 1
    kmj_only = dict(desk.counts(people["kmj"], Filters()))
    assert sum(kmj_only.values()) == 23 - 3 + 1


def test_an_item_older_than_the_age_filter_is_found(any_backend: QueueBackend) -> None:
    made = fill(any_backend, n_flex=2, n_negative=0)
    people = add_people(any_backend)
    old = made["flex_wage.citizens"][0]
    ten_days_ago = now() - timedelta(days=10)
    stamp = ten_days_ago.isoformat(timespec="microseconds")[:-6] + "Z" if any_backend.dialect == "sqlite" \
        else ten_days_ago  # type: ignore[attr-defined]
    with any_backend._write() as tx:  # type: ignore[attr-defined]
        placeholder = "?" if any_backend.dialect == "sqlite" else "%s"  # type: ignore[attr-defined]
        tx.conn.execute(f"UPDATE work_items SET created_at = {placeholder} WHERE id = {placeholder}", (stamp, old))
    page = Desk(any_backend).page(people["kmj"], Filters(age=7), None, 100)
    assert [r.id for r in page.rows] == [old]


@pytest.mark.parametrize("token", ["", "sidste", "!!!", "eyJ4Ijox", "W10", "WyJhIiwxLDIsM10"])
def test_a_bad_cursor_is_the_first_or_last_page(token: str) -> None:
    cursor = Cursor.parse(token)
    assert cursor.direction in ("first", "last")


def test_filters_from_the_query_string_ignore_nonsense() -> None:
    f = Filters.from_query({"alder": "5", "sorter": "id; drop table", "retning": "faldende", "proces": "flex_wage"})
    assert f.age is None and f.sort == "oprettet" and f.descending and f.process == "flex_wage"
    assert Filters.from_query({"alder": "7"}).age == 7
    assert Filters(process="flex_wage", age=7).query(reason="x") == "?proces=flex_wage&aarsag=x&alder=7"
