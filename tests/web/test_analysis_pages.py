"""Attribution and customers pages: the engines' numbers, uploads, bad files."""

from __future__ import annotations

import re

from pilotage import attribution
from pilotage.sites import analytics_goals, get_site
from tests.web.web_support import SITE, Web


def _journeys(web: Web) -> None:
    web.hit("https://shop.example/", "https://www.google.com/", visitor=1)
    web.hit("https://shop.example/thanks", visitor=1)
    web.hit("https://shop.example/?utm_source=news&utm_medium=email", visitor=2)
    web.hit("https://shop.example/thanks", visitor=2)
    web.hit("https://shop.example/", "https://www.bing.com/", visitor=3)
    web.drain()


def test_attribution_page_shows_every_model_from_the_store(web: Web) -> None:
    _journeys(web)
    web.login()
    page = web.client.get(
        f"/sites/{SITE}/attribution?period=day", headers={"Accept-Language": "en"}
    )
    assert page.status_code == 200
    inst = web.client.app.state.instance  # type: ignore[attr-defined]
    with inst.app.session() as s:
        site = get_site(s, SITE)
        goal, tz = analytics_goals(site)[0], site.timezone
    journeys = attribution.journeys_from_store(inst.events, SITE, "day", goal, timezone=tz)
    expected = attribution.compare(journeys)
    first = next(r for r in expected.results if r.model == "first_touch")
    assert set(first.channels) >= {"Organic Search", "Email"}
    for channel in first.channels:
        row = re.search(rf'<th scope="row">{re.escape(channel)}</th>(.*?)</tr>', page.text, re.S)
        assert row, channel
        cells = re.findall(r'<td class="num">([^<]+)</td>', row.group(1))
        assert cells[0] == f"{first.conversions_of(channel):,.1f}"
    assert "Markov chain" in page.text and "chart-attribution" in page.text


def test_attribution_refuses_bad_options(web: Web) -> None:
    web.login()
    assert web.client.get(f"/sites/{SITE}/attribution?by=weather").status_code == 400
    assert web.client.get(f"/sites/{SITE}/attribution?lookback=0").status_code == 400
    assert web.client.get(f"/sites/{SITE}/attribution?goal=Nope").status_code == 400


def test_customers_from_the_cdnow_sample(web: Web) -> None:
    web.login()
    r = web.post_form(f"/sites/{SITE}/customers", {"sample": "cdnow"}, f"/sites/{SITE}/customers")
    text = r.text  # type: ignore[attr-defined]
    assert r.status_code == 200  # type: ignore[attr-defined]
    assert "Champions" in text and "chart-cohorts" in text and "chart-clv" in text
    assert "r = 0,243" in text  # the published BG/NBD fit, in French notation


def test_customers_from_an_uploaded_file_and_a_bad_one(web: Web) -> None:
    web.login()
    token = web.csrf(f"/sites/{SITE}/customers")
    good = "client,jour,montant\n1,2026-01-05,10\n1,2026-02-07,20\n2,2026-01-09,5\n3,2026-03-01,7\n"
    r = web.client.post(
        f"/sites/{SITE}/customers",
        data={"csrf": token, "columns": "customer_id=client,date=jour,amount=montant"},
        files={"orders": ("orders.csv", good.encode(), "text/csv")},
    )
    assert r.status_code == 200 and "Fidèles" in r.text  # RFM of three customers
    assert "trop peu" in r.text or "too few customers" in r.text  # no lifetime model
    bad = "customer_id,date,amount\n1,2026-01-05,-10\n"
    r = web.client.post(
        f"/sites/{SITE}/customers",
        data={"csrf": token},
        files={"orders": ("orders.csv", bad.encode(), "text/csv")},
    )
    assert r.status_code == 400 and 'class="error"' in r.text
    r = web.client.post(f"/sites/{SITE}/customers", data={"sample": "cdnow"})
    assert r.status_code == 403  # no CSRF token


def test_experiments_page_reads_the_variants_from_the_store(web: Web) -> None:
    from pilotage import experiments

    for i in range(1, 9):
        arm = "A" if i % 2 else "B"
        web.hit("https://shop.example/checkout", visitor=i, p={"checkout_form": arm})
        if i % 4 == 0 or i == 1:
            web.hit("https://shop.example/thanks", visitor=i)
    web.drain()
    web.login()
    page = web.client.get(
        f"/sites/{SITE}/experiments?period=day", headers={"Accept-Language": "en"}
    )
    assert page.status_code == 200
    inst = web.client.app.state.instance  # type: ignore[attr-defined]
    with inst.app.session() as s:
        site = get_site(s, SITE)
        goals, tz = analytics_goals(site), site.timezone
    data = experiments.experiment_stats(
        inst.events, SITE, "checkout_form", goals=goals, period="day", timezone=tz
    )
    assert data.variants == ("A", "B") and data.visitors == (4, 4)
    thanks = data.metric("Thanks")
    assert (int(thanks.stats.conversions[0]), int(thanks.stats.conversions[1])) == (1, 2)
    assert "A (control)" in page.text and "chart-lift" in page.text
    assert "25.00%" in page.text and "50.00%" in page.text  # the two conversion rates
    assert "Keep running" in page.text


