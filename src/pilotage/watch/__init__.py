"""Competitive watch: monitors on competitor pages, snapshots, diffs, prices and feeds.

Pure functions (no network) live in ``content`` (what a monitor sees of a page), ``diff``
(readable diffs and the significance of a change), ``price`` (offers, prices and
availability) and ``feeds`` (RSS/Atom entries and keyword filters); storage, scheduling
and notifications build on them.
"""
