"""The document classifier: TF-IDF (words and character n-grams) and a logistic regression.

Trained by ``robots personnel-files train`` from the labelled corpus the project ships
(``corpus.py``), evaluated on a held-out part of it (text documents and OCR'd scans alike), and
stored with joblib as one file holding the pipeline, its version, the labels and the measured
accuracy. The robot loads that file; it never trains.

Why this model: the document types have tell-tale wording ("Udskrift fra Kriminalregistret
(børneattest)", "meddelt autorisation som"), so a linear model over words finds them, and the
character n-grams keep it right when OCR garbles a letter. Its probabilities give the confidence
the robot compares with ``confident_score`` before it re-files anything.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from .corpus import Sample

MODEL_PATH = Path(__file__).with_name("model") / "classifier.joblib"
MODEL_FORMAT = 1
_CPR = re.compile(r"(?<![0-9])[0-9]{6}-?(?:[0-9]{4}|XXXX)(?![0-9])", re.IGNORECASE)
_DIGITS = re.compile(r"[0-9]")
_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    """What the model sees: lower case, CPR numbers as one token, every digit as 0, single spaces.

    Numbers (dates, amounts, certificate numbers) say nothing about the type; names are left in
    (the model learns to ignore them: they occur in every type).
    """
    text = _CPR.sub(" cprnr ", text.lower())
    return _SPACE.sub(" ", _DIGITS.sub("0", text)).strip()


@dataclass(frozen=True)
class Classification:
    """The most likely type, its probability, and the probabilities of the runners-up."""

    doc_type: str
    score: float
    scores: dict[str, float]  # the top few, highest first

    def runner_up(self) -> tuple[str, float]:
        items = list(self.scores.items())
        return items[1] if len(items) > 1 else ("", 0.0)

    def summary(self) -> str:
        """"boerneattest 0.62, straffeattest 0.31" - for a caseworker's message."""
        return ", ".join(f"{t} {s:.2f}" for t, s in self.scores.items())


