"""Termination letters (fratrædelse, ansøgt afsked): resignations from the self-service inbox.

RULES.md section 4. The producer queues one item per open resignation case in the inbox (the
reference is the case id). The consumer checks the requested leaving date against the notice
rules (one month to the end of a month, civil servants three); an earlier date needs the
manager's agreement and goes to a caseworker. Otherwise it registers the termination in payroll,
writes the confirmation letter from the Word template for the employee's pay type, converts it
to PDF with LibreOffice, files it in the employee's personnel file in the ESDH archive, sends it
through the digital-post outbox and marks the inbox case handled. Every side effect looks first,
so a retried item does nothing twice.
"""

from __future__ import annotations

from pydantic import Field

from robots.queue import QueueSpec
from robots.runtime import Process, ProcessConfig

from .reasons import REASONS

QUEUE = "termination_letters.cases"


class Config(ProcessConfig):
    """conf/processes/termination_letters.toml: notice rules, the letter's sender and contact person."""

    notice_months: int = Field(1, ge=1, le=12)
    civil_servant_notice_months: int = Field(3, ge=1, le=12)
    reason_code: str = Field("01", pattern=r"^0[1-6]$")
    municipality: str = Field("Vesterå Kommune", min_length=1)
    sender_unit: str = Field("HR og Løn", min_length=1)
    contact_name: str = Field("Lene Holm", min_length=1)
    contact_title: str = Field("lønkonsulent", min_length=1)
    contact_phone: str = Field("72 10 45 00", min_length=1)
    contact_email: str = Field("loen@vesteraa.dk", pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    letter_subject: str = Field("Bekræftelse af din opsigelse", min_length=1, max_length=120)
    archive_doc_type: str = Field("fratraedelse", min_length=1)
    soffice_path: str = ""  # empty: `soffice` on PATH (Debian's libreoffice-writer-nogui)
    conversion_timeout_seconds: float = Field(120, gt=0, le=900)


PROCESS = Process(
    "termination_letters", "Termination letters (fratrædelse, ansøgt afsked)",
    reasons=REASONS,
    config_model=Config,
    queues=[
        QueueSpec(QUEUE, description="Resignations from the self-service inbox: register, write, file and send",
                  max_attempts=3, lease_seconds=180, backoff_seconds=5, backoff_max_seconds=120),
    ],
    schedule="30 7 * * 1-5",  # weekdays 07:30 Europe/Copenhagen; conf/schedules.toml may override it
)
