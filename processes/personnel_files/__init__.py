"""Personnel-file document check (gennemgå personalesag), RULES.md section 5.

For each employee (one work item each): list and download the personnel file's documents from the
ESDH archive, read them (Word, PDF text layer, OCR for scans), classify each by its content with
the trained classifier, and decide from the job what the file must hold. The robot re-files
documents whose archived type disagrees with their content when the classifier is confident, asks
the manager for each missing required document through the digital post outbox, and hands a
person everything it is not sure of (another employee's document, an unreadable or unclear one),
with the document attached and the classifier's scores.

Steps: ``produce`` (all employees of the configured organisations, from the payroll system;
nothing when the list is imported with ``robots queue import``), ``check`` (one employee per item,
run by as many workers as there are), ``report`` (the result workbook of the review).
"""

from __future__ import annotations

from pydantic import Field

from robots.queue import QueueSpec
from robots.runtime import Process, ProcessConfig

from .reasons import REASONS

QUEUE = "personnel_files.employees"
VOWELS = ["e", "a", "i", "o", "u", "y", "æ", "ø", "å"]


class Config(ProcessConfig):
    """conf/processes/personnel_files.toml (see the comments there)."""

    organisations: list[str] = Field(default_factory=list)
    search_terms: list[str] = Field(default_factory=lambda: list(VOWELS), min_length=1)
    include_former_employees: bool = False
    confident_score: float = Field(0.90, ge=0.5, le=1.0)
    model_path: str = ""
    ocr_language: str = Field("dan", pattern=r"^[a-z_+]+$")
    ocr_timeout_seconds: float = Field(120.0, gt=0, le=3600)
    ocr_threads: int = Field(1, ge=1, le=64)
    request_reference_prefix: str = Field("PF", pattern=r"^[A-Za-z0-9._-]{1,20}$")
    municipality: str = "Vesterå Kommune"
    report_dir: str = ""


PROCESS = Process(
    "personnel_files", "Personnel-file document check",
    reasons=REASONS,
    config_model=Config,
    queues=[
        QueueSpec(QUEUE, description="Employees whose personnel files are checked (one per employee)",
                  max_attempts=3, lease_seconds=600, backoff_seconds=5, backoff_max_seconds=300),
    ],
    schedule=None,  # a review is started by a person (robots run personnel_files), not by the clock
)
