"""The JavaScript tracker served to websites, minified once per process.

``pilotage.js`` beside this module is the readable source. It is minified with rjsmin
(comments and blanks stripped, names kept) the first time it is asked for; the web layer
serves ``tracker_script()`` as ``/js/pilotage.js`` with ``tracker_etag()`` as its ETag.
What the script sends, and why, is in docs/tracker.md.
"""

from __future__ import annotations

import hashlib
from functools import cache
from importlib.resources import files

import rjsmin

__all__ = ["tracker_etag", "tracker_script"]


@cache
def tracker_script() -> bytes:
    """The minified tracker, UTF-8 encoded, ready to serve as ``text/javascript``."""
    source = files(__name__).joinpath("pilotage.js").read_text(encoding="utf-8")
    minified: str = rjsmin.jsmin(source)
    return minified.strip().encode("utf-8")


@cache
def tracker_etag() -> str:
    """A strong ETag (quotes included) that changes whenever the served script changes."""
    return '"' + hashlib.sha256(tracker_script()).hexdigest()[:32] + '"'
