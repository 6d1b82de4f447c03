"""`pilotage attribution` on an imported paths file, wrapped in a Typer app of our own."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from pilotage.attribution import compare, read_paths_csv
from pilotage.cli.attribution import attribution
from pilotage.errors import InvalidInput, NotFound

PATHS = Path(__file__).parents[1] / "data" / "attribution_paths_puzyrov.csv"
app = typer.Typer()
app.command()(attribution)
runner = CliRunner()


def test_json_equals_the_library(tmp_path: Path) -> None:
    got = runner.invoke(app, ["--paths", str(PATHS), "--format", "json"])
    assert got.exit_code == 0, got.output
    expected = compare(read_paths_csv(PATHS.read_text())).to_dict()
    assert json.loads(got.stdout) == json.loads(json.dumps(expected))


def test_costs_add_returns(tmp_path: Path) -> None:
    costs = tmp_path / "costs.csv"
    costs.write_text("date,channel,cost,currency\n2024-03-01,google ads,12,EUR\n")
    args = ["--paths", str(PATHS), "--costs", str(costs), "--model", "markov", "--format", "json"]
    got = runner.invoke(app, args)
    assert got.exit_code == 0, got.output
    google = json.loads(got.stdout)["returns"][0]
    assert google["key"] == "google ads" and google["cpa"] == pytest.approx(12 / 2.4)


def test_table_output() -> None:
    got = runner.invoke(app, ["--paths", str(PATHS), "--model", "linear,shapley"])
    assert got.exit_code == 0 and "shapley conv" in got.stdout


@pytest.mark.parametrize(
    ("args", "error", "field"),
    [
        (["--paths", "nope.csv"], NotFound, "paths"),
        (["--paths", str(PATHS), "--model", "magic"], InvalidInput, "model"),
        (["--paths", str(PATHS), "--format", "xml"], InvalidInput, "format"),
        ([], InvalidInput, "site"),
        (["--site", "example.com"], InvalidInput, "goal"),
    ],
)
def test_errors_are_pilotage_errors(args: list[str], error: type, field: str) -> None:
    got = runner.invoke(app, args)
    assert isinstance(got.exception, error) and got.exception.field == field
