"""Customers: RFM, cohort retention, BG/NBD + Gamma-Gamma lifetime value.

Orders (customer id, date, amount) come from a CSV (``read_orders_csv``) or tuples
(``orders_from_rows``); ``cdnow_sample`` loads the CDNOW sample. Every model states its
time unit: RFM recency in days; BG/NBD in the summary's unit (days or weeks, chosen by
the caller); CLV horizon in months with a monthly discount rate.
"""

from pilotage.customers.bgnbd import (
    BgNbdParams,
    expected_purchases,
    expected_purchases_new,
    fit_bgnbd,
    probability_alive,
)
from pilotage.customers.charts import clv_histogram_spec, cohort_heatmap_spec, rfm_segments_spec
from pilotage.customers.clv import CustomerValue, customer_value, lifetime_value, month_length
from pilotage.customers.cohorts import CohortMatrix, cohort_matrix
from pilotage.customers.gammagamma import (
    GammaGammaParams,
    expected_average_value,
    fit_gammagamma,
)
from pilotage.customers.orders import (
    Orders,
    cdnow_sample,
    orders_from_rows,
    parse_columns,
    read_orders_csv,
)
from pilotage.customers.rfm import SEGMENTS, RfmTable, quintile_scores, rfm_table, segment_of
from pilotage.customers.store import orders_from_store
from pilotage.customers.summary import CustomerSummary, TimeUnit, summarise

__all__ = [
    "SEGMENTS",
    "BgNbdParams",
    "CohortMatrix",
    "CustomerSummary",
    "CustomerValue",
    "GammaGammaParams",
    "Orders",
    "RfmTable",
    "TimeUnit",
    "cdnow_sample",
    "clv_histogram_spec",
    "cohort_heatmap_spec",
    "cohort_matrix",
    "customer_value",
    "expected_average_value",
    "expected_purchases",
    "expected_purchases_new",
    "fit_bgnbd",
    "fit_gammagamma",
    "lifetime_value",
    "month_length",
    "orders_from_rows",
    "orders_from_store",
    "parse_columns",
    "probability_alive",
    "quintile_scores",
    "read_orders_csv",
    "rfm_segments_spec",
    "rfm_table",
    "segment_of",
    "summarise",
]
