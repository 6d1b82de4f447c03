"""The package's public names are exactly those of __all__, and all exist."""

from __future__ import annotations

import pilotage.experiments as experiments


def test_all_names_exist() -> None:
    assert all(hasattr(experiments, name) for name in experiments.__all__)


def test_entry_points_the_cli_uses() -> None:
    needed = {
        "MeanStats",
        "ProportionStats",
        "welch_test",
        "gaussian_bayes",
        "decide",
        "srm_check",
        "sample_size_proportions",
        "beta_binomial",
    }
    assert needed <= set(experiments.__all__)
