"""``robots personnel-files``: the document classifier of the personnel-file check.

- ``corpus``: generate the labelled corpus from the simulator's document generator (OCR included;
  a few minutes on two cores). The project ships one, so this is only needed to change it.
- ``train``: train the classifier on the corpus, print its accuracy on the held-out part, and
  write the model file (joblib) with its version and that accuracy.
"""

from __future__ import annotations

import time
from pathlib import Path

import click

from ._common import console, emit_json, friendly_errors, json_option


@click.group("personnel-files")
def personnel_files() -> None:
    """The personnel-file check's document classifier: corpus and training."""


@personnel_files.command("corpus")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Corpus file (default: the shipped one).")
@click.option("--seed", type=int, default=None, help="Population seed (default: the corpus's own, never a test's).")
@click.option("--employees", type=click.IntRange(10), default=None, help="Employees in the generated population.")
@click.option("--text-per-type", type=click.IntRange(1), default=200, show_default=True)
@click.option("--scans-per-type", type=click.IntRange(0), default=50, show_default=True,
              help="Scanned documents per type (OCR'd: the slow part).")
@click.option("--processes", type=click.IntRange(1, 64), default=2, show_default=True)
@json_option
@friendly_errors
def corpus_command(out: Path | None, seed: int | None, employees: int | None, text_per_type: int,
                   scans_per_type: int, processes: int, as_json: bool) -> None:
    """Generate the labelled corpus from the simulator's documents (read and OCR'd like the robot does)."""
    from processes.personnel_files import corpus

    path = out or corpus.CORPUS_PATH
    started = time.perf_counter()
    last = [0.0]

    def progress(done: int, total: int) -> None:
        if not as_json and (time.perf_counter() - last[0] > 10 or done == total):
            last[0] = time.perf_counter()
            console.print(f"[dim]{done}/{total} documents read[/]")

    samples = corpus.generate(seed=corpus.DEFAULT_SEED if seed is None else seed,
                              employees=employees or corpus.DEFAULT_EMPLOYEES, text_per_type=text_per_type,
                              scans_per_type=scans_per_type, processes=processes, progress=progress)
    count = corpus.write(samples, path)
    result = {"corpus": str(path), "documents": count, "ocr": sum(s.source == "ocr" for s in samples),
              "seconds": round(time.perf_counter() - started, 1)}
    if as_json:
        emit_json(result)
    else:
        console.print(f"wrote {count} documents ({result['ocr']} OCR'd) to {path} in {result['seconds']} s")


@personnel_files.command("train")
@click.option("--corpus", "corpus_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Corpus file (default: the shipped one).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Model file (default: the shipped one).")
@click.option("--holdout", type=click.FloatRange(0.05, 0.5), default=0.25, show_default=True,
              help="Share of the corpus held out to measure the accuracy.")
@click.option("--seed", type=int, default=1, show_default=True, help="Seed of the train/held-out split.")
@json_option
@friendly_errors
def train_command(corpus_path: Path | None, out: Path | None, holdout: float, seed: int, as_json: bool) -> None:
    """Train the document classifier, print its held-out accuracy and write the model file."""
    from processes.personnel_files import classifier, corpus

    source = corpus_path or corpus.CORPUS_PATH
    samples = corpus.read(source)
    record, evaluation = classifier.train(samples, holdout=holdout, seed=seed, corpus_info={"file": source.name})
    path = out or classifier.MODEL_PATH
    size = classifier.save(record, path)
    result = {"model": str(path), "version": record["version"], "bytes": size, "seconds": record["seconds"],
              **evaluation.to_dict()}
    if as_json:
        emit_json(result)
        return
    for line in evaluation.lines():
        console.print(line, highlight=False)
    console.print(f"model {record['version']} written to {path} ({size / 1e6:.2f} MB, trained in "
                  f"{record['seconds']} s)", highlight=False)
