"""The JSON APIs over real HTTP: token auth, paging, rate limiting, ESDH downloads, inbox, post."""

from __future__ import annotations

import io
import shutil
import subprocess
import time

import httpx
import pytest
from docx import Document as Docx
from pypdf import PdfReader

from simulators import Simulators

from .sim_helpers import token


@pytest.fixture
def client() -> httpx.Client:
    with httpx.Client(timeout=30) as c:
        yield c


def test_token_required_and_checked(simulators: Simulators, client: httpx.Client) -> None:
    url = f"{simulators.url('eincome')}api/v1/income"
    assert client.get(url, params={"cpr": "440977-1026"}).status_code == 401
    r = client.post(f"{simulators.url('eincome')}oauth/token",
                    data={"grant_type": "client_credentials", "client_id": "robot", "client_secret": "wrong"})
    assert r.status_code == 401 and r.json()["error"] == "invalid_client"
    r = client.post(f"{simulators.url('eincome')}oauth/token", data={"grant_type": "password"})
    assert r.status_code == 400
    esdh_token = token(client, simulators, "esdh")
    assert client.get(url, params={"cpr": "440977-1026"}, headers=esdh_token).status_code == 401  # other system
    r = client.post(f"{simulators.url('eincome')}oauth/token", data={"grant_type": "client_credentials"},
                    auth=simulators.credentials)
    assert r.status_code == 200 and r.json()["token_type"] == "Bearer"


def test_token_expires(make_simulators, client: httpx.Client) -> None:
    sims = make_simulators(token_ttl_seconds=1, employees=20, citizens=10)
    headers = token(client, sims, "inbox")
    assert client.get(f"{sims.url('inbox')}api/v1/cases", headers=headers).status_code == 200
    time.sleep(1.1)
    r = client.get(f"{sims.url('inbox')}api/v1/cases", headers=headers)
    assert r.status_code == 401 and r.json()["error"] == "invalid_token"


def test_income_per_cpr_and_month_with_paging(simulators: Simulators, client: httpx.Client) -> None:
    headers = token(client, simulators, "eincome")
    truth = simulators.state.population.truth["flex"]
    several = next(t for t in truth if t["planted"] == "several_employers")
    url = f"{simulators.url('eincome')}api/v1/income"
    r = client.get(url, params={"cpr": several["cpr"], "month": several["income_month"]}, headers=headers)
    body = r.json()
    assert r.status_code == 200 and body["total_items"] == 2 and len({i["cvr"] for i in body["items"]}) == 2
    assert all(isinstance(i["a_income_ore"], int) for i in body["items"])
    seen, page = [], 1
    while page:
        r = client.get(url, params={"cpr": several["cpr"].replace("-", ""), "page": page, "page_size": 2},
                       headers=headers)
        body = r.json()
        seen += body["items"]
        page = body["next_page"]
    assert len(seen) == body["total_items"] >= 7 and body["total_pages"] == (body["total_items"] + 1) // 2
    assert client.get(url, params={"cpr": "nope"}, headers=headers).status_code == 400
    assert client.get(url, params={"cpr": several["cpr"], "page_size": 500}, headers=headers).status_code == 400
    correction = next(t for t in truth if t["planted"] == "correction")
    lines = client.get(url, params={"cpr": correction["cpr"], "month": correction["income_month"]},
                       headers=headers).json()["items"]
    assert any(ln["period_end"] < f"{correction['income_month']}-01" for ln in lines)


def test_rate_limit_answers_429(make_simulators, client: httpx.Client) -> None:
    sims = make_simulators(rate_limit_per_second=5, employees=20, citizens=10)
    headers = token(client, sims, "eincome")
    url = f"{sims.url('eincome')}api/v1/income"
    codes = [client.get(url, params={"cpr": "440977-1026"}, headers=headers).status_code for _ in range(12)]
    assert codes[:5] == [200] * 5 and 429 in codes
    r = client.get(url, params={"cpr": "440977-1026"}, headers=headers)
    if r.status_code == 429:
        assert r.headers["retry-after"] == "1" and r.json()["error"] == "rate_limited"
    time.sleep(1.05)
    assert client.get(url, params={"cpr": "440977-1026"}, headers=headers).status_code == 200


