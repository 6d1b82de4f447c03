"""The CDNOW calibration summary (39 weeks, 2,357 customers), fitted once per session."""

from __future__ import annotations

from datetime import date

import pytest

from pilotage.customers import (
    BgNbdParams,
    CustomerSummary,
    GammaGammaParams,
    cdnow_sample,
    fit_bgnbd,
    fit_gammagamma,
    summarise,
)

# Fader, Hardie & Lee (2005): calibration 1997-01-01 .. 1997-09-30 (39 weeks), in weeks.
CALIBRATION_END = date(1997, 9, 30)


@pytest.fixture(scope="session")
def cdnow_weeks() -> CustomerSummary:
    return summarise(cdnow_sample(), end=CALIBRATION_END, unit="weeks")


@pytest.fixture(scope="session")
def bgnbd_fit(cdnow_weeks: CustomerSummary) -> BgNbdParams:
    return fit_bgnbd(cdnow_weeks)


@pytest.fixture(scope="session")
def gg_fit(cdnow_weeks: CustomerSummary) -> GammaGammaParams:
    return fit_gammagamma(cdnow_weeks)
