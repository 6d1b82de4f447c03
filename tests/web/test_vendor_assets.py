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


def test_every_vendored_script_is_listed_with_a_licence_beside_it() -> None:
    listed = {file for *_, file in rows()}
    scripts = [*VENDOR.rglob("*.js"), ROOT / "tests/vendor/axe.min.js"]
    for script in scripts:
        assert script.relative_to(ROOT).as_posix() in listed
        assert list(script.parent.glob("LICENSE*")), script
