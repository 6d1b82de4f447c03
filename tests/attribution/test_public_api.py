"""The package's public names are exactly those of __all__, and all exist."""

from __future__ import annotations

import pilotage.attribution as attribution


def test_all_names_exist() -> None:
    assert all(hasattr(attribution, name) for name in attribution.__all__)
    assert {"compare", "journeys_from_store", "read_paths_csv", "returns"} <= set(
        attribution.__all__
    )
