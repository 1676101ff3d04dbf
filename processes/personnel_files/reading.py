"""Reading a document's text: Word via python-docx, PDFs via their text layer, OCR for the rest.

- ``.docx``: paragraphs, tables, headers and footers (the footer names the personnel file);
- PDF: each page's text layer (pypdf); a page without one is rendered (pypdfium2) and OCR'd;
- TIFF (and other images): every frame OCR'd.

OCR is Debian's ``tesseract`` binary, run as a subprocess with ``OMP_THREAD_LIMIT=1`` so that N
worker processes on N cores do not oversubscribe the machine (tesseract's OpenMP would otherwise
start a thread per core in every worker). The same bytes always give the same text, so results
are kept in a small per-process cache keyed by the content's SHA-256 (an item retried after an
application error does not OCR its scans again).
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import subprocess
import time
import zipfile
from collections import OrderedDict
from dataclasses import dataclass
from threading import Lock

PDF_RENDER_DPI = 150  # scans in the archive are 150 dpi; rendering finer only slows tesseract down
MIN_TEXT_LAYER_CHARS = 25  # a page with less text than this is treated as an image


class UnreadableDocument(Exception):
    """The bytes are not a document we can read (damaged, encrypted, unknown format, OCR failed).

    The message is Danish: it ends up in the sentence a caseworker reads.
    """


@dataclass(frozen=True)
class OcrSettings:
    language: str = "dan"
    timeout_seconds: float = 120.0
    threads: int = 1
    binary: str = "tesseract"


@dataclass(frozen=True)
class ReadResult:
    text: str
    method: str  # "docx" | "pdf_text" | "ocr"
    pages: int
    ocr_pages: int
    seconds: float

    @property
    def is_scan(self) -> bool:
        return self.ocr_pages > 0


_CACHE: OrderedDict[str, ReadResult] = OrderedDict()
_CACHE_LOCK = Lock()
_CACHE_SIZE = 256


def sniff(content: bytes) -> str:
    """The format of ``content`` by its first bytes: "docx", "pdf", "tiff", "image" or "unknown"."""
    if content.startswith(b"%PDF-"):
        return "pdf"
    if content.startswith(b"PK\x03\x04"):
        return "docx"
    if content[:4] in (b"II*\x00", b"MM\x00*"):
        return "tiff"
    if content[:8] == b"\x89PNG\r\n\x1a\n" or content[:3] == b"\xff\xd8\xff":
        return "image"
    return "unknown"


def read_document(content: bytes, ocr: OcrSettings | None = None) -> ReadResult:
    """The text of a document (any supported format), from the cache when seen before."""
    key = hashlib.sha256(content).hexdigest()
    with _CACHE_LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    result = _read(content, ocr or OcrSettings())
    with _CACHE_LOCK:
        _CACHE[key] = result
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return result


def _read(content: bytes, ocr: OcrSettings) -> ReadResult:
    started = time.perf_counter()
    kind = sniff(content)
    if kind == "docx":
        text, method, pages, ocr_pages = _docx_text(content), "docx", 1, 0
    elif kind == "pdf":
        text, pages, ocr_pages = _pdf_text(content, ocr)
        method = "ocr" if ocr_pages else "pdf_text"
    elif kind in ("tiff", "image"):
        text, pages = _image_text(content, ocr)
        method, ocr_pages = "ocr", pages
    else:
        raise UnreadableDocument("ikke en Word-, PDF- eller billedfil")
    return ReadResult(text.strip(), method, pages, ocr_pages, round(time.perf_counter() - started, 3))


def _docx_text(content: bytes) -> str:
    from docx import Document

    try:
        document = Document(io.BytesIO(content))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise UnreadableDocument(f"beskadiget Word-fil ({type(exc).__name__})") from None
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts.extend(cell.text for row in table.rows for cell in row.cells)
    for section in document.sections:
        for part in (section.header, section.footer):
            parts.extend(p.text for p in part.paragraphs)
    return "\n".join(p for p in parts if p.strip())


def _pdf_text(content: bytes, ocr: OcrSettings) -> tuple[str, int, int]:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(content))
        if reader.is_encrypted:
            raise UnreadableDocument("PDF-filen er krypteret")
        layers = [page.extract_text() or "" for page in reader.pages]
    except PdfReadError as exc:
        raise UnreadableDocument(f"beskadiget PDF-fil ({exc})") from None
    image_pages = [n for n, text in enumerate(layers) if len(text.strip()) < MIN_TEXT_LAYER_CHARS]
    if image_pages:
        for n, text in zip(image_pages, _render_and_ocr(content, image_pages, ocr), strict=True):
            layers[n] = text
    return "\n".join(layers), len(layers), len(image_pages)


def _render_and_ocr(content: bytes, page_numbers: list[int], ocr: OcrSettings) -> list[str]:
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(content)
    except pdfium.PdfiumError as exc:
        raise UnreadableDocument(f"PDF-filen kan ikke gengives til OCR ({exc})") from None
    try:
        texts = []
        for n in page_numbers:
            image = pdf[n].render(scale=PDF_RENDER_DPI / 72, grayscale=True).to_pil()
            texts.append(ocr_image(image, ocr, dpi=PDF_RENDER_DPI))
        return texts
    finally:
        pdf.close()


def _image_text(content: bytes, ocr: OcrSettings) -> tuple[str, int]:
    from PIL import Image, ImageSequence, UnidentifiedImageError

    try:
        image = Image.open(io.BytesIO(content))
        frames = [frame.copy() for frame in ImageSequence.Iterator(image)]
    except (UnidentifiedImageError, OSError) as exc:
        raise UnreadableDocument(f"beskadiget billedfil ({exc})") from None
    dpi = image.info.get("dpi", (PDF_RENDER_DPI, PDF_RENDER_DPI))[0] or PDF_RENDER_DPI
    return "\n".join(ocr_image(frame, ocr, dpi=round(float(dpi))) for frame in frames), len(frames)


def ocr_image(image: object, ocr: OcrSettings, dpi: int = PDF_RENDER_DPI) -> str:
    """OCR one page image (a PIL image) with tesseract; UnreadableDocument when tesseract fails."""
    binary = shutil.which(ocr.binary)
    if binary is None:
        raise RuntimeError(f"OCR kræver programmet {ocr.binary!r} (Debian: apt-get install tesseract-ocr-dan)")
    raw = io.BytesIO()
    image.save(raw, format="PNG")  # type: ignore[attr-defined]
    env = {**os.environ, "OMP_THREAD_LIMIT": str(ocr.threads)}
    try:
        done = subprocess.run([binary, "stdin", "stdout", "-l", ocr.language, "--dpi", str(dpi)],
                              input=raw.getvalue(), capture_output=True, timeout=ocr.timeout_seconds, env=env,
                              check=False)
    except subprocess.TimeoutExpired:
        raise UnreadableDocument(f"OCR tog længere end {ocr.timeout_seconds:.0f} sek.") from None
    if done.returncode != 0:
        tail = done.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["ingen besked"]
        raise UnreadableDocument(f"OCR mislykkedes (tesseract sluttede med kode {done.returncode}: {tail[0][:120]})")
    return done.stdout.decode("utf-8", errors="replace")


def clear_cache() -> None:
    """Forget cached texts (tests and benchmarks that want to measure the reading itself)."""
    with _CACHE_LOCK:
        _CACHE.clear()
