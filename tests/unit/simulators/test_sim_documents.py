"""Personnel-file documents render deterministically in every format and name their owner."""

from __future__ import annotations

import io
import zipfile

import pytest
from docx import Document as Docx
from PIL import Image
from pypdf import PdfReader

from simulators import SimState
from simulators import documents as rendering
from simulators.pytest_plugin import small_settings


def _first_of_each_format(state: SimState) -> dict:
    found = {}
    for doc in state.documents.values():
        found.setdefault(doc.fmt, doc)
    return found


@pytest.fixture(scope="module")
def two_states() -> tuple[SimState, SimState]:
    return SimState(small_settings()), SimState(small_settings())


@pytest.mark.parametrize("fmt", ["docx", "pdf_text", "pdf_image", "tiff"])
def test_rendering_is_byte_for_byte_identical(two_states, fmt: str) -> None:
    a, b = two_states
    doc = _first_of_each_format(a)[fmt]
    first, mime = rendering.render(a, doc)
    rendering._CACHE.clear()
    second, _ = rendering.render(b, b.documents[doc.doc_id])
    rendering._CACHE.clear()
    assert first == second
    assert mime == {"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                    "pdf_text": "application/pdf", "pdf_image": "application/pdf", "tiff": "image/tiff"}[fmt]


def test_each_format_names_the_owner(two_states) -> None:
    state = two_states[0]
    docs = _first_of_each_format(state)
    for fmt, doc in docs.items():
        owner = state.employees_by_cpr[doc.true_owner_cpr]
        data, _ = rendering.render(state, doc)
        if fmt == "docx":
            zf = zipfile.ZipFile(io.BytesIO(data))
            assert {info.date_time for info in zf.infolist()} == {(2000, 1, 1, 0, 0, 0)}
            text = "\n".join(p.text for p in Docx(io.BytesIO(data)).paragraphs)
            text += Docx(io.BytesIO(data)).sections[0].footer.paragraphs[0].text
            assert owner.name in text and owner.cpr in text
        elif fmt == "pdf_text":
            text = PdfReader(io.BytesIO(data)).pages[0].extract_text()
            assert owner.name in text and owner.cpr in text
        elif fmt == "pdf_image":
            page = PdfReader(io.BytesIO(data)).pages[0]
            assert page.extract_text().strip() == ""  # no text layer
            assert page.images, "the page is an image"
        else:
            image = Image.open(io.BytesIO(data))
            assert image.format == "TIFF" and image.mode == "1" and image.size == rendering.PAGE_PX


def test_content_is_the_true_document_not_the_filed_title() -> None:
    state = SimState(small_settings())
    truth = state.population.truth["personnel_files"]
    misfiled = next(p for entry in truth.values() for p in entry["problems"] if p["problem"] == "misfiled")
    doc = state.documents[misfiled["doc_id"]]
    assert doc.doc_type != doc.true_type
    wrong = next(p for entry in truth.values() for p in entry["problems"] if p["problem"] == "wrong_employee")
    moved = state.documents[wrong["doc_id"]]
    owner = state.employees_by_cpr[moved.true_owner_cpr]
    holder = state.employees_by_cpr[moved.file_cpr]
    assert owner.cpr != holder.cpr
    from simulators.doctext import document_text
    from simulators.util import sub_rng

    _, _, paragraphs = document_text(moved, owner, "Org", "Kommune", sub_rng(1, "x"))
    assert owner.cpr in " ".join(paragraphs) and holder.cpr not in " ".join(paragraphs)
