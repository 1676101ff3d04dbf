"""Personnel-file check: documents per second for text documents and scans, 1 and 2 worker processes.

Prints figures (not a timed test)::

    .venv/bin/python bench/personnel_files_bench.py [--text 200] [--scans 40] [--workers 1 2]

What is measured is the expensive part of the check, per document: reading (python-docx, pypdf,
tesseract OCR with OMP_THREAD_LIMIT=1 for scans and image-only PDFs) and classifying, in N worker
processes (as ``robots worker personnel_files --processes N`` runs them, one document after the
other in each). The documents are rendered beforehand by the simulator's generator (a test seed),
so the simulator's own rendering does not compete for the CPU. The projection for 40,000
employees × 29 documents uses the measured rates and the format mix of a generated population;
the archive's download time is left out (it depends on the real archive and network).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from processes.personnel_files.classifier import load_classifier
from processes.personnel_files.reading import read_document

SCANS = ("tiff", "pdf_image")
EMPLOYEES, DOCS_PER_EMPLOYEE = 40_000, 29


def _work(content: bytes) -> str:
    result = read_document(content)
    return load_classifier().classify(result.text).doc_type


def _init() -> None:
    load_classifier()


def rate(contents: list[bytes], workers: int) -> float:
    """Documents per second over ``contents`` with ``workers`` processes (fresh ones: no cache)."""
    with multiprocessing.get_context("fork").Pool(workers, initializer=_init) as pool:
        pool.map(_work, contents[:workers], chunksize=1)  # warm up: model loaded, tesseract on disk cache
        started = time.perf_counter()
        pool.map(_work, contents[workers:], chunksize=1)
        return (len(contents) - workers) / (time.perf_counter() - started)


def documents(n_text: int, n_scans: int, seed: int) -> tuple[list[bytes], list[bytes], float]:
    """Rendered text documents and scans, and the share of scans in a generated population."""
    from simulators.documents import render
    from simulators.settings import SimSettings
    from simulators.state import SimState

    state = SimState(SimSettings(seed=seed, employees=max(40, (n_text + n_scans) // 20), citizens=5,
                                 password="bench"))
    docs = list(state.documents.values())
    share = sum(d.fmt in SCANS for d in docs) / len(docs)
    rng = random.Random(seed)
    text = rng.sample([d for d in docs if d.fmt not in SCANS], n_text)
    scans = rng.sample([d for d in docs if d.fmt in SCANS], n_scans)
    return [render(state, d)[0] for d in text], [render(state, d)[0] for d in scans], share


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--text", type=int, default=200, help="text documents (Word, PDF text layer)")
    parser.add_argument("--scans", type=int, default=40, help="scans (TIFF, image-only PDF) to OCR")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    os.environ["OMP_THREAD_LIMIT"] = "1"
    print(f"cores: {os.cpu_count()}, load average now: {os.getloadavg()[0]:.1f}")
    text, scans, scan_share = documents(args.text, args.scans, args.seed)
    print(f"documents: {len(text)} text, {len(scans)} scans; scans are {scan_share:.0%} of a generated archive")
    rates = {}
    for workers in args.workers:
        rates[workers] = (rate(text, workers), rate(scans, workers))
        print(f"{workers} worker process(es): {rates[workers][0]:7.1f} text documents/s, "
              f"{rates[workers][1]:6.2f} scans/s")
    total = EMPLOYEES * DOCS_PER_EMPLOYEE
    best = max(args.workers)
    text_rate, scan_rate = rates[best]
    seconds_per_doc = (1 - scan_share) / text_rate + scan_share / scan_rate
    hours = total * seconds_per_doc / 3600
    print(f"projection for {EMPLOYEES:,} employees x {DOCS_PER_EMPLOYEE} documents = {total:,} documents "
          f"({scan_share:.0%} scans), reading + classifying, {best} workers per machine:")
    print(f"  one {os.cpu_count()}-core machine: {hours:8.1f} hours ({hours / 24:.1f} days)")
    print(f"  10 such machines:   {hours / 10:8.1f} hours (PostgreSQL queue, {best} workers each)")


if __name__ == "__main__":
    main()