def build_pipeline(c: float = 20.0, char_features: int = 20_000) -> Any:
    """A fresh, untrained pipeline (scikit-learn)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion, Pipeline

    features = FeatureUnion([
        ("words", TfidfVectorizer(preprocessor=normalise, ngram_range=(1, 2), min_df=2, max_features=20_000,
                                  sublinear_tf=True, dtype=_float32())),
        ("chars", TfidfVectorizer(preprocessor=normalise, analyzer="char_wb", ngram_range=(3, 5), min_df=2,
                                  max_features=char_features, sublinear_tf=True, dtype=_float32())),
    ])
    return Pipeline([("features", features), ("model", LogisticRegression(C=c, max_iter=3000))])


def _float32() -> Any:
    import numpy

    return numpy.float32


@dataclass
class Evaluation:
    """Accuracy on the held-out documents: overall, per type and per source (text / OCR)."""

    accuracy: float
    per_type: dict[str, float]
    per_source: dict[str, float]
    support: dict[str, int]
    test_size: int
    train_size: int
    confusions: dict[str, int] = field(default_factory=dict)  # "true -> predicted": count
    lowest_correct_score: float = 1.0  # the least confident right answer (guides confident_score)
    wrong_above: dict[str, int] = field(default_factory=dict)  # wrong answers at or above 0.8/0.9/0.95

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    def lines(self) -> list[str]:
        """The evaluation as a person reads it (the training command prints these)."""
        out = [f"held-out accuracy: {self.accuracy:.2%} on {self.test_size} documents "
               f"(trained on {self.train_size})"]
        out += [f"  {source:<8} {acc:.2%}" for source, acc in sorted(self.per_source.items())]
        out += [f"  {t:<18} {acc:7.2%}  ({self.support[t]} documents)" for t, acc in sorted(self.per_type.items())]
        out.append(f"  least confident right answer: {self.lowest_correct_score:.3f}; wrong answers at or above "
                   + ", ".join(f"{k}: {v}" for k, v in self.wrong_above.items()))
        out += [f"  confused: {pair} ({n})" for pair, n in sorted(self.confusions.items())]
        return out


def split(samples: Sequence[Sample], holdout: float, seed: int) -> tuple[list[Sample], list[Sample]]:
    """Train and held-out parts, stratified by type and source (every type's scans are tested too)."""
    groups: dict[tuple[str, str], list[Sample]] = defaultdict(list)
    for sample in samples:
        groups[(sample.label, sample.source)].append(sample)
    rng = random.Random(seed)
    train, test = [], []
    for key in sorted(groups):
        members = sorted(groups[key], key=lambda s: s.doc_id)
        rng.shuffle(members)
        cut = round(len(members) * holdout) if len(members) > 1 else 0
        test += members[:cut]
        train += members[cut:]
    return train, test


def evaluate(pipeline: Any, test: Sequence[Sample], train_size: int) -> Evaluation:
    """Accuracy of a trained pipeline on ``test``."""
    probabilities = pipeline.predict_proba([s.text for s in test])
    labels = list(pipeline.classes_)
    right: Counter[str] = Counter()
    total: Counter[str] = Counter()
    source_right: Counter[str] = Counter()
    source_total: Counter[str] = Counter()
    confusions: Counter[str] = Counter()
    wrong_above: Counter[str] = Counter()
    lowest = 1.0
    for sample, row in zip(test, probabilities, strict=True):
        best = int(row.argmax())
        predicted, score = labels[best], float(row[best])
        total[sample.label] += 1
        source_total[sample.source] += 1
        if predicted == sample.label:
            right[sample.label] += 1
            source_right[sample.source] += 1
            lowest = min(lowest, score)
        else:
            confusions[f"{sample.label} -> {predicted}"] += 1
            for level in (0.8, 0.9, 0.95):
                wrong_above[str(level)] += score >= level
    n = sum(total.values())
    return Evaluation(
        accuracy=round(sum(right.values()) / n, 4) if n else 0.0,
        per_type={t: round(right[t] / total[t], 4) for t in sorted(total)},
        per_source={s: round(source_right[s] / source_total[s], 4) for s in sorted(source_total)},
        support=dict(sorted(total.items())), test_size=n, train_size=train_size,
        confusions=dict(confusions), lowest_correct_score=round(lowest, 4),
        wrong_above={k: wrong_above.get(k, 0) for k in ("0.8", "0.9", "0.95")},
    )


def corpus_digest(samples: Sequence[Sample]) -> str:
    """A short fingerprint of the corpus a model was trained from."""
    digest = hashlib.sha256()
    for sample in sorted(samples, key=lambda s: s.doc_id):
        digest.update(json.dumps([sample.doc_id, sample.label, sample.source, sample.text]).encode())
    return digest.hexdigest()[:12]


def train(samples: Sequence[Sample], *, holdout: float = 0.25, seed: int = 1,
          corpus_info: dict[str, Any] | None = None) -> tuple[dict[str, Any], Evaluation]:
    """Train on the corpus minus the held-out part, evaluate on that part: (model record, evaluation)."""
    import sklearn

    if len({s.label for s in samples}) < 2:
        raise ValueError("the corpus needs documents of at least two types")
    started = time.perf_counter()
    train_part, test_part = split(samples, holdout, seed)
    pipeline = build_pipeline()
    pipeline.fit([s.text for s in train_part], [s.label for s in train_part])
    evaluation = evaluate(pipeline, test_part, len(train_part)) if test_part else None
    if evaluation is None:
        raise ValueError("the corpus is too small to hold any documents out for the evaluation")
    digest = corpus_digest(samples)
    trained_at = datetime.now(UTC)
    record = {
        "format": MODEL_FORMAT,
        "version": f"{trained_at:%Y%m%d}-{digest}",
        "trained_at": trained_at.isoformat(timespec="seconds"),
        "seconds": round(time.perf_counter() - started, 1),
        "sklearn_version": sklearn.__version__,
        "labels": list(pipeline.classes_),
        "corpus": {**(corpus_info or {}), "documents": len(samples), "digest": digest,
                   "sources": dict(Counter(s.source for s in samples))},
        "evaluation": evaluation.to_dict(),
        "accuracy": evaluation.accuracy,
        "pipeline": pipeline,
    }
    return record, evaluation


def save(record: dict[str, Any], path: Path) -> int:
    """Write the model file (compressed joblib); its size in bytes."""
    import joblib

    path.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(record, path, compress=("xz", 6))
    return path.stat().st_size


class DocumentClassifier:
    """A trained model loaded from its file."""

    def __init__(self, record: dict[str, Any]) -> None:
        if record.get("format") != MODEL_FORMAT:
            raise ValueError(f"model file format {record.get('format')!r}, expected {MODEL_FORMAT}")
        self.record = record
        self.pipeline = record["pipeline"]
        self.labels: list[str] = list(record["labels"])
        self.version: str = record["version"]
        self.accuracy: float = record["accuracy"]

    @classmethod
    def load(cls, path: Path) -> DocumentClassifier:
        import warnings

        import joblib

        if not path.is_file():
            raise FileNotFoundError(f"no classifier model at {path} (train one: robots personnel-files train)")
        with warnings.catch_warnings():  # a newer scikit-learn warns about the pickle's version; it still loads
            warnings.simplefilter("ignore")
            return cls(joblib.load(path))

    def classify(self, text: str, top: int = 3) -> Classification:
        """The type of one document's text."""
        return self.classify_many([text], top)[0]

    def classify_many(self, texts: Sequence[str], top: int = 3) -> list[Classification]:
        out = []
        for row in self.pipeline.predict_proba(list(texts)):
            order = row.argsort()[::-1][:top]
            scores = {self.labels[i]: round(float(row[i]), 4) for i in order}
            best = self.labels[int(order[0])]
            out.append(Classification(best, scores[best], scores))
        return out


@lru_cache(maxsize=4)
def load_classifier(path: str = "") -> DocumentClassifier:
    """The model at ``path`` (default: the shipped one), loaded once per process."""
    return DocumentClassifier.load(Path(path) if path else MODEL_PATH)
