"""What an import did: lines read, imported and rejected, with reasons and first line numbers."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

FIRST_LINES_KEPT = 5


@dataclass
class ImportReport:
    """Counts of one import. ``rejected`` maps a reason to its count; ``first_lines`` maps a
    reason to the first few 1-based line (or row) numbers rejected for it."""

    source: str
    read: int = 0
    imported: int = 0
    skipped: int = 0  # valid lines that are not events (assets, failed requests, ...)
    bots: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    first_lines: dict[str, list[int]] = field(default_factory=dict)

    def reject(self, reason: str, line_no: int, count: int = 1) -> None:
        self.rejected[reason] += count
        kept = self.first_lines.setdefault(reason, [])
        if len(kept) < FIRST_LINES_KEPT:
            kept.append(line_no)

    @property
    def rejected_total(self) -> int:
        return sum(self.rejected.values())

    def merge(self, other: ImportReport) -> None:
        self.read += other.read
        self.imported += other.imported
        self.skipped += other.skipped
        self.bots += other.bots
        for reason, n in other.rejected.items():
            self.rejected[reason] += n
            kept = self.first_lines.setdefault(reason, [])
            kept.extend(other.first_lines.get(reason, [])[: FIRST_LINES_KEPT - len(kept)])

    def as_dict(self) -> dict[str, object]:
        return {
            "source": self.source,
            "read": self.read,
            "imported": self.imported,
            "skipped": self.skipped,
            "bots": self.bots,
            "rejected": self.rejected_total,
            "reasons": {
                reason: {"count": n, "first_lines": self.first_lines.get(reason, [])}
                for reason, n in self.rejected.most_common()
            },
        }
