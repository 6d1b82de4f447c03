from pilotage.seo.model import others_detail


def test_others_detail_leaves_the_page_out_and_counts_the_rest() -> None:
    group = ["a", "b", "c", "d", "e"]
    assert others_detail(group, "b", 2) == "a c (+2 more)"
    assert others_detail(group, "e", 10) == "a b c d"
    assert others_detail(group, "a", 4) == "b c d e"
    assert others_detail(group, "a", 3) == "b c d (+1 more)"


def test_others_detail_of_a_page_outside_the_group() -> None:
    assert others_detail(["a", "b", "c"], "", 2) == "a b (+1 more)"
    assert others_detail(["a", "b", "c"], "z", 3) == "a b c"


def test_others_detail_of_a_large_group_matches_the_plain_definition() -> None:
    group = [f"https://example.org/{i:06d}" for i in range(20_000)]
    for url in (group[0], group[7], group[-1]):
        others = [u for u in group if u != url]
        expected = " ".join(others[:10]) + f" (+{len(others) - 10} more)"
        assert others_detail(group, url, 10) == expected


def test_page_data_stored_with_links_as_arrays_reads_back_equal() -> None:
    import orjson

    from pilotage.seo.model import Image, Link, PageData

    page = PageData(
        title=["Chaises"],
        links=[Link("https://a.example/x", "/x", "Voir", "nofollow", "t"), Link("", "#", "")],
        images=[Image("https://a.example/i.png", None)],
    )
    stored = orjson.loads(page.to_json_bytes())
    assert stored["links"][0] == ["https://a.example/x", "/x", "Voir", "nofollow", "t"]
    assert PageData.from_json(stored) == page
    # what to_json gives (links as objects, as crawl files of earlier versions hold them)
    assert page.to_json()["links"][1] == {"url": "", "raw": "#", "text": "", "rel": "", "title": ""}
    assert PageData.from_json(page.to_json()) == page