def test_esdh_lists_and_downloads_every_format(simulators: Simulators, client: httpx.Client) -> None:
    headers = token(client, simulators, "esdh")
    base = simulators.url("esdh")
    state = simulators.state
    by_fmt = {}
    for doc in state.documents.values():
        by_fmt.setdefault(doc.fmt, doc)
    emp = state.employees_by_cpr[by_fmt["docx"].file_cpr]
    info = client.get(f"{base}api/v1/personnel-files/{emp.cpr}", headers=headers).json()
    assert info["employee_no"] == emp.employee_no and info["document_count"] == len(state.files[emp.cpr])
    assert info["employment"]["contact_with_children"] == emp.contact_with_children
    assert info["employment"]["hours_per_week"] == str(emp.hours_per_week)
    assert info["manager"] is None or info["manager"]["employee_no"] == emp.manager_no
    listed = client.get(f"{base}api/v1/personnel-files/{emp.cpr}/documents", params={"page_size": 100},
                        headers=headers).json()
    assert listed["total_items"] == info["document_count"]
    assert {"doc_id", "title", "doc_type", "date", "format", "mime_type"} <= set(listed["items"][0])
    for fmt, doc in by_fmt.items():
        meta = client.get(f"{base}api/v1/documents/{doc.doc_id}", headers=headers).json()
        assert meta["format"] == {"docx": "docx", "pdf_text": "pdf", "pdf_image": "pdf", "tiff": "tiff"}[fmt]
        first = client.get(f"{base}api/v1/documents/{doc.doc_id}/content", headers=headers)
        second = client.get(f"{base}api/v1/documents/{doc.doc_id}/content", headers=headers)
        assert first.status_code == 200 and first.content == second.content
        assert first.headers["content-type"].startswith(meta["mime_type"])
        owner = state.employees_by_cpr[doc.true_owner_cpr]
        if fmt == "docx":
            assert owner.cpr in "\n".join(p.text for p in Docx(io.BytesIO(first.content)).paragraphs)
        elif fmt == "pdf_text":
            assert owner.cpr in PdfReader(io.BytesIO(first.content)).pages[0].extract_text()
        elif fmt == "pdf_image":
            assert PdfReader(io.BytesIO(first.content)).pages[0].extract_text().strip() == ""
        else:
            assert first.content[:4] == b"II*\x00"


@pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract not installed")
def test_tiff_scan_is_readable_by_tesseract(simulators: Simulators, client: httpx.Client, tmp_path) -> None:
    headers = token(client, simulators, "esdh")
    doc = next(d for d in simulators.state.documents.values() if d.fmt == "tiff")
    data = client.get(f"{simulators.url('esdh')}api/v1/documents/{doc.doc_id}/content", headers=headers).content
    path = tmp_path / "scan.tiff"
    path.write_bytes(data)
    text = subprocess.run(["tesseract", str(path), "-", "-l", "dan"], capture_output=True, text=True,
                          check=True, timeout=60).stdout
    owner = simulators.state.employees_by_cpr[doc.true_owner_cpr]
    assert owner.last_name in text and owner.cpr in text


def test_esdh_upload_retitle_and_move(make_simulators, client: httpx.Client) -> None:
    sims = make_simulators(employees=20, citizens=10)
    headers = token(client, sims, "esdh")
    base = sims.url("esdh")
    a, b = list(sims.state.employees_by_cpr)[:2]
    pdf = b"%PDF-1.4\n% test letter\n"
    r = client.post(f"{base}api/v1/personnel-files/{a}/documents", headers=headers,
                    data={"title": "Bekræftelse af opsigelse", "doc_type": "fratraedelse"},
                    files={"file": ("brev.pdf", pdf, "application/pdf")})
    assert r.status_code == 201, r.text
    doc_id = r.json()["doc_id"]
    assert client.get(f"{base}api/v1/documents/{doc_id}/content", headers=headers).content == pdf
    r = client.post(f"{base}api/v1/personnel-files/{a}/documents", headers=headers,
                    data={"title": "x", "doc_type": "nonsense"}, files={"file": ("a.pdf", pdf)})
    assert r.status_code == 422 and "ansaettelsesbrev" in r.json()["allowed"]
    r = client.post(f"{base}api/v1/personnel-files/{a}/documents", headers=headers,
                    data={"title": "x", "doc_type": "andet"}, files={"file": ("a.txt", b"hello")})
    assert r.status_code == 415
    r = client.patch(f"{base}api/v1/documents/{doc_id}", headers=headers,
                     json={"title": "Børneattest", "doc_type": "boerneattest", "cpr": b})
    assert r.status_code == 200 and r.json()["cpr"] == b and r.json()["doc_type"] == "boerneattest"
    assert doc_id in sims.state.files[b] and doc_id not in sims.state.files[a]
    assert [h.get("field") for h in sims.state.documents[doc_id].history[1:]] == ["doc_type", "title", "file_cpr"]
    assert client.patch(f"{base}api/v1/documents/{doc_id}", headers=headers, json={"owner": 1}).status_code == 400


