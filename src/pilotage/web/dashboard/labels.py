"""Translated names of metrics, dimensions, periods and roles, for pages and exports."""

from __future__ import annotations

from collections.abc import Callable

Gettext = Callable[[str], str]


def metrics(_: Gettext) -> dict[str, str]:
    return {
        "visitors": _("Unique visitors"),
        "visits": _("Visits"),
        "pageviews": _("Pageviews"),
        "views_per_visit": _("Views per visit"),
        "bounce_rate": _("Bounce rate"),
        "visit_duration": _("Visit duration"),
        "events": _("Events"),
        "conversion_rate": _("Conversion rate"),
        "revenue": _("Revenue"),
        "average_order_value": _("Average order value"),
    }


def dimensions(_: Gettext) -> dict[str, str]:
    return {
        "channel": _("Channels"),
        "source": _("Sources"),
        "referrer": _("Referrers"),
        "utm_source": _("UTM sources"),
        "utm_medium": _("UTM media"),
        "utm_campaign": _("UTM campaigns"),
        "utm_content": _("UTM contents"),
        "utm_term": _("UTM terms"),
        "page": _("Top pages"),
        "entry_page": _("Entry pages"),
        "exit_page": _("Exit pages"),
        "country": _("Countries"),
        "device": _("Devices"),
        "browser": _("Browsers"),
        "os": _("Operating systems"),
        "goal": _("Goals"),
        "hostname": _("Hostnames"),
        "event_name": _("Events"),
    }


def dimension_singular(_: Gettext) -> dict[str, str]:
    return {
        "channel": _("Channel"),
        "source": _("Source"),
        "referrer": _("Referrer"),
        "utm_source": _("UTM source"),
        "utm_medium": _("UTM medium"),
        "utm_campaign": _("UTM campaign"),
        "utm_content": _("UTM content"),
        "utm_term": _("UTM term"),
        "page": _("Page"),
        "entry_page": _("Entry page"),
        "exit_page": _("Exit page"),
        "country": _("Country"),
        "device": _("Device"),
        "browser": _("Browser"),
        "os": _("Operating system"),
        "goal": _("Goal"),
        "hostname": _("Hostname"),
        "event_name": _("Event"),
    }


def periods(_: Gettext) -> dict[str, str]:
    return {
        "day": _("Today"),
        "7d": _("Last 7 days"),
        "28d": _("Last 28 days"),
        "30d": _("Last 30 days"),
        "91d": _("Last 91 days"),
        "month": _("This month"),
        "6mo": _("Last 6 months"),
        "12mo": _("Last 12 months"),
        "year": _("This year"),
        "all": _("All time"),
        "custom": _("Custom range"),
    }


def intervals(_: Gettext) -> dict[str, str]:
    return {"hour": _("Hours"), "day": _("Days"), "week": _("Weeks"), "month": _("Months")}


def panels(_: Gettext) -> dict[str, str]:
    return {
        "sources": _("Sources"),
        "pages": _("Pages"),
        "locations": _("Locations"),
        "devices": _("Devices"),
    }


def roles(_: Gettext) -> dict[str | None, str]:
    return {
        "viewer": _("Viewer"),
        "editor": _("Editor"),
        "admin": _("Admin"),
        "owner": _("Owner"),
        None: "",
    }


def operators(_: Gettext) -> dict[str, str]:
    return {
        "is": _("is"),
        "is_not": _("is not"),
        "contains": _("contains"),
        "contains_not": _("does not contain"),
    }
