"""Write one benchmark's section into bench/README.md, leaving the others alone."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).parent / "README.md"


def write_section(heading: str, body: str) -> None:
    """Replace the ``## heading`` section (or append it) with ``body``."""
    text = README.read_text() if README.exists() else "# Benchmarks\n"
    section = f"## {heading}\n\n{body.strip()}\n"
    pattern = re.compile(rf"^## {re.escape(heading)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _: section + "\n", text).rstrip() + "\n"
    else:
        text = text.rstrip() + "\n\n" + section
    README.write_text(text)
