"""The web app: collector, tracker script, APIs (FastAPI, thin over the domain packages)."""

from pilotage.web.app import create_app

__all__ = ["create_app"]
