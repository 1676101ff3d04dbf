"""Look before you act, made deterministic: the archive and the outbox lose the answer to the first upload.

A stand-in for each JSON API (httpx.MockTransport) does the action and then answers HTTP 500, as
the simulators' ``lost_response_rate`` does at random. The client must find its own document or
message on the retry and record it, never upload or send a second one.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import parse_qs

import httpx

from processes.termination_letters.systems import DigitalPost, Esdh
from robots.runtime import TransientError

CPR = "450879-1234"
PDF = b"%PDF-1.7 brev"


@dataclass
class LosingApi:
    """Keeps what was posted; the first POST is done but its answer lost (HTTP 500)."""

    posted: list[dict[str, Any]] = field(default_factory=list)
    lose_next_post: bool = True

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.endswith("/oauth/token"):
            return httpx.Response(200, json={"access_token": "token", "token_type": "Bearer", "expires_in": 900})
        if request.method == "GET":
            query = {k: v[0] for k, v in parse_qs(request.url.query.decode()).items()}
            items = [p for p in self.posted if all(p.get(k) == v for k, v in query.items()
                                                   if k in ("reference", "doc_type"))]
            return httpx.Response(200, json={"items": items, "page": 1, "next_page": None})
        fields = dict(re.findall(rb'name="([^"]+)"[^\r]*\r\n(?:Content-Type: [^\r]*\r\n)?\r\n(.*?)\r\n--',
                                 request.read(), re.S))
        number = f"X{len(self.posted) + 1}"
        record = {k.decode(): v.decode() for k, v in fields.items() if k != b"file"}
        record |= {"id": number, "doc_id": number, "message_id": number, "title": record.get("title", "")}
        self.posted.append(record)
        if self.lose_next_post:
            self.lose_next_post = False
            return httpx.Response(500, json={"error": "internal_error", "message": "Internal server error"})
        return httpx.Response(201, json=record)


class Ctx:
    """The little of a StepContext an API client uses, with a plain retry of transient errors."""

    def __init__(self, api: LosingApi) -> None:
        self.api = api
        self.session = self
        self.state: dict[str, Any] = {}
        self.retries = 0

    def system_url(self, system: str) -> str:
        return f"http://sim.test/{system}/"

    def http(self, base: str) -> httpx.Client:
        return httpx.Client(base_url=base, transport=httpx.MockTransport(self.api))

    def credential(self, name: str) -> Any:
        return type("Credential", (), {"username": "robot", "secret": "secret"})()

    def retry(self, fn: Any, *, what: str = "") -> Any:
        for _ in range(3):
            try:
                return fn()
            except TransientError:
                self.retries += 1
        return fn()


def test_a_lost_answer_to_the_upload_finds_the_archived_letter_instead_of_filing_it_twice() -> None:
    api = LosingApi()
    ctx = Ctx(api)
    doc, before = Esdh(ctx).file_letter(
        CPR, title="Bekræftelse af opsigelse SAG-2024-000011", key="SAG-2024-000011", doc_type="fratraedelse",
        pdf=PDF, filename="brev.pdf", doc_date=date(2024, 10, 8))
    assert ctx.retries == 1 and before is True
    assert len(api.posted) == 1 and doc["doc_id"] == "X1" and api.posted[0]["doc_type"] == "fratraedelse"
    # Asked again (a retried item): found, nothing filed.
    assert Esdh(ctx).file_letter(CPR, title="t", key="SAG-2024-000011", doc_type="fratraedelse", pdf=PDF,
                                 filename="brev.pdf", doc_date=date(2024, 10, 8))[1] is True
    assert len(api.posted) == 1


def test_a_lost_answer_to_the_post_finds_the_sent_letter_instead_of_sending_it_twice() -> None:
    api = LosingApi()
    ctx = Ctx(api)
    message, before = DigitalPost(ctx).send_letter(CPR, subject="Bekræftelse af din opsigelse",
                                                   reference="SAG-2024-000011", pdf=PDF, filename="brev.pdf")
    assert ctx.retries == 1 and before is True and len(api.posted) == 1
    assert message["reference"] == "SAG-2024-000011" and api.posted[0]["cpr"] == CPR
    other, before = DigitalPost(ctx).send_letter(CPR, subject="s", reference="SAG-2024-000012", pdf=PDF,
                                                 filename="brev.pdf")
    assert before is False and len(api.posted) == 2 and json.dumps(other)
