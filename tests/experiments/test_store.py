"""Experiments read from the event store, against a plain-Python reading of the definition."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from scipy import stats

from pilotage.analytics import Goal
from pilotage.cli import main
from pilotage.config import Settings
from pilotage.errors import InvalidInput, NotFound
from pilotage.experiments import (
    ExperimentData,
    MeanStats,
    ProportionStats,
    analyze_experiment,
    control_order,
    experiment_stats,
)
from pilotage.store.events import EventStore
from tests.analytics.data import NOW, ev, load

EXP = "checkout_button"
PERIOD = (date(2024, 3, 1), date(2024, 3, 15))
PURCHASE = Goal("Purchase", "event", event_name="Purchase", currency="EUR")
SIGNUP = Goal("Signup", "page", page_pattern="/signup")
T = datetime(2024, 3, 10, 9, 0)


def at(minutes: int) -> datetime:
    return T + timedelta(minutes=minutes)


def buy(ts: datetime, visitor: int, amount: str, currency: str = "EUR", **kw: Any) -> Any:
    return ev(
        ts,
        visitor,
        visitor,
        name="Purchase",
        revenue_amount=Decimal(amount),
        revenue_currency=currency,
        **kw,
    )


def show(ts: datetime, visitor: int, variant: str, page: str = "/", **kw: Any) -> Any:
    return ev(ts, visitor, visitor, page=page, props={EXP: variant}, **kw)


def events() -> list[dict[str, Any]]:
    return [
        # A: viewed before exposure, converted after it with 10.50 EUR, then one more page
        ev(at(0), 1, 1),
        show(at(1), 1, "A"),
        buy(at(2), 1, "10.50"),
        ev(at(3), 1, 1, page="/thanks"),
        # A: bought before exposure only (not a conversion)
        buy(at(0), 2, "12"),
        show(at(5), 2, "A"),
        # A: two exposed pages, no conversion
        show(at(0), 3, "A"),
        show(at(4), 3, "A", page="/pricing"),
        # A: exposure by a custom event, one page after it
        ev(at(0), 4, 4, name="Experiment", props={EXP: "A"}),
        ev(at(1), 4, 4, page="/signup"),
        # B: three purchases, one in USD (a conversion, but no EUR revenue)
        show(at(0), 5, "B"),
        buy(at(1), 5, "7.25"),
        buy(at(2), 5, "4"),
        buy(at(3), 5, "100", currency="USD"),
        # B: signed up
        show(at(0), 6, "B"),
        show(at(1), 6, "B", page="/signup"),
        # B: nothing more
        show(at(0), 7, "B"),
        # mixed: saw A then B, then bought
        show(at(0), 8, "A"),
        show(at(1), 8, "B"),
        buy(at(2), 8, "50"),
        # a robot in A that buys
        show(at(0), 9, "A", is_bot=True),
        buy(at(1), 9, "99", is_bot=True),
        # never exposed, or exposed with an empty value, or before the period
        ev(at(0), 10, 10),
        buy(at(1), 10, "20"),
        show(at(0), 11, ""),
        buy(at(1), 11, "20"),
        show(datetime(2024, 2, 20), 12, "B"),
        buy(at(0), 12, "30"),
        # another site's visitor
        show(at(0), 13, "A", site="other.example"),
        buy(at(1), 13, "5", site="other.example"),
    ]


def reference(rows: list[dict[str, Any]], period: tuple[date, date] = PERIOD) -> dict[str, Any]:
    """Per-variant sufficient statistics, read off the module docstring's definition."""
    first, last = period
    kept = [
        r
        for r in rows
        if r["site"] == "example.com" and first <= r["ts"].date() <= last and not r["is_bot"]
    ]
    seen: dict[int, set[str]] = {}
    since: dict[int, datetime] = {}
    for r in kept:
        value = r["props"].get(EXP, "")
        if value:
            seen.setdefault(r["visitor_id"], set()).add(value)
            since[r["visitor_id"]] = min(since.get(r["visitor_id"], r["ts"]), r["ts"])
    out: dict[str, Any] = {"mixed": sum(len(v) > 1 for v in seen.values())}
    for visitor, variants in seen.items():
        if len(variants) > 1:
            continue
        after = [r for r in kept if r["visitor_id"] == visitor and r["ts"] >= since[visitor]]
        pages = sum(r["name"] == "pageview" for r in after)
        buys = [r for r in after if r["name"] == "Purchase"]
        revenue = sum(float(r["revenue_amount"]) for r in buys if r["revenue_currency"] == "EUR")
        signed = any(r["name"] == "pageview" and r["pathname"] == "/signup" for r in after)
        acc = out.setdefault(variants.pop(), [0] * 7)
        for k, value in enumerate([1, pages, pages**2, bool(buys), revenue, revenue**2, signed]):
            acc[k] += value
    return out