def test_inbox_cases_and_mark_handled_once(make_simulators, client: httpx.Client) -> None:
    sims = make_simulators(employees=60, citizens=10)
    headers = token(client, sims, "inbox")
    base = sims.url("inbox")
    body = client.get(f"{base}api/v1/cases", params={"status": "open", "type": "resignation"},
                      headers=headers).json()
    assert body["total_items"] >= 1
    case = body["items"][0]
    assert case["type"] == "resignation" and "requested_leaving_date" in case["data"]
    sixth = client.get(f"{base}api/v1/cases", params={"type": "sixth_week_payout"}, headers=headers).json()
    assert all("earning_year" in c["data"] and "hours" in c["data"] for c in sixth["items"])
    r1 = client.post(f"{base}api/v1/cases/{case['case_id']}/handled", headers=headers, json={"note": "robot"})
    r2 = client.post(f"{base}api/v1/cases/{case['case_id']}/handled", headers=headers, json={"note": "again"})
    assert r1.json()["status"] == r2.json()["status"] == "handled" and r2.json()["note"] == "robot"
    assert [e["action"] for e in sims.state.events if e["system"] == "inbox"] == ["handled"]
    assert client.get(f"{base}api/v1/cases/NOPE", headers=headers).status_code == 404
    assert client.get(f"{base}api/v1/cases", params={"type": "x"}, headers=headers).status_code == 400


def test_digital_post_send_and_list(make_simulators, client: httpx.Client) -> None:
    sims = make_simulators(employees=20, citizens=10)
    headers = token(client, sims, "post")
    base = sims.url("post")
    emp = next(iter(sims.state.employees.values()))
    pdf = b"%PDF-1.4\n% letter\n"
    r = client.post(f"{base}api/v1/messages", headers=headers,
                    data={"cpr": emp.cpr, "subject": "Bekræftelse af opsigelse", "reference": "SAG-1"},
                    files={"file": ("brev.pdf", pdf, "application/pdf")})
    assert r.status_code == 201 and r.json()["channel"] in ("digital", "print")
    msg_id = r.json()["message_id"]
    listed = client.get(f"{base}api/v1/messages", params={"cpr": emp.cpr}, headers=headers).json()
    assert [m["message_id"] for m in listed["items"]] == [msg_id]
    assert client.get(f"{base}api/v1/messages", params={"reference": "SAG-1"}, headers=headers).json()[
        "total_items"] == 1
    assert client.get(f"{base}api/v1/messages/{msg_id}/content", headers=headers).content == pdf
    r = client.post(f"{base}api/v1/messages", headers=headers, data={"cpr": emp.cpr, "subject": "x"},
                    files={"file": ("a.docx", b"PK\x03\x04")})
    assert r.status_code == 415
    assert len(sims.state.messages) == 1


def test_control_api(simulators: Simulators, client: httpx.Client) -> None:
    base = simulators.base_url
    assert client.get(f"{base}/_sim/health").json()["ok"] is True
    summary = client.get(f"{base}/_sim/state").json()
    assert summary["payroll"]["employees"] == 120 and summary["benefits"]["citizens"] == 60
    flex = client.get(f"{base}/_sim/truth/flex").json()
    assert len(flex["watch_list_candidates"]) == 12 and flex["payment_month"] == "2024-10"
    files = client.get(f"{base}/_sim/truth/personnel-files").json()
    assert len(files) == 120
    assert client.get(f"{base}/_sim/truth/negative-pay").json()
    assert client.get(f"{base}/_sim/truth/inbox").json()
    assert client.get(f"{base}/_sim/records/employees").json()[0]["cpr"]
    assert "password" not in client.get(f"{base}/_sim/settings").json()
    assert client.get(f"{base}/_sim/records/nope").status_code == 404
