"""Render personnel-file documents on download: Word, PDF with and without a text layer, TIFF scans.

Rendering is deterministic from the seed and the document id: fixed timestamps in docx/pdf, a
seeded random stream for the scan noise, fonts shipped with reportlab. The same document gives
the same bytes on every call and in every process.
"""

from __future__ import annotations

import io
import zipfile
from collections import OrderedDict
from datetime import datetime, time
from pathlib import Path
from threading import Lock
from typing import TYPE_CHECKING

import reportlab
from PIL import Image, ImageDraw, ImageFont

from .doctext import document_text
from .model import MIME_TYPES, Document
from .util import sub_rng

if TYPE_CHECKING:
    from .state import SimState

FONT_DIR = Path(reportlab.__file__).parent / "fonts"
PAGE_PX = (1240, 1754)  # A4 at 150 dpi
MARGIN = 110
_CACHE: OrderedDict[tuple, bytes] = OrderedDict()
_CACHE_LOCK = Lock()
_CACHE_SIZE = 128


def _font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_DIR / ("VeraBd.ttf" if bold else "Vera.ttf")), size)


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    lines, current = [], ""
    for word in text.split():
        trial = f"{current} {word}".strip()
        if draw.textlength(trial, font=font) <= width or not current:
            current = trial
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    return lines


def page_image(sender: str, heading: str, paragraphs: list[str], footer: str) -> Image.Image:
    """The document as a greyscale A4 page image at 150 dpi."""
    img = Image.new("L", PAGE_PX, 255)
    draw = ImageDraw.Draw(img)
    small, body, head = _font(22), _font(27), _font(40, bold=True)
    width = PAGE_PX[0] - 2 * MARGIN
    y = MARGIN
    draw.text((MARGIN, y), sender, font=small, fill=0)
    y += 80
    draw.text((MARGIN, y), heading, font=head, fill=0)
    y += 85
    for para in paragraphs:
        for line in _wrap(draw, para, body, width):
            draw.text((MARGIN, y), line, font=body, fill=0)
            y += 40
        y += 22
    draw.text((MARGIN, PAGE_PX[1] - MARGIN), footer, font=small, fill=0)
    return img


def _scan(img: Image.Image, rng_seed: str) -> Image.Image:
    """A scanned look: slight rotation, specks, black and white. Still readable by Tesseract."""
    import random

    rng = random.Random(rng_seed)
    rotated = img.rotate(rng.uniform(-1.2, 1.2), resample=Image.Resampling.BILINEAR, expand=False, fillcolor=255)
    draw = ImageDraw.Draw(rotated)
    for _ in range(rng.randint(150, 400)):
        x, y = rng.randrange(PAGE_PX[0]), rng.randrange(PAGE_PX[1])
        r = rng.choice((1, 1, 1, 2))
        draw.ellipse((x, y, x + r, y + r), fill=rng.randint(0, 90))
    return rotated.point(lambda v: 255 if v > 150 else 0).convert("1")


def _docx(sender: str, heading: str, paragraphs: list[str], footer: str, stamp: datetime) -> bytes:
    from docx import Document as Docx

    document = Docx()
    props = document.core_properties
    props.author = props.last_modified_by = "HR og Løn"
    props.created = props.modified = props.last_printed = stamp
    props.revision = 1
    props.title = heading
    document.add_paragraph(sender)
    document.add_heading(heading, level=1)
    for para in paragraphs:
        document.add_paragraph(para)
    section = document.sections[0]
    section.footer.paragraphs[0].text = footer
    raw = io.BytesIO()
    document.save(raw)
    return _normalise_zip(raw.getvalue())


def _normalise_zip(data: bytes) -> bytes:
    """Rewrite a zip with fixed member timestamps (python-docx stamps the current time)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(2000, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


def _pdf_text(sender: str, heading: str, paragraphs: list[str], footer: str, title: str) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import simpleSplit
    from reportlab.pdfgen import canvas

    raw = io.BytesIO()
    pdf = canvas.Canvas(raw, pagesize=A4, invariant=1, pageCompression=1)
    pdf.setTitle(title)
    pdf.setAuthor("HR og Løn")
    width, height = A4
    x, y = 56, height - 60
    pdf.setFont("Helvetica", 9)
    pdf.drawString(x, y, sender)
    y -= 40
    pdf.setFont("Helvetica-Bold", 17)
    pdf.drawString(x, y, heading)
    y -= 34
    pdf.setFont("Helvetica", 11)
    for para in paragraphs:
        for line in simpleSplit(para, "Helvetica", 11, width - 2 * x):
            pdf.drawString(x, y, line)
            y -= 15
        y -= 9
    pdf.setFont("Helvetica", 8)
    pdf.drawString(x, 40, footer)
    pdf.showPage()
    pdf.save()
    return raw.getvalue()


def _pdf_image(img: Image.Image, title: str) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    raw = io.BytesIO()
    pdf = canvas.Canvas(raw, pagesize=A4, invariant=1, pageCompression=1)
    pdf.setTitle(title)
    pdf.drawImage(ImageReader(img), 0, 0, width=A4[0], height=A4[1])
    pdf.showPage()
    pdf.save()
    return raw.getvalue()


def _tiff(img: Image.Image) -> bytes:
    raw = io.BytesIO()
    img.save(raw, format="TIFF", compression="group4", dpi=(150, 150))
    return raw.getvalue()


def render(state: SimState, doc: Document) -> tuple[bytes, str]:
    """(content, MIME type) of ``doc``: uploaded bytes as stored, generated documents rendered."""
    mime = MIME_TYPES[doc.format]
    if doc.content is not None:
        return doc.content, mime
    settings = state.settings
    key = (settings.population_key(), doc.doc_id, doc.fmt, doc.true_type, doc.true_owner_cpr)
    with _CACHE_LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key], mime
    owner = state.employees_by_cpr[doc.true_owner_cpr]
    org = state.population.orgs[owner.org_code].name
    rng = sub_rng(settings.seed, "doc", doc.doc_id)
    sender, heading, paragraphs = document_text(doc, owner, org, settings.municipality, rng)
    footer = f"Personalesag: {owner.name} · CPR-nr. {owner.cpr} · Dok. {doc.doc_id}"
    title = f"{heading} - {owner.name}"
    if doc.fmt == "docx":
        data = _docx(sender, heading, paragraphs, footer, datetime.combine(doc.doc_date, time(9, 0)))
    elif doc.fmt == "pdf_text":
        data = _pdf_text(sender, heading, paragraphs, footer, title)
    elif doc.fmt == "pdf_image":
        data = _pdf_image(page_image(sender, heading, paragraphs, footer), title)
    else:
        data = _tiff(_scan(page_image(sender, heading, paragraphs, footer), f"{settings.seed}/scan/{doc.doc_id}"))
    with _CACHE_LOCK:
        _CACHE[key] = data
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return data, mime
