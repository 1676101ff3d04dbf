"""``robots report negative-pay``: the overview workbook from the queue, as payroll staff read it (in Danish)."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner

from processes.negative_pay import CASES, INVOICES, PROCESS
from robots.cli import cli
from robots.queue import ErrorKind, NewItem, QueueBackend, connect

WORKER = "test-worker"
CPR = re.compile(r"\b\d{6}-?\d{4}\b")


def case(run_id: str, run_date: str, employee_no: str, kind: str, amount_ore: int, org: str = "2101",
         pay_type: str = "monthly") -> NewItem:
    """A case item as the producer makes it."""
    organisation = {"2101": "2101 Østre Skole", "3301": "3301 Plejecenter Solhaven"}[org]
    return NewItem(f"{run_id}:{employee_no}:{kind}", {
        "run_id": run_id, "run_kind": "ordinary" if run_id.startswith("L") else "aperiodic",
        "run_period": run_date[:7], "run_date": run_date, "employee_no": employee_no,
        "cpr": f"4{employee_no[-5:]}-{employee_no[-4:]}", "name": f"Medarbejder {employee_no}",
        "organisation": organisation, "org_code": org, "pay_type": pay_type, "kind": kind,
        "lines": [{"line_id": f"N{employee_no}", "amount_ore": amount_ore}], "amount_ore": amount_ore,
    })


def finish(backend: QueueBackend, queue: str, new: NewItem, outcome: str, **details: Any) -> int:
    """Add one item and take it to ``outcome``: new (left alone), done (with output) or manual (reason)."""
    if outcome == "new":  # waiting (not claimable today, so the other items' claims do not take it)
        return backend.add(queue, [replace(new, not_before=datetime.now(UTC) + timedelta(days=1))]).added[new.reference]
    item_id = backend.add(queue, [new]).added[new.reference]
    claimed = backend.claim_one(queue, WORKER)
    assert claimed is not None and claimed.id == item_id
    if outcome == "done":
        backend.complete(item_id, WORKER, details.get("output", {}))
    else:
        backend.fail(item_id, WORKER, ErrorKind.BUSINESS, details["reason"], "a sentence for the caseworker")
    return item_id


def invoice_item(new: NewItem) -> NewItem:
    p = new.payload
    return NewItem(f"{p['run_id']}:{p['employee_no']}", {"case_reference": new.reference,
                                                         "reference": f"NEG-{p['run_id']}-{p['employee_no']}"})


@pytest.fixture()
def queue_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> QueueBackend:
    """A fresh queue with the cases of two runs in every state, and one case of an older run."""
    monkeypatch.setenv("ROBOTS_DATABASE_URL", f"sqlite:///{tmp_path / 'report.sqlite3'}")
    monkeypatch.chdir(tmp_path)
    backend = connect()
    backend.upgrade()
    for spec in PROCESS.queues:
        backend.define_queue(spec)
    carried = case("L202409", "2024-09-22", "100001", "net_pay", -123_456)
    finish(backend, CASES, carried, "done", output={"decision": "carry_forward", "code": "simple"})
    invoiced = case("L202409", "2024-09-22", "100002", "net_pay", -250_000, pay_type="hourly")
    finish(backend, CASES, invoiced, "done", output={"decision": "invoice", "code": "left"})
    finish(backend, INVOICES, invoice_item(invoiced), "done",
           output={"invoice_no": "9000123", "due_date": "2024-11-07", "amount_ore": 250_000})
    waiting = case("L202409", "2024-09-22", "100003", "holiday_pay", -40_000)
    finish(backend, CASES, waiting, "done", output={"decision": "invoice", "code": "left"})
    finish(backend, INVOICES, invoice_item(waiting), "new")
    finish(backend, CASES, case("L202409", "2024-09-22", "100004", "net_pay", -900_000, org="3301"), "manual",
           reason="large_amount")
    refused = case("A20241003", "2024-10-03", "100006", "net_pay", -60_000, org="3301", pay_type="hourly")
    finish(backend, CASES, refused, "done", output={"decision": "invoice", "code": "left"})
    finish(backend, INVOICES, invoice_item(refused), "manual", reason="duplicate_invoices")
    resolved = finish(backend, CASES, case("A20241003", "2024-10-03", "100007", "net_pay", -5_000), "manual",
                      reason="recurring")
    backend.resolve(resolved, "caseworker", "done", "set off by hand")
    finish(backend, CASES, case("L202407", "2024-07-22", "100008", "net_pay", -7_000), "done",
           output={"decision": "carry_forward", "code": "simple"})  # before the period
    finish(backend, CASES, case("A20241003", "2024-10-03", "100005", "net_pay", -10_000, org="3301"), "new")
    yield backend
    backend.close()


def report(*args: str, ok: bool = True) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["report", "negative-pay", *args], catch_exceptions=False)
    if ok:
        assert result.exit_code == 0, result.output
    return result.exit_code, result.output


def rows(path: Path, sheet: str) -> list[dict[str, Any]]:
    ws = openpyxl.load_workbook(path)[sheet]
    values = list(ws.iter_rows(values_only=True))
    return [dict(zip(values[0], row, strict=True)) for row in values[1:]]


def test_the_overview_lists_every_case_of_the_period_with_its_status(queue_db: QueueBackend, tmp_path: Path) -> None:
    out = tmp_path / "overview.xlsx"
    _, text = report("--from", "2024-09-01", "--to", "2024-10-31", "--output", str(out), "--json")
    summary = json.loads(text)
    assert summary == {"output": str(out), "cases": 7, "amount_ore": -1_388_456,
                       "by_status": {"pending": 1, "carried_forward": 1, "marked_for_invoice": 1, "invoiced": 1,
                                     "manual": 2, "resolved": 1}}
    cases = {r["Medarbejdernr."]: r for r in rows(out, "Sager")}
    assert set(cases) == {f"10000{i}" for i in range(1, 8)}  # 100008's run lies before the period
    # Status and reason in Danish; a reason code shows as the caseworker desk's label.
    assert {no: (r["Status"], r["Årsag"]) for no, r in cases.items()} == {
        "100001": ("Overført til næste løn", "Under beløbsgrænsen og ikke negativ ved forrige lønkørsel"),
        "100002": ("Faktureret", "Fratrådt"),
        "100003": ("Markeret til faktura", "Fratrådt"),
        "100004": ("Manuel behandling", "Beløbet er over grænsen"),
        "100005": ("Afventer", None),
        "100006": ("Manuel behandling", "Faktura: Der findes flere fakturaer"),
        "100007": ("Løst af sagsbehandler", "Løst manuelt"),
    }
    invoiced = cases["100002"]
    assert invoiced["Fakturanr."] == "9000123" and invoiced["Forfaldsdato"] == datetime(2024, 11, 7)
    assert invoiced["Lønform"] == "Timeløn" and invoiced["Organisation"] == "Østre Skole"
    assert invoiced["Beløb (kr.)"] == -2500 and invoiced["Kørselsdato"] == datetime(2024, 9, 22)
    assert invoiced["Lønkørsel"] == "L202409" and invoiced["Lønperiode"] == "2024-09"
    assert cases["100003"]["Art"] == "Negative feriepenge" and cases["100001"]["Art"] == "Negativ nettoløn"
    assert cases["100005"]["Kørselstype"] == "Aperiodisk" and cases["100001"]["Kørselstype"] == "Ordinær"
    assert cases["100001"]["Lønform"] == "Månedsløn" and cases["100001"]["Navn"] == "Medarbejder 100001"
    assert cases["100001"]["CPR (maskeret)"] == "400001-XXXX" and cases["100001"]["Org.kode"] == "2101"
    assert re.fullmatch(r"\d\d-\d\d-\d{4} \d\d:\d\d", cases["100001"]["Senest ændret"])


def test_the_workbook_is_readable_and_holds_no_cpr_number(queue_db: QueueBackend, tmp_path: Path) -> None:
    out = tmp_path / "overview.xlsx"
    report("--from", "2024-09-01", "--to", "2024-10-31", "--output", str(out))
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Sager", "Oversigt", "Rapport"]
    for ws in wb.worksheets:
        for row in ws.iter_rows(values_only=True):
            assert not [v for v in row if isinstance(v, str) and CPR.search(v)], row  # masked everywhere
    cases = wb["Sager"]
    headers = [c.value for c in cases[1]]
    assert headers == ["Lønkørsel", "Kørselstype", "Lønperiode", "Kørselsdato", "Medarbejdernr.", "CPR (maskeret)",
                       "Navn", "Org.kode", "Organisation", "Lønform", "Art", "Beløb (kr.)", "Status", "Årsag",
                       "Fakturanr.", "Forfaldsdato", "Senest ændret"]
    amount = cases.cell(row=2, column=headers.index("Beløb (kr.)") + 1)
    assert isinstance(amount.value, int | float) and '"kr."' in amount.number_format  # a number, shown as kroner
    assert cases.cell(row=2, column=headers.index("Kørselsdato") + 1).number_format == "dd-mm-yyyy"
    assert cases.cell(row=3, column=headers.index("Forfaldsdato") + 1).number_format == "dd-mm-yyyy"
    widths = {h: cases.column_dimensions[openpyxl.utils.get_column_letter(i)].width for i, h in enumerate(headers, 1)}
    assert widths["Organisation"] >= len("Plejecenter Solhaven") and widths["Navn"] >= len("Medarbejder 100001")
    assert cases.freeze_panes == "A2" and cases.auto_filter.ref
    about = dict(wb["Rapport"].iter_rows(values_only=True))
    assert about.pop("Oplysning") == "Værdi"
    assert re.fullmatch(r"\d\d-\d\d-\d{4} \d\d:\d\d", about.pop("Dannet"))
    assert about == {"Rapport": "Oversigt over negativ løn", "Kørselsdato fra": "01-09-2024",
                     "Kørselsdato til": "31-10-2024", "Organisation": "alle", "Lønform": "alle", "Sager": "7",
                     "Bemærk": "CPR-numre er maskeret (DDMMÅÅ-XXXX); beløbene er negative resultater i kroner."}


def test_the_summary_is_per_organisation_and_pay_type(queue_db: QueueBackend, tmp_path: Path) -> None:
    out = tmp_path / "overview.xlsx"
    report("--from", "2024-09-01", "--to", "2024-10-31", "--output", str(out))
    summary = {(r["Org.kode"], r["Lønform"]): r for r in rows(out, "Oversigt")}
    assert list(summary) == [("2101", "Timeløn"), ("2101", "Månedsløn"), ("3301", "Timeløn"), ("3301", "Månedsløn"),
                             ("I alt", None)]
    monthly = summary[("2101", "Månedsløn")]  # carried 100001, marked 100003, resolved 100007
    assert monthly["Organisation"] == "Østre Skole"
    assert (monthly["Sager"], monthly["Overført til næste løn"], monthly["Markeret til faktura"],
            monthly["Løst af sagsbehandler"], monthly["Faktureret"], monthly["Afventer"],
            monthly["Annulleret"]) == (3, 1, 1, 1, 0, 0, 0)
    assert monthly["Beløb (kr.)"] == pytest.approx(-1684.56)
    assert monthly["Overført til næste løn (kr.)"] == pytest.approx(-1234.56)
    total = summary[("I alt", None)]
    assert total["Sager"] == 7 and total["Manuel behandling"] == 2 and total["Beløb (kr.)"] == pytest.approx(-13884.56)


@pytest.mark.parametrize(("args", "employees"), [
    (["--org", "3301"], {"100004", "100005", "100006"}),
    (["--pay-type", "hourly"], {"100002", "100006"}),
    (["--org", "2101", "--pay-type", "monthly"], {"100001", "100003", "100007"}),
    (["--from", "2024-07-01", "--to", "2024-07-31"], {"100008"}),
    (["--org", "9999"], set()),
])
def test_filters(queue_db: QueueBackend, tmp_path: Path, args: list[str], employees: set[str]) -> None:
    out = tmp_path / "filtered.xlsx"
    period = [] if "--from" in args else ["--from", "2024-09-01", "--to", "2024-10-31"]
    report(*period, *args, "--output", str(out))
    assert {r["Medarbejdernr."] for r in rows(out, "Sager")} == employees


def test_default_file_name_and_text_output(queue_db: QueueBackend, tmp_path: Path) -> None:
    _, text = report("--from", "2024-10-01", "--to", "2024-10-31")
    assert text.strip() == ("negative-pay_2024-10-01_2024-10-31.xlsx: 3 sager "
                            "(afventer 1, manuel behandling 1, løst af sagsbehandler 1)")
    assert (tmp_path / "negative-pay_2024-10-01_2024-10-31.xlsx").is_file()
    _, text = report("--from", "2024-07-01", "--to", "2024-07-31")
    assert text.strip() == "negative-pay_2024-07-01_2024-07-31.xlsx: 1 sag (overført til næste løn 1)"
    _, text = report("--from", "2024-01-01", "--to", "2024-01-31")
    assert text.strip() == "negative-pay_2024-01-01_2024-01-31.xlsx: 0 sager (ingen)"


@pytest.mark.parametrize(("args", "message"), [
    (["--from", "2024-10-31", "--to", "2024-10-01"], "the period is empty: from 31-10-2024 is after to 01-10-2024"),
    (["--from", "01-10-2024", "--to", "2024-10-31"], "--from: not a date (YYYY-MM-DD expected): '01-10-2024'"),
    (["--from", "2024-10-01", "--to", "2024-10-31", "--output", "x.csv"],
     "--output: the report is an Excel workbook, give a .xlsx file name (got 'x.csv')"),
])
def test_errors_are_one_line(queue_db: QueueBackend, args: list[str], message: str) -> None:
    code, output = report(*args, ok=False)
    assert code == 1
    assert output.strip() == f"robots: error: {message}"


@pytest.mark.parametrize(("reason", "shown"), [
    ("", ""),
    ("simple", "Under beløbsgrænsen og ikke negativ ved forrige lønkørsel"),
    ("no_future_pay", "Ingen fremtidig løn"),
    ("negative_holiday_pay", "Negative feriepenge"),  # the caseworker desk's labels
    ("recurring", "Negativ igen (også ved sidste lønkørsel)"),
    ("invoice: retries_exhausted", "Faktura: Systemfejl – forsøg opbrugt"),
    ("invoice cancelled", "Fakturaen er annulleret"),
    ("cancelled", "Annulleret af sagsbehandler"),
    ("some_new_code", "some_new_code"),  # an unknown code is shown as it is, not lost
])
def test_reasons_are_shown_in_danish(reason: str, shown: str) -> None:
    from processes.negative_pay.report import reason_text

    assert reason_text(reason) == shown
