"""Refresh the vendored front-end files from the npm registry and check their sha256.

The browser never reaches a CDN: the dashboard serves pinned copies of htmx, Vega,
Vega-Lite and vega-embed from ``src/pilotage/web/static/vendor/``, and the accessibility
tests load axe-core from ``tests/vendor/``. ``ASSETS`` below pins each package version;
``VENDOR.md`` (written by ``--update``) records name, version, licence, sha256 and file.

    python scripts/vendor_assets.py            # npm pack, verify against VENDOR.md, write
    python scripts/vendor_assets.py --check    # verify the files in the tree, no network
    python scripts/vendor_assets.py --update   # npm pack, write files and new sha256 rows

vega-interpreter (Vega's expression interpreter, needed under a CSP without
'unsafe-eval') is not a separate script: vega-embed 7 bundles it in its UMD build and
uses it when embedded with ``ast: true``; vega-interpreter 2.x itself is published only
as an ES module importing ``vega-util`` by bare name; its licence is kept as
LICENSE-vega-interpreter. LICENSE-d3 is d3's ISC licence: Vega's bundle includes d3.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STATIC_VENDOR = Path("src/pilotage/web/static/vendor")
TEST_VENDOR = Path("tests/vendor")
VENDOR_MD = ROOT / STATIC_VENDOR / "VENDOR.md"


@dataclass(frozen=True)
class Asset:
    """One file taken from an npm package: ``source`` inside the tarball (under
    ``package/``) is written to ``dest`` (relative to the repository root)."""

    package: str
    version: str
    licence: str
    source: str
    dest: Path


def _pkg(package: str, version: str, licence: str, files: dict[str, Path]) -> list[Asset]:
    return [Asset(package, version, licence, src, dest) for src, dest in files.items()]


ASSETS: list[Asset] = [
    *_pkg(
        "htmx.org",
        "2.0.11",
        "0BSD",
        {
            "dist/htmx.min.js": STATIC_VENDOR / "htmx.min.js",
            "LICENSE": STATIC_VENDOR / "LICENSE-htmx",
        },
    ),
    *_pkg(
        "vega",
        "6.4.0",
        "BSD-3-Clause",
        {
            "build/vega.min.js": STATIC_VENDOR / "vega.min.js",
            "LICENSE": STATIC_VENDOR / "LICENSE-vega",
        },
    ),
    *_pkg("d3-format", "3.1.3", "ISC", {"LICENSE": STATIC_VENDOR / "LICENSE-d3"}),
    *_pkg(
        "vega-lite",
        "6.5.0",
        "BSD-3-Clause",
        {
            "build/vega-lite.min.js": STATIC_VENDOR / "vega-lite.min.js",
            "LICENSE": STATIC_VENDOR / "LICENSE-vega-lite",
        },
    ),
    *_pkg(
        "vega-embed",
        "7.3.0",
        "BSD-3-Clause",
        {
            "build/vega-embed.min.js": STATIC_VENDOR / "vega-embed.min.js",
            "LICENSE": STATIC_VENDOR / "LICENSE-vega-embed",
        },
    ),
    *_pkg(
        "vega-interpreter",
        "2.3.2",
        "BSD-3-Clause",
        {"LICENSE": STATIC_VENDOR / "LICENSE-vega-interpreter"},
    ),
    *_pkg(
        "axe-core",
        "4.14.1",
        "MPL-2.0",
        {
            "axe.min.js": TEST_VENDOR / "axe.min.js",
            "LICENSE": TEST_VENDOR / "LICENSE-axe-core",
            "LICENSE-3RD-PARTY.txt": TEST_VENDOR / "LICENSE-3RD-PARTY-axe-core.txt",
        },
    ),
]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_vendor_md(path: Path = VENDOR_MD) -> dict[str, str]:
    """File (repository-relative) -> sha256, from the table rows of VENDOR.md."""
    hashes: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        cells = [c.strip().strip("`") for c in line.strip().strip("|").split("|")]
        if len(cells) == 5 and len(cells[3]) == 64:
            hashes[cells[4]] = cells[3]
    return hashes


def write_vendor_md(hashes: dict[str, str], path: Path = VENDOR_MD) -> None:
    lines = [
        "# Vendored front-end files",
        "",
        "Written by `scripts/vendor_assets.py --update` from `npm pack NAME@VERSION`; "
        "`scripts/vendor_assets.py --check` verifies the files against this table.",
        "vega-embed's build bundles vega-interpreter (used with the embed option `ast: true`",
        "so that Vega evaluates expressions without `new Function`), vega-tooltip and",
        "vega-themes; Vega's build bundles d3 modules (ISC).",
        "",
        "| name | version | licence | sha256 | file |",
        "| --- | --- | --- | --- | --- |",
    ]
    for a in ASSETS:
        dest = a.dest.as_posix()
        lines.append(f"| {a.package} | {a.version} | {a.licence} | `{hashes[dest]}` | `{dest}` |")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def npm_pack(package: str, version: str, workdir: Path) -> Path:
    """Download ``package@version`` as a tarball with the npm client; its path."""
    out = subprocess.run(
        ["npm", "pack", f"{package}@{version}", "--json", "--pack-destination", str(workdir)],
        check=True,
        capture_output=True,
        text=True,
        cwd=workdir,
    ).stdout
    filename: str = json.loads(out)[0]["filename"]
    return workdir / filename


def extract(tarball: Path, source: str) -> bytes:
    with tarfile.open(tarball, "r:gz") as tar:
        member = tar.extractfile(f"package/{source}")
        if member is None:
            raise SystemExit(f"{tarball.name} has no file package/{source}")
        return member.read()


def fetch_all() -> dict[Path, bytes]:
    """The content of every asset, fresh from the registry."""
    contents: dict[Path, bytes] = {}
    with tempfile.TemporaryDirectory() as tmp:
        tarballs: dict[tuple[str, str], Path] = {}
        for a in ASSETS:
            key = (a.package, a.version)
            if key not in tarballs:
                tarballs[key] = npm_pack(a.package, a.version, Path(tmp))
            contents[a.dest] = extract(tarballs[key], a.source)
    return contents


def mismatches(contents: dict[Path, bytes], expected: dict[str, str]) -> list[str]:
    bad = []
    for dest, data in contents.items():
        want = expected.get(dest.as_posix())
        if want != sha256(data):
            bad.append(f"{dest}: sha256 {sha256(data)}, VENDOR.md says {want}")
    return bad


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--update", action="store_true", help="rewrite VENDOR.md's sha256")
    mode.add_argument("--check", action="store_true", help="verify the tree, no download")
    args = parser.parse_args(argv)
    if args.check:
        local = {a.dest: (ROOT / a.dest).read_bytes() for a in ASSETS}
        bad = mismatches(local, read_vendor_md())
    else:
        fresh = fetch_all()
        bad = [] if args.update else mismatches(fresh, read_vendor_md())
        if not bad:
            for dest, data in fresh.items():
                (ROOT / dest).parent.mkdir(parents=True, exist_ok=True)
                (ROOT / dest).write_bytes(data)
            if args.update:
                write_vendor_md({d.as_posix(): sha256(b) for d, b in fresh.items()})
    for line in bad:
        print(line, file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
