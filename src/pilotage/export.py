"""CSV that spreadsheets open safely: a cell starting like a formula is neutralised.

Page paths, referrers and UTM values are attacker-controlled; opened in a spreadsheet, a
cell such as ``=HYPERLINK(...)`` would run as a formula. OWASP's advice (CSV Injection):
prefix such cells with a single quote.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_text(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([safe_cell(h) for h in header])
    writer.writerows([[safe_cell(v) for v in row] for row in rows])
    return out.getvalue()
