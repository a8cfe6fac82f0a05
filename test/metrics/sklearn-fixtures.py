"""Writes sklearn-fixtures.json: inputs and scikit-learn's metric values for test/metrics.

Run with Debian's python3-sklearn (1.2.1): /usr/bin/python3 test/metrics/sklearn-fixtures.py
Inputs are multiples of 0.05 or 3-decimal numbers so they survive JSON exactly; many scores tie.
"""
import json
import os

import numpy as np
from sklearn import metrics

rng = np.random.default_rng(7)
out = {"sklearn": __import__("sklearn").__version__}

# Binary: labels 0/1 and probabilities of class 1 (ties on purpose), threshold 0.5 (> as Keras).
y = rng.integers(0, 2, 40)
p = np.round(np.clip(0.3 * y + rng.normal(0.35, 0.2, 40), 0, 1) * 20) / 20
pred = (p > 0.5).astype(int)
out["binary"] = {
    "yTrue": y.tolist(), "yPred": p.tolist(),
    "precision": metrics.precision_score(y, pred), "recall": metrics.recall_score(y, pred),
    "f1": metrics.f1_score(y, pred), "auc": metrics.roc_auc_score(y, p),
    "macroPrecision": metrics.precision_score(y, pred, average="macro"),
    "macroF1": metrics.f1_score(y, pred, average="macro"),
}

# Multi-class: 4 classes, rows of probabilities in units of 0.05 summing to 1; argmax (first max).
k, n = 4, 60
y = rng.integers(0, k, n)
units = np.array([rng.multinomial(20, np.eye(k)[c] * 0.12 + 0.22) for c in y])
p = units / 20
pred = p.argmax(axis=1)
out["multiclass"] = {
    "yTrue": y.tolist(), "yPred": p.tolist(),
    "precision": metrics.precision_score(y, pred, average="macro"),
    "recall": metrics.recall_score(y, pred, average="macro"),
    "f1": metrics.f1_score(y, pred, average="macro"),
    "auc": metrics.roc_auc_score(y, p, multi_class="ovr", average="macro"),
}

# Regression: one output, then two (r2 and mae averaged uniformly over outputs).
t = np.round(rng.normal(3, 2, 30), 3)
r = np.round(t + rng.normal(0, 0.8, 30), 3)
out["regression"] = {
    "yTrue": t.tolist(), "yPred": r.tolist(),
    "mae": metrics.mean_absolute_error(t, r),
    "mape": 100 * metrics.mean_absolute_percentage_error(t, r),
    "r2": metrics.r2_score(t, r),
}
t2 = np.round(rng.normal(0, [1, 10], (25, 2)), 3)
r2 = np.round(t2 + rng.normal(0, [0.5, 4], (25, 2)), 3)
out["regression2"] = {
    "yTrue": t2.tolist(), "yPred": r2.tolist(),
    "mae": metrics.mean_absolute_error(t2, r2),
    "mape": 100 * metrics.mean_absolute_percentage_error(t2, r2),
    "r2": metrics.r2_score(t2, r2),
}

with open(os.path.join(os.path.dirname(__file__), "sklearn-fixtures.json"), "w") as f:
    json.dump(out, f, indent=1)
    f.write("\n")