def test_experiments_page_without_any_property(web: Web) -> None:
    web.login()
    page = web.client.get(f"/sites/{SITE}/experiments", headers={"Accept-Language": "en"})
    assert page.status_code == 200 and "None was seen in this period" in page.text
    assert web.client.get(f"/sites/{SITE}/experiments?experiment=nope").status_code == 200


def test_costs_give_returns_per_channel(web: Web) -> None:
    from datetime import date

    _journeys(web)
    web.login()
    today = date.today().isoformat()
    csv_text = f"date,channel,cost,currency\n{today},Organic Search,50,EUR\n{today},Email,10,EUR\n"
    token = web.csrf(f"/sites/{SITE}/attribution?period=7d")
    r = web.client.post(
        f"/sites/{SITE}/attribution?period=7d",
        data={"csrf": token, "goal": "Thanks", "model": "first_touch"},
        files={"costs": ("costs.csv", csv_text.encode(), "text/csv")},
        headers={"Accept-Language": "en"},
    )
    assert r.status_code == 200, r.text
    email = re.search(
        r'<th scope="row">Email</th>(.*?)</tr>', r.text.split('id="returns-title"')[1], re.S
    )
    assert email
    cells = re.findall(r'<td class="num">([^<]+)</td>', email.group(1))
    # first touch credits Email with 1 conversion of no value: cost 10, CPA 10, ROI -100 %
    assert (
        cells[0] == "€10.00" and cells[1] == "1.0" and cells[3] == "-100%" and cells[5] == "€10.00"
    )
    bad = f"date,channel,cost,currency\n{today},Nowhere,5,EUR\n"  # a misspelt channel
    r = web.client.post(
        f"/sites/{SITE}/attribution?period=all",
        data={"csrf": token, "goal": "Thanks"},
        files={"costs": ("costs.csv", bad.encode(), "text/csv")},
    )
    assert r.status_code == 400 and 'class="error"' in r.text


def test_costs_can_be_typed_into_the_form(web: Web) -> None:
    from datetime import date

    _journeys(web)
    web.login()
    today = date.today().isoformat()
    token = web.csrf(f"/sites/{SITE}/attribution?period=7d")
    r = web.client.post(
        f"/sites/{SITE}/attribution?period=7d",
        data={
            "csrf": token,
            "goal": "Thanks",
            "model": "last_touch",
            "typed": f"date,channel,cost,currency\n{today},Email,4,EUR",
        },
        headers={"Accept-Language": "en"},
    )
    assert r.status_code == 200 and "€4.00" in r.text.split('id="returns-title"')[1]


def test_customers_from_the_sites_purchases_on_the_page_and_the_api(web: Web) -> None:
    for visitor, customer in ((1, "c1"), (2, "c1"), (3, "c2")):
        web.hit(
            "https://shop.example/thanks",
            name="Purchase",
            visitor=visitor,
            p={"customer_id": customer},
            revenue={"amount": "20", "currency": "EUR"},
        )
    web.drain()
    web.login()
    token = web.csrf(f"/sites/{SITE}/customers")
    r = web.client.post(f"/sites/{SITE}/customers", data={"csrf": token, "store": "1"})
    assert r.status_code == 200 and "Segments RFM" in r.text
    assert "Clients les plus précieux" not in r.text  # two customers: no lifetime model
    from pilotage import accounts

    with web.client.app.state.instance.app.session() as s:  # type: ignore[attr-defined]
        owner = accounts.find_user(s, "owner@example.org")
        assert owner is not None
        _row, key = accounts.create_api_key(s, owner, "t", ["stats:read"])
    api = web.client.post(
        "/api/v2/customers", json={"site_id": SITE}, headers={"Authorization": f"Bearer {key}"}
    )
    assert api.status_code == 200, api.text
    body = api.json()
    assert body["orders"] == 3 and sum(s["customers"] for s in body["segments"]) == 2
    none = web.client.post(
        "/api/v2/customers",
        json={"site_id": SITE, "customer_property": "account"},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert none.status_code == 404 and none.json()["error"]["field"] == "customer_property"
