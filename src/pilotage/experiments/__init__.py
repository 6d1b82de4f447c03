"""A/B-test statistics on sufficient statistics, vectorised over many analyses.

Inputs are per-variant sufficient statistics (:class:`MeanStats`, :class:`ProportionStats`,
:class:`RatioStats`, :class:`CupedStats`) holding numpy arrays; element ``i`` of a control
is compared with element ``i`` of a treatment. Each module states its formulas and
references; ``docs/experiments.md`` gathers them with a worked example.
"""

from pilotage.experiments.bayesian import (
    BayesResult,
    BetaBinomialResult,
    GaussianPrior,
    beta_binomial,
    gaussian_bayes,
)
from pilotage.experiments.cuped import CupedStats, cuped, cuped_theta
from pilotage.experiments.decision import Decision, decide
from pilotage.experiments.frequentist import TestResult, proportions_test, welch_test
from pilotage.experiments.multiple import benjamini_hochberg, holm
from pilotage.experiments.power import (
    mde_means,
    mde_proportions,
    power_means,
    power_proportions,
    sample_size_means,
    sample_size_proportions,
)
from pilotage.experiments.sequential import (
    confidence_sequence,
    group_sequential_bounds,
    spent_alpha,
)
from pilotage.experiments.srm import DEFAULT_SRM_THRESHOLD, SrmResult, srm_check
from pilotage.experiments.stats import AdjustedMoments, MeanStats, ProportionStats, RatioStats
from pilotage.experiments.store import (
    ExperimentData,
    MetricAnalysis,
    MetricData,
    analyze_experiment,
    control_order,
    experiment_stats,
)

__all__ = [
    "DEFAULT_SRM_THRESHOLD",
    "AdjustedMoments",
    "BayesResult",
    "BetaBinomialResult",
    "CupedStats",
    "Decision",
    "ExperimentData",
    "GaussianPrior",
    "MeanStats",
    "MetricAnalysis",
    "MetricData",
    "ProportionStats",
    "RatioStats",
    "SrmResult",
    "TestResult",
    "analyze_experiment",
    "benjamini_hochberg",
    "beta_binomial",
    "confidence_sequence",
    "control_order",
    "cuped",
    "cuped_theta",
    "decide",
    "experiment_stats",
    "gaussian_bayes",
    "group_sequential_bounds",
    "holm",
    "mde_means",
    "mde_proportions",
    "power_means",
    "power_proportions",
    "proportions_test",
    "sample_size_means",
    "sample_size_proportions",
    "spent_alpha",
    "srm_check",
    "welch_test",
]