@pytest.fixture(scope="module")
def data() -> ExperimentData:
    backend = load(events())
    return experiment_stats(
        backend, "example.com", EXP, goals=(PURCHASE, SIGNUP), period=PERIOD, now=NOW
    )


def test_sufficient_statistics_match_the_definition(data: ExperimentData) -> None:
    ref = reference(events())
    assert data.variants == ("A", "B")
    assert data.mixed == ref["mixed"] == 1
    assert data.visitors == (ref["A"][0], ref["B"][0]) == (4, 3)
    pv = data.metric("pageviews per visitor").stats
    buys = data.metric("Purchase").stats
    revenue = data.metric("Purchase: revenue per visitor").stats
    signup = data.metric("Signup").stats
    assert isinstance(pv, MeanStats) and isinstance(revenue, MeanStats)
    assert isinstance(buys, ProportionStats) and isinstance(signup, ProportionStats)
    for i, name in enumerate(data.variants):
        n, pages, pages2, conv, rev, rev2, signed = ref[name]
        assert (pv.n[i], pv.sum[i], pv.sum_squares[i]) == (n, pages, pages2)
        assert (buys.n[i], buys.conversions[i]) == (n, conv)
        assert (revenue.sum[i], revenue.sum_squares[i]) == (rev, rev2)
        assert signup.conversions[i] == signed


def test_revenue_by_hand(data: ExperimentData) -> None:
    revenue = data.metric("Purchase: revenue per visitor").stats
    assert isinstance(revenue, MeanStats)
    # A: only visitor 1's 10.50 counts; B: 7.25 + 4 (the USD purchase is left out)
    assert list(revenue.sum) == [10.5, 11.25]
    assert list(revenue.sum_squares) == [10.5**2, 11.25**2]


def relative_welch_p(na: float, ma: float, va: float, nb: float, mb: float, vb: float) -> float:
    se = (vb / (nb * ma**2) + va * mb**2 / (na * ma**4)) ** 0.5
    df = (va / na + vb / nb) ** 2 / ((va / na) ** 2 / (na - 1) + (vb / nb) ** 2 / (nb - 1))
    return float(2 * stats.t.sf(abs((mb - ma) / ma / se), df))


def test_analysis_is_welch_on_the_statistics_with_a_mixed_warning(data: ExperimentData) -> None:
    (pages,) = [a for a in analyze_experiment(data) if a.metric == "pageviews per visitor"]
    ref = reference(events())
    moments = []
    for name in ("A", "B"):
        n, s, ss = ref[name][:3]
        moments += [n, s / n, (ss - s * s / n) / (n - 1)]
    assert pages.test.p_value[0] == pytest.approx(relative_welch_p(*moments), rel=1e-9)
    assert pages.srm.p_value[0] == pytest.approx(stats.chisquare([4, 3]).pvalue)
    assert any("1 visitor(s) saw more than one variant" in w for w in pages.decision.warnings)


def test_all_starts_at_the_first_event() -> None:
    got = experiment_stats(load(events()), "example.com", EXP, period="all", now=NOW)
    ref = reference(events(), (date(2024, 2, 20), NOW.date()))
    assert got.visitors == (ref["A"][0], ref["B"][0]) == (4, 4)


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (["B", "A", "C"], ("A", "B", "C")),
        (["treat", "Control", "A"], ("Control", "A", "treat")),
        (["green", "blue"], ("blue", "green")),
        (["b", "a"], ("a", "b")),
    ],
)
def test_control_first(names: list[str], expected: tuple[str, ...]) -> None:
    assert control_order(names) == expected


