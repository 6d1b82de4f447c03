"""The vendored front-end files are the ones VENDOR.md pins, each with its licence."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENDOR = ROOT / "src/pilotage/web/static/vendor"
ROW = re.compile(r"^\| (\S+) \| (\S+) \| (\S+) \| `([0-9a-f]{64})` \| `([^`]+)` \|$", re.M)


def rows() -> list[tuple[str, ...]]:
    return ROW.findall((VENDOR / "VENDOR.md").read_text(encoding="utf-8"))


def test_every_file_has_the_pinned_sha256() -> None:
    found = rows()
    assert len(found) >= 10
    for _name, _version, _licence, digest, file in found:
        assert hashlib.sha256((ROOT / file).read_bytes()).hexdigest() == digest, file


def test_every_vendored_script_is_listed_with_its_licence() -> None:
    found = rows()
    scripts = [*VENDOR.rglob("*.js"), ROOT / "tests/vendor/axe.min.js"]
    for script in scripts:
        name = next(r[0] for r in found if r[4] == script.relative_to(ROOT).as_posix())
        licences = [r[4] for r in found if r[0] == name and "LICENSE" in r[4]]
        assert licences and all((ROOT / f).parent == script.parent for f in licences), script
