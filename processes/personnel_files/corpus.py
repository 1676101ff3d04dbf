"""The labelled training corpus: documents from the simulator's generator, read as the robot reads them.

``generate`` builds a population with a seed of its own (never one the tests use), picks per
document type up to ``text_per_type`` Word/PDF documents and up to ``scans_per_type`` scans
(TIFF and image-only PDFs), renders each as the ESDH archive would serve it and reads it with
``reading.read_document`` (OCR for the scans), so the model learns from the same text, OCR errors
included, that it will see at work. The label is the generator's true type. CPR numbers are
masked in the stored text (the model sees them as one token either way).

The corpus is stored as gzip'ed JSON lines (``corpus/corpus.jsonl.gz``) and shipped with the
project, so training is quick and repeatable; regenerating it takes a few minutes of OCR.
"""

from __future__ import annotations

import gzip
import json
import os
import random
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from robots.cpr import mask

CORPUS_PATH = Path(__file__).with_name("corpus") / "corpus.jsonl.gz"
DEFAULT_SEED = 7001  # the tests' populations use small seeds (1..100); this one is the corpus's own
DEFAULT_EMPLOYEES = 1500
SCAN_FORMATS = ("tiff", "pdf_image")


@dataclass(frozen=True)
class Sample:
    doc_id: str
    label: str
    fmt: str  # docx | pdf_text | pdf_image | tiff
    source: str  # "text" (Word or PDF text layer) | "ocr"
    text: str


def write(samples: Iterable[Sample], path: Path) -> int:
    """Store ``samples`` as gzip'ed JSON lines (deterministic bytes); how many were written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as out:
        for sample in samples:
            out.write((json.dumps(asdict(sample), ensure_ascii=False, sort_keys=True) + "\n").encode())
            count += 1
    return count


def read(path: Path = CORPUS_PATH) -> list[Sample]:
    """The samples in a corpus file."""
    if not path.is_file():
        raise FileNotFoundError(f"no corpus at {path} (make one: robots personnel-files corpus)")
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        return [Sample(**json.loads(line)) for line in lines if line.strip()]


def pick(documents: Sequence[Any], text_per_type: int, scans_per_type: int, seed: int) -> list[Any]:
    """Up to N text documents and M scans of every true type, chosen at random (stable for a seed)."""
    groups: dict[tuple[str, bool], list[Any]] = defaultdict(list)
    for doc in documents:
        groups[(doc.true_type, doc.fmt in SCAN_FORMATS)].append(doc)
    rng = random.Random(seed)
    chosen = []
    for (_, scan), docs in sorted(groups.items()):
        docs = sorted(docs, key=lambda d: d.doc_id)
        rng.shuffle(docs)
        chosen += docs[: scans_per_type if scan else text_per_type]
    return sorted(chosen, key=lambda d: d.doc_id)


_STATE: Any = None  # the simulator state, shared with forked worker processes


def _sample(doc_id: str) -> Sample:
    from simulators.documents import render

    from .reading import read_document

    doc = _STATE.documents[doc_id]
    content, _ = render(_STATE, doc)
    result = read_document(content)
    source = "ocr" if result.is_scan else "text"
    return Sample(doc.doc_id, doc.true_type, doc.fmt, source, mask(result.text))


def generate(seed: int = DEFAULT_SEED, employees: int = DEFAULT_EMPLOYEES, text_per_type: int = 200,
             scans_per_type: int = 50, processes: int = 2,
             progress: Callable[[int, int], None] | None = None) -> list[Sample]:
    """A fresh corpus from the simulator's document generator (see the module docstring)."""
    import multiprocessing

    from simulators.settings import SimSettings
    from simulators.state import SimState

    global _STATE
    _STATE = SimState(SimSettings(seed=seed, employees=employees, citizens=10, password="corpus"))
    chosen = [d.doc_id for d in pick(list(_STATE.documents.values()), text_per_type, scans_per_type, seed)]
    samples: list[Sample] = []
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    if processes > 1:
        with multiprocessing.get_context("fork").Pool(processes) as pool:
            for sample in pool.imap(_sample, chosen, chunksize=8):
                samples.append(sample)
                if progress:
                    progress(len(samples), len(chosen))
    else:
        for doc_id in chosen:
            samples.append(_sample(doc_id))
            if progress:
                progress(len(samples), len(chosen))
    _STATE = None
    return samples
