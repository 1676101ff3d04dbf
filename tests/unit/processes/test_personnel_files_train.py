"""``robots personnel-files corpus`` and ``train`` work (on a tiny corpus; the shipped model is not touched)."""

from __future__ import annotations

import json
import random
from pathlib import Path

from click.testing import CliRunner

from processes.personnel_files import corpus
from processes.personnel_files.classifier import MODEL_PATH, DocumentClassifier
from robots.cli import cli


def test_train_writes_a_model_with_its_version_and_held_out_accuracy(tmp_path: Path) -> None:
    shipped = corpus.read()
    rng = random.Random(5)
    by_label: dict[str, list[corpus.Sample]] = {}
    for sample in shipped:
        by_label.setdefault(sample.label, []).append(sample)
    tiny = [s for samples in by_label.values() for s in rng.sample(samples, 8)]
    corpus.write(tiny, tmp_path / "tiny.jsonl.gz")
    before = MODEL_PATH.stat().st_mtime

    result = CliRunner().invoke(cli, ["personnel-files", "train", "--corpus", str(tmp_path / "tiny.jsonl.gz"),
                                      "--out", str(tmp_path / "model.joblib")])
    assert result.exit_code == 0, result.output
    assert "held-out accuracy:" in result.output and "boerneattest" in result.output
    model = DocumentClassifier.load(tmp_path / "model.joblib")
    assert model.record["corpus"]["documents"] == len(tiny) == 8 * len(by_label)
    assert 0.0 < model.accuracy <= 1.0 and model.version.endswith(model.record["corpus"]["digest"])
    assert model.record["evaluation"]["test_size"] == 2 * len(by_label)  # a quarter of each type held out
    assert MODEL_PATH.stat().st_mtime == before


def test_corpus_generates_labelled_documents_from_the_simulator(tmp_path: Path) -> None:
    out = tmp_path / "corpus.jsonl.gz"
    result = CliRunner().invoke(cli, ["personnel-files", "corpus", "--out", str(out), "--seed", "99",
                                      "--employees", "40", "--text-per-type", "1", "--scans-per-type", "0",
                                      "--processes", "1", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    samples = corpus.read(out)
    assert summary["documents"] == len(samples) >= 10 and summary["ocr"] == 0
    assert len({s.label for s in samples}) == len(samples)  # one per type
    assert all(s.text and s.source == "text" for s in samples)
    assert not any(corpus.mask(s.text) != s.text for s in samples)  # CPR numbers stored masked


def test_train_names_a_missing_corpus(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["personnel-files", "train", "--corpus", str(tmp_path / "none.jsonl.gz"),
                                      "--out", str(tmp_path / "m.joblib")])
    assert result.exit_code == 1 and "no corpus at" in result.output