def test_unknown_experiment_is_not_found() -> None:
    with pytest.raises(NotFound) as err:
        experiment_stats(load(events()), "example.com", "nope", period=PERIOD, now=NOW)
    assert err.value.field == "experiment" and "nope" in err.value.message


def test_one_variant_is_invalid() -> None:
    rows = [show(at(0), 1, "A"), show(at(0), 2, "A"), show(at(0), 3, "A"), show(at(1), 3, "B")]
    with pytest.raises(InvalidInput) as err:
        experiment_stats(load(rows), "example.com", EXP, period=PERIOD, now=NOW)
    assert err.value.field == "experiment" and "1 mixed" in err.value.message


def test_cli_reads_the_experiment_from_the_store(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sites", "add", "example.com", "--timezone", "UTC"]) == 0
    goal = ["goals", "add", "Purchase", "--site", "example.com", "--event", "Purchase"]
    assert main([*goal, "--currency", "EUR"]) == 0
    with EventStore(settings.events_path) as store:
        load(events(), store.con)
    capsys.readouterr()
    args = ["ab", "analyze", "--experiment", EXP, "--site", "example.com", "--goal", "Purchase"]
    code = main([*args, "--period", "2024-03-01..2024-03-15", "--format", "json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    got = {m["metric"]: m for m in json.loads(out)}
    assert list(got) == ["pageviews per visitor", "Purchase", "Purchase: revenue per visitor"]
    ref = reference(events())
    buys = got["Purchase"]
    assert buys["control"] == {"variant": "A", "n": 4, "mean": ref["A"][3] / 4}
    assert buys["variants"][0]["mean"] == ref["B"][3] / 3
    expected = analyze_experiment(
        experiment_stats(
            load(events()), "example.com", EXP, goals=(PURCHASE,), period=PERIOD, now=NOW
        )
    )
    for analysis in expected:
        assert got[analysis.metric]["variants"][0]["p_value"] == analysis.test.p_value[0]
        assert got[analysis.metric]["decision"]["warnings"] == list(analysis.decision.warnings)


@pytest.mark.parametrize(
    "args",
    [
        ["ab", "analyze"],
        ["ab", "analyze", "x.csv", "--experiment", EXP, "--site", "example.com"],
        ["ab", "analyze", "--experiment", EXP],
        ["ab", "analyze", "--experiment", EXP, "--site", "example.com", "--goal", "Nope"],
        ["ab", "analyze", "--experiment", "nope", "--site", "example.com"],
    ],
)
def test_cli_bad_input_is_one_line_and_status_2(
    settings: Settings, capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    assert main(["sites", "add", "example.com"]) == 0
    capsys.readouterr()
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("pilotage: error: ")


def test_clickhouse_gives_the_same_statistics(
    data: ExperimentData, tmp_path_factory: pytest.TempPathFactory
) -> None:
    from tests.analytics.test_clickhouse import ChDBBackend

    folder = tmp_path_factory.mktemp("chdb")
    duck = load(events())
    for table in ("events", "sessions"):
        duck.con.execute(f"COPY {table} TO '{folder / table}.parquet' (FORMAT parquet)")
    got = experiment_stats(
        ChDBBackend(folder), "example.com", EXP, goals=(PURCHASE, SIGNUP), period=PERIOD, now=NOW
    )
    assert (got.variants, got.visitors, got.mixed) == (data.variants, data.visitors, data.mixed)
    for mine, theirs in zip(got.metrics, data.metrics, strict=True):
        assert mine.name == theirs.name
        assert vars(mine.stats).keys() == vars(theirs.stats).keys()
        for key, value in vars(mine.stats).items():
            assert list(value) == list(vars(theirs.stats)[key]), (mine.name, key)
