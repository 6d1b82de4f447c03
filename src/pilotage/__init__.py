"""Pilotage: the self-hosted cockpit of web product teams."""

__version__ = "0.1.0"
