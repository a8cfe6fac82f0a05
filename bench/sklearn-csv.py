#!/usr/bin/env python3
"""`nativenn train` with its defaults against scikit-learn's MLP with its defaults (after
StandardScaler), on scikit-learn's bundled iris, breast cancer, wine and diabetes data (BSD; Debian
package python3-sklearn). Issue 13's "Done when": accuracy within 1 point, regression MAE within 5%.

For each data set and seed 0..4 the CLI trains on the whole CSV (its defaults hold out a stratified
20 % test split, seeded) and reports the test score; scikit-learn then trains on exactly the rows
the CLI trained on (those not in preprocess.json's split.testRows) and is scored on the same test
rows. Means over the 5 splits; nativenn's validation rows come out of its training rows. For
diabetes a second scikit-learn figure learns the standardized target (TransformedTargetRegressor),
as nativenn does: the plain default fits the raw target (25..346) and stops at max_iter=200.

Run from the repository root after `npm run build:ts`:  python3 bench/sklearn-csv.py
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import warnings

import numpy as np
from sklearn import datasets
from sklearn.compose import TransformedTargetRegressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MAIN = os.path.join(ROOT, "dist", "cli", "main.js")
SEEDS = range(5)
SETS = [
    ("iris", datasets.load_iris, "classification"),
    ("breast_cancer", datasets.load_breast_cancer, "classification"),
    ("wine", datasets.load_wine, "classification"),
    ("diabetes", datasets.load_diabetes, "regression"),
]


def write_csv(path, x, y, names):
    with open(path, "w") as f:
        f.write(",".join([*names, "target"]) + "\n")
        for row, label in zip(x, y):
            f.write(",".join(repr(float(v)) for v in row) + f",{label}\n")


def nativenn(csv, out, seed, task):
    args = ["node", MAIN, "train", "--data", csv, "--seed", str(seed), "--out", out, "--quiet"]
    if task == "regression":
        args += ["--task", "regression"]
    text = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    if task == "classification":
        score = float(re.search(r"test accuracy ([\d.]+)%", text).group(1)) / 100
    else:
        score = float(re.search(r"test mae ([\d.e+-]+)", text).group(1))
    with open(os.path.join(out, "preprocess.json")) as f:
        test_rows = json.load(f)["split"]["testRows"]
    epochs = len(json.load(open(os.path.join(out, "history.json")))["epoch"])
    return score, np.array(test_rows), epochs


def sklearn_score(x, y, test_rows, seed, task, scale_target=False):
    train = np.setdiff1d(np.arange(len(y)), test_rows)
    model = MLPClassifier(random_state=seed) if task == "classification" else MLPRegressor(random_state=seed)
    if scale_target:  # what nativenn does: learn the standardized target
        model = TransformedTargetRegressor(regressor=model, transformer=StandardScaler())
    pipe = make_pipeline(StandardScaler(), model)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # the defaults stop at max_iter=200
        pipe.fit(x[train], y[train])
    predicted = pipe.predict(x[test_rows])
    if task == "classification":
        return float(np.mean(predicted == y[test_rows]))
    return float(np.mean(np.abs(predicted - y[test_rows])))


def main():
    if not os.path.exists(MAIN):
        sys.exit("build first: npm run build:ts")
    print(f"{'data':<14} {'metric':<9} {'nativenn':>9} {'sklearn':>9} {'diff':>8}  epochs (nativenn, early stopping)")
    with tempfile.TemporaryDirectory() as tmp:
        for name, load, task in SETS:
            d = load()
            x, y = d.data, d.target
            csv = os.path.join(tmp, f"{name}.csv")
            write_csv(csv, x, y, [re.sub(r"\W+", "_", str(n)) for n in d.feature_names])
            ours, theirs, scaled, epochs = [], [], [], []
            for seed in SEEDS:
                score, test_rows, ran = nativenn(csv, os.path.join(tmp, f"{name}-{seed}"), seed, task)
                ours.append(score)
                epochs.append(ran)
                theirs.append(sklearn_score(x, y, test_rows, seed, task))
                if task == "regression":
                    scaled.append(sklearn_score(x, y, test_rows, seed, task, scale_target=True))
            a, b = np.mean(ours), np.mean(theirs)
            if task == "classification":
                line = f"{name:<14} {'accuracy':<9} {a * 100:8.2f}% {b * 100:8.2f}% {(a - b) * 100:+7.2f}"
            else:
                line = f"{name:<14} {'mae':<9} {a:9.2f} {b:9.2f} {(a - b) / b * 100:+7.1f}%"
                c = np.mean(scaled)
                line += f"  (sklearn on the standardized target, as nativenn learns it: {c:.2f}, diff {(a - c) / c * 100:+.1f}%)"
            print(f"{line}  {epochs}", flush=True)


if __name__ == "__main__":
    main()
