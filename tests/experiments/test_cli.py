"""`pilotage ab analyze` and `pilotage ab size` through a Typer runner of our own app."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from scipy import stats
from typer.testing import CliRunner

from pilotage.cli.experiments import app
from pilotage.errors import InvalidInput

CSV = """metric,variant,n,sum,sum_squares
signup,control,10000,500,
signup,green,10100,585,
revenue,control,2000,40000,1200000
revenue,green,2050,43000,1300000
"""


def run(*args: str) -> str:
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def relative_welch_p(na: float, ma: float, va: float, nb: float, mb: float, vb: float) -> float:
    """Relative lift, delta-method se, Welch df, scipy's t (module docstring formulas)."""
    se = (vb / (nb * ma**2) + va * mb**2 / (na * ma**4)) ** 0.5
    df = (va / na + vb / nb) ** 2 / ((va / na) ** 2 / (na - 1) + (vb / nb) ** 2 / (nb - 1))
    return float(2 * stats.t.sf(abs((mb - ma) / ma / se), df))


def test_analyze_json_matches_scipy(tmp_path: Path) -> None:
    path = tmp_path / "ab.csv"
    path.write_text(CSV)
    out = json.loads(run("analyze", str(path), "--format", "json"))
    assert [m["metric"] for m in out] == ["signup", "revenue"]
    pa, pb = 0.05, 585 / 10100
    ref = relative_welch_p(10000, pa, pa * (1 - pa), 10100, pb, pb * (1 - pb))
    assert out[0]["variants"][0]["p_value"] == pytest.approx(ref, rel=1e-9)
    assert out[0]["variants"][0]["lift"] == pytest.approx(pb / pa - 1)
    va = (1_200_000 - 40000**2 / 2000) / 1999
    vb = (1_300_000 - 43000**2 / 2050) / 2049
    ref = relative_welch_p(2000, 20.0, va, 2050, 43000 / 2050, vb)
    assert out[1]["variants"][0]["p_value"] == pytest.approx(ref, rel=1e-9)
    assert out[0]["srm_p_value"] == pytest.approx(stats.chisquare([10000, 10100]).pvalue)


def test_analyze_table(tmp_path: Path) -> None:
    path = tmp_path / "ab.csv"
    path.write_text(CSV)
    assert "green" in run("analyze", str(path))


def test_bad_csv_names_the_field(tmp_path: Path) -> None:
    path = tmp_path / "ab.csv"
    path.write_text("metric,variant,n,sum,sum_squares\nx,a,ten,1,\nx,b,10,1,\n")
    with pytest.raises(InvalidInput) as err:
        CliRunner().invoke(app, ["analyze", str(path)], catch_exceptions=False)
    assert err.value.field == "n"


def test_size_matches_evan_miller(tmp_path: Path) -> None:
    out = json.loads(run("size", "--baseline", "0.2", "--mde", "0.05", "--format", "json"))
    assert out["per_arm"] in (1030, 1031)  # evanmiller.org shows 1,030 (rounded)
    out = json.loads(run("size", "--baseline", "0.05", "--mde", "10%", "--format", "json"))
    assert out["relative"] is True and out["total"] == 2 * out["per_arm"]


def test_a_test_that_cannot_be_made_says_so(tmp_path: Path) -> None:
    path = tmp_path / "ab.csv"
    path.write_text(
        "metric,variant,n,sum,sum_squares\n"
        "none_in_control,A,1000,0,\nnone_in_control,B,1000,70,\n"
        "none_in_b,A,1000,50,\nnone_in_b,B,1000,0,\n"
    )
    out = {m["metric"]: m for m in json.loads(run("analyze", str(path), "--format", "json"))}
    control = out["none_in_control"]
    assert control["variants"][0]["error"] == "baseline_zero"
    assert any("relative lift is undefined" in w for w in control["decision"]["warnings"])
    assert out["none_in_b"]["variants"][0]["error"] == "zero_variance"
    assert any("cannot be computed" in w for w in out["none_in_b"]["decision"]["warnings"])
    table = run("analyze", str(path))
    assert "(baseline_zero)" in table and "+7.00%" not in table


def test_peeking_and_power_warnings(tmp_path: Path) -> None:
    from pilotage.experiments import power_proportions

    path = tmp_path / "ab.csv"
    path.write_text(CSV)
    out = json.loads(run("analyze", str(path), "--format", "json", "--looks", "4", "--mde", "5%"))
    signup = out[0]["decision"]["warnings"]
    assert any("peek" in w.lower() for w in signup)
    # 10,000 visitors per arm at 5 % have this power for a 5 % relative lift: too little.
    assert float(power_proportions(0.05, 0.05, 10000)[0]) < 0.8
    assert any("power" in w.lower() for w in signup)
    quiet = json.loads(run("analyze", str(path), "--format", "json"))
    assert not any(
        "peek" in w.lower() or "power" in w.lower() for w in quiet[0]["decision"]["warnings"]
    )
