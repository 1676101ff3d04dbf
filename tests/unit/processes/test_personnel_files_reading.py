"""Reading documents (Word, PDF text layer, OCR of scans and image-only PDFs) and the shipped classifier."""

from __future__ import annotations

import io
import subprocess
from typing import Any

import pytest

from processes.personnel_files import reading
from processes.personnel_files.classifier import MODEL_PATH, DocumentClassifier, load_classifier, normalise
from processes.personnel_files.corpus import DEFAULT_SEED
from processes.personnel_files.reading import OcrSettings, UnreadableDocument, read_document
from processes.personnel_files.textfacts import cpr_numbers, mentions_name
from simulators.documents import page_image, render
from simulators.settings import SimSettings
from simulators.state import SimState

TEST_SEED = 4  # a test population: never the corpus's seed


@pytest.fixture(scope="module")
def state() -> SimState:
    assert TEST_SEED != DEFAULT_SEED
    return SimState(SimSettings(seed=TEST_SEED, employees=30, citizens=5, docs_per_file=8, password="x"))


def first(state: SimState, fmt: str, kind: str | None = None) -> Any:
    return next(d for d in state.documents.values() if d.fmt == fmt and (kind is None or d.true_type == kind)
                and d.doc_type == d.true_type and d.file_cpr == d.true_owner_cpr)


@pytest.mark.parametrize(("fmt", "method"), [("docx", "docx"), ("pdf_text", "pdf_text"), ("pdf_image", "ocr"),
                                             ("tiff", "ocr")])
def test_every_format_is_read_and_classified_by_content(state: SimState, fmt: str, method: str) -> None:
    doc = first(state, fmt)
    content, _ = render(state, doc)
    reading.clear_cache()
    result = read_document(content)
    owner = state.employees_by_cpr[doc.true_owner_cpr]
    assert result.method == method and (result.ocr_pages == 1) is (method == "ocr")
    assert owner.cpr in cpr_numbers(result.text) and mentions_name(result.text, owner.name)
    found = load_classifier().classify(result.text)
    assert found.doc_type == doc.true_type and found.score >= 0.9, found
    assert read_document(content) is result  # the same bytes are not read twice


def test_a_pdf_with_a_text_page_and_a_scanned_page_reads_both(state: SimState) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    raw = io.BytesIO()
    pdf = canvas.Canvas(raw, pagesize=A4)
    pdf.drawString(56, 780, "Side 1: Lønaftale mellem ledelsen og tillidsrepræsentanten, indgået i år.")
    pdf.showPage()
    pdf.drawImage(ImageReader(page_image("Rigspolitiet", "Straffeattest", ["Privat straffeattest udstedt."], "x")),
                  0, 0, width=A4[0], height=A4[1])
    pdf.showPage()
    pdf.save()
    result = read_document(raw.getvalue())
    assert (result.pages, result.ocr_pages, result.method) == (2, 1, "ocr")
    assert "Lønaftale" in result.text and "Straffeattest" in result.text


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize(("content", "why"), [(b"not a document", "ikke en Word-, PDF- eller billedfil"),
                                              (b"%PDF-1.4 broken", "beskadiget PDF-fil"),
                                              (b"PK\x03\x04broken zip", "beskadiget Word-fil"),
                                              (b"II*\x00broken tiff", "beskadiget billedfil")])
def test_damaged_or_unknown_files_are_unreadable(content: bytes, why: str) -> None:
    with pytest.raises(UnreadableDocument, match=why):  # Danish: it ends up in the caseworker's sentence
        read_document(content)


def test_tesseract_runs_single_threaded_with_the_configured_language(monkeypatch: pytest.MonkeyPatch) -> None:
    from PIL import Image

    seen: dict[str, Any] = {}

    def fake_run(args: list[str], **kwargs: Any) -> subprocess.CompletedProcess[bytes]:
        seen.update(args=args, env=kwargs["env"])
        return subprocess.CompletedProcess(args, 0, b"Tekst", b"")

    monkeypatch.setattr(reading.subprocess, "run", fake_run)
    text = reading.ocr_image(Image.new("L", (50, 50), 255), OcrSettings(language="dan", threads=1), dpi=150)
    assert text == "Tekst"
    assert seen["env"]["OMP_THREAD_LIMIT"] == "1"
    assert seen["args"][1:] == ["stdin", "stdout", "-l", "dan", "--dpi", "150"]


def test_the_shipped_model_is_small_versioned_and_accurate() -> None:
    assert MODEL_PATH.stat().st_size < 5_000_000
    model = DocumentClassifier.load(MODEL_PATH)
    evaluation = model.record["evaluation"]
    assert model.version and model.record["corpus"]["documents"] >= 1000
    assert model.accuracy >= 0.97 and evaluation["accuracy"] == model.accuracy
    assert min(evaluation["per_type"].values()) >= 0.90
    assert evaluation["per_source"]["ocr"] >= 0.97 and evaluation["support"]["boerneattest"] >= 20
    assert len(model.labels) == 13 and "andet" not in model.labels


def test_the_model_sees_numbers_and_cpr_numbers_as_tokens() -> None:
    assert normalise("Udstedt den 12.03.2021 til CPR-nr. 450190-1234 (450190-XXXX)") == \
        "udstedt den 00.00.0000 til cpr-nr. cprnr ( cprnr )"
