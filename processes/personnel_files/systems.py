"""The systems the personnel-file check touches: the ESDH archive and the digital post outbox (JSON
APIs), and the payroll UI's employee search (for "all employees of organisation X").

Reads retry transient answers on their own. The two writes (re-filing a document, sending a
letter) do not: the caller wraps look + act in one ``ctx.retry`` so that an HTTP 500 after the
change was made is answered by looking again, never by doing it twice.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from robots.systems import ApiClient, LegacyWebApp, NotFound


@dataclass(frozen=True)
class EmployeeRow:
    employee_no: str
    cpr: str
    name: str
    organisation: str
    status: str


class Payroll(LegacyWebApp):
    system = "payroll"

    def search(self, term: str) -> Iterator[EmployeeRow]:
        """Every employee the payroll search finds for ``term`` (all pages)."""
        for row in self.rows("employees", q=term):
            yield EmployeeRow(row["Medarbejdernr."], row["CPR-nr."], row["Navn"], row["Organisation"], row["Status"])


class Esdh(ApiClient):
    system = "esdh"
    base_path = "api/v1/"

    def doc_type_labels(self) -> dict[str, str]:
        """code -> Danish label of every document type the archive knows."""
        return {t["code"]: t["label"] for t in self.get(f"{self.base_path}doc-types")["items"]}

    def personnel_file(self, cpr: str) -> dict[str, Any] | None:
        """The personnel file (employee, employment, manager), or None when there is none."""
        try:
            return self.get(f"{self.base_path}personnel-files/{cpr}")
        except NotFound:
            return None

    def documents(self, cpr: str) -> list[dict[str, Any]]:
        """The metadata of every document in the file, as filed."""
        return list(self.pages(f"{self.base_path}personnel-files/{cpr}/documents", page_size=100))

    def content(self, doc_id: str) -> bytes:
        """The document's bytes."""
        return self.request("GET", f"{self.base_path}documents/{doc_id}/content").content

    # -- the write: one attempt; the caller retries look + act together ----------------------------

    def metadata_once(self, doc_id: str) -> dict[str, Any]:
        return self._json(self.send("GET", f"{self.base_path}documents/{doc_id}"))

    def refile_once(self, doc_id: str, doc_type: str, title: str) -> dict[str, Any]:
        return self._json(self.send("PATCH", f"{self.base_path}documents/{doc_id}",
                                    json={"doc_type": doc_type, "title": title}))


class DigitalPost(ApiClient):
    system = "post"
    base_path = "api/v1/"

    def find_once(self, reference: str) -> dict[str, Any] | None:
        """The message already sent with ``reference`` (one attempt), or None."""
        body = self._json(self.send("GET", f"{self.base_path}messages", params={"reference": reference}))
        items = body.get("items") or []
        return items[0] if items else None

    def send_once(self, cpr: str, subject: str, reference: str, filename: str, pdf: bytes) -> dict[str, Any]:
        """Send a PDF letter (one attempt)."""
        return self._json(self.send("POST", f"{self.base_path}messages",
                                    data={"cpr": cpr, "subject": subject, "reference": reference},
                                    files={"file": (filename, pdf, "application/pdf")}))
