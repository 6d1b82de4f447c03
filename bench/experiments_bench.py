"""Benchmark: our vectorised A/B engine vs GrowthBook's gbstats 0.8.0, same 2,000 analyses.

Run: ``.venv/bin/python bench/experiments_bench.py``. gbstats lives in its own venv
(bench/out/gbstats-venv, created on first run with ``python3 -m venv`` and
``pip install gbstats==0.8.0``); a subprocess of that venv runs the analyses one at a
time, as GrowthBook does, and returns its p-values and chances to win as JSON. Both sides
use gbstats' default conventions: relative lift, Welch t with Welch-Satterthwaite df,
proportion variance p(1-p), flat (improper) prior. Writes the "Experiments" section of
bench/README.md.
"""

from __future__ import annotations

import json
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from readme import write_section

from pilotage.experiments import MeanStats, ProportionStats, gaussian_bayes, welch_test

OUT = Path(__file__).parent / "out"
VENV = OUT / "gbstats-venv"
PAIRS = 2000
REPEATS = 200

GBSTATS_RUNNER = r"""
import json, sys, time
from gbstats.models.statistics import ProportionStatistic, SampleMeanStatistic
from gbstats.frequentist.tests import TwoSidedTTest
from gbstats.bayesian.tests import EffectBayesianABTest

rows = json.load(sys.stdin)

def stat(kind, n, s, ss):
    if kind == "proportion":
        return ProportionStatistic(n=n, sum=s)
    return SampleMeanStatistic(n=n, sum=s, sum_squares=ss)

pairs = [(stat(r["kind"], *r["a"]), stat(r["kind"], *r["b"])) for r in rows]
t0 = time.perf_counter()
p = [TwoSidedTTest(a, b).compute_result().p_value for a, b in pairs]
t1 = time.perf_counter()
ctw = [EffectBayesianABTest(a, b).compute_result().chance_to_win for a, b in pairs]
t2 = time.perf_counter()
json.dump({"p": p, "ctw": ctw, "freq_s": t1 - t0, "bayes_s": t2 - t1}, sys.stdout)
"""


def make_pairs(seed: int = 2024) -> list[dict[str, object]]:
    rng = np.random.default_rng(seed)
    rows: list[dict[str, object]] = []
    for i in range(PAIRS):
        n = rng.integers(200, 50_000, 2)
        if i % 2:
            rate = rng.uniform(0.01, 0.3)
            conv = rng.binomial(n, [rate, rate * rng.uniform(0.9, 1.15)])
            rows.append(
                {
                    "kind": "proportion",
                    "a": [int(n[0]), int(conv[0]), int(conv[0])],
                    "b": [int(n[1]), int(conv[1]), int(conv[1])],
                }
            )
        else:
            mu, sd = rng.uniform(1, 100), rng.uniform(0.5, 50)
            means = [mu, mu * rng.uniform(0.95, 1.08)]
            sums = [float(means[k] * n[k] + rng.normal(0, sd * np.sqrt(n[k]))) for k in (0, 1)]
            sqs = [float((sd**2) * (n[k] - 1) + sums[k] ** 2 / n[k]) for k in (0, 1)]
            rows.append(
                {
                    "kind": "mean",
                    "a": [int(n[0]), sums[0], sqs[0]],
                    "b": [int(n[1]), sums[1], sqs[1]],
                }
            )
    return rows


def ours(rows: list[dict[str, object]]) -> dict[str, object]:
    prop = [r for r in rows if r["kind"] == "proportion"]
    mean = [r for r in rows if r["kind"] == "mean"]

    def arms(group: list[dict[str, object]], key: str) -> np.ndarray:
        return np.array([r[key] for r in group], dtype=np.float64)

    pa, pb = arms(prop, "a"), arms(prop, "b")
    ma, mb = arms(mean, "a"), arms(mean, "b")
    stats = (
        (ProportionStats(pa[:, 0], pa[:, 1]), ProportionStats(pb[:, 0], pb[:, 1])),
        (MeanStats(ma[:, 0], ma[:, 1], ma[:, 2]), MeanStats(mb[:, 0], mb[:, 1], mb[:, 2])),
    )
    t0 = time.perf_counter()
    for _ in range(REPEATS):
        p = [welch_test(a, b, relative=True).p_value for a, b in stats]
    t1 = time.perf_counter()
    for _ in range(REPEATS):
        c = [gaussian_bayes(a, b, relative=True).chance_to_win for a, b in stats]
    t2 = time.perf_counter()
    order = [i for i, r in enumerate(rows) if r["kind"] == "proportion"] + [
        i for i, r in enumerate(rows) if r["kind"] == "mean"
    ]
    p_all, c_all = np.empty(len(rows)), np.empty(len(rows))
    p_all[order], c_all[order] = np.concatenate(p), np.concatenate(c)
    n = len(rows) * REPEATS
    return {"p": p_all, "ctw": c_all, "freq_rate": n / (t1 - t0), "bayes_rate": n / (t2 - t1)}


def gbstats(rows: list[dict[str, object]]) -> dict[str, object]:
    python = VENV / "bin" / "python"
    if not python.exists():
        subprocess.run(["python3", "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(VENV / "bin" / "pip"), "install", "-q", "gbstats==0.8.0"], check=True)
    done = subprocess.run(
        [str(python), "-c", GBSTATS_RUNNER],
        input=json.dumps(rows),
        capture_output=True,
        text=True,
        check=True,
    )
    out = json.loads(done.stdout)
    return {
        "p": np.array(out["p"]),
        "ctw": np.array(out["ctw"]),
        "freq_rate": len(rows) / out["freq_s"],
        "bayes_rate": len(rows) / out["bayes_s"],
    }


def main() -> None:
    rows = make_pairs()
    mine, theirs = ours(rows), gbstats(rows)
    dp = float(np.max(np.abs(mine["p"] - theirs["p"])))  # type: ignore[operator]
    dc = float(np.max(np.abs(mine["ctw"] - theirs["ctw"])))  # type: ignore[operator]
    table = (
        "| engine | Welch analyses/s | Bayesian analyses/s |\n|---|---:|---:|\n"
        f"| pilotage.experiments (vectorised) | {mine['freq_rate']:,.0f} | "
        f"{mine['bayes_rate']:,.0f} |\n"
        f"| gbstats 0.8.0 (one at a time) | {theirs['freq_rate']:,.0f} | "
        f"{theirs['bayes_rate']:,.0f} |\n"
    )
    body = (
        f"`bench/experiments_bench.py`: the same {PAIRS:,} random metric x variant pairs "
        "(half conversion, half mean metrics; relative lift, gbstats' default conventions) "
        f"through both engines in one run ({platform.processor() or platform.machine()}, "
        f"Python {platform.python_version()}). Targets: >= 500,000 Welch and >= 100,000 "
        "Bayesian analyses/s, p-values within 1e-9 of gbstats.\n\n"
        f"{table}\nmax |p-value difference| vs gbstats: {dp:.2e}; "
        f"max |chance-to-win difference|: {dc:.2e}.\n"
    )
    print(body)
    write_section("Experiments", body)


if __name__ == "__main__":
    main()
