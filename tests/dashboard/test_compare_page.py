"""The dashboard's Compare page (streamlit AppTest, real SQLite store): the table, the chart and the
differences, for products and for periods."""

from __future__ import annotations

from typing import Sequence

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import APP_PATH
from reviewlens.schema import Review
from reviewlens.store import Store
from tests.reviewlens.test_comparison import NEWEST, seed

pytestmark = pytest.mark.timeout(120)


def compare_page(monkeypatch, tmp_path, more: Sequence[Review] = ()) -> AppTest:
    """The Compare page of all time on the comparison seed (Kettle 40, Toaster 40, Mug 3 reviews), and `more`."""
    db = str(tmp_path / "c.db")
    store = Store(db)
    seed(store)
    store.upsert_reviews(list(more))
    store.close()
    return compare_page_of(monkeypatch, db)


def compare_page_of(monkeypatch, db: str) -> AppTest:
    """The Compare page of all time on the store `db`."""
    monkeypatch.setenv("REVIEWLENS_DB", db)
    at = AppTest.from_file(str(APP_PATH), default_timeout=60)
    at.run()
    at.sidebar.selectbox(key="f_period").set_value("All time").run()
    at.sidebar.radio(key="page").set_value("Compare").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_compare_page_takes_the_five_most_reviewed_as_the_cli_does(monkeypatch, tmp_path):
    """The page compared the 3 most reviewed products, `reviewlens compare` the 5: the same 5 now."""
    at = compare_page(monkeypatch, tmp_path, [Review(source="shop", product=p, text=f"{p} review {i}", rating=3)
                                              for n, p in enumerate(["Lamp", "Fan", "Iron"]) for i in range(3 - n)])
    assert at.multiselect(key="cmp_product").value == ["Kettle", "Toaster", "Lamp", "Mug", "Fan"]


def test_compare_page(monkeypatch, tmp_path):
    at = compare_page(monkeypatch, tmp_path)
    assert at.multiselect(key="cmp_product").value == ["Kettle", "Toaster", "Mug"]  # the most reviewed first
    at.multiselect(key="cmp_product").set_value(["Kettle", "Toaster"]).run()
    table = at.dataframe[-1].value
    assert list(table.columns) == ["Kettle", "Toaster"]
    assert table.loc["Delivery: % complaining"].tolist() == ["50%", "5%"]
    assert table.loc["Reviews"].tolist() == ["40", "40"] and table.loc["Average rating"].tolist() == ["2.50★", "4.50★"]
    # strengths on demand: the table shows the complaints, a toggle adds the praise rows
    assert not any(str(i).endswith(": % praising") for i in table.index)
    at.toggle(key="cmp_praise").set_value(True).run()
    assert any(str(i).endswith(": % praising") for i in at.dataframe[-1].value.index)
    assert at.get("arrow_vega_lite_chart") or at.get("vega_lite_chart")  # the complaint shares chart
    said = " ".join(m.value for m in at.markdown).replace("\\", "").replace("\u200b", "")  # markdown-escaped
    assert "Delivery: 50% of reviews complain about it for Kettle vs 5% for Toaster" in said
    at.radio(key="cmp_by").set_value("period").run()
    assert not at.exception, [e.value for e in at.exception]
    assert "comparing the last 90 days with the 90 before" in " ".join(c.value for c in at.caption)
    assert len(at.dataframe[-1].value.columns) == 2


def test_a_small_group_is_drawn_pale_and_its_size_named(monkeypatch, tmp_path):
    """A group of 3 reviews beside one of 40: its shares (33% on one review) stood as tall as any, and nothing
    said how few reviews it had. The legend names each group's reviews, its bars are pale, a caption says why."""
    import json

    at = compare_page(monkeypatch, tmp_path)
    at.multiselect(key="cmp_product").set_value(["Kettle", "Mug"]).run()
    assert not at.exception, [e.value for e in at.exception]
    [chart] = at.get("arrow_vega_lite_chart") or at.get("vega_lite_chart")
    spec = json.loads(chart.proto.spec)
    assert spec["encoding"]["color"]["scale"]["domain"] == ["Kettle (40 reviews)", "Mug (3 reviews)"]
    assert spec["encoding"]["opacity"]["condition"]["test"] == "datum.few"
    assert spec["encoding"]["opacity"]["condition"]["value"] < spec["encoding"]["opacity"]["value"]
    assert "Pale: Mug, with fewer than 10 analyzed reviews" in " ".join(c.value for c in at.caption)


def test_the_scorecard_of_every_product_comes_before_the_few_compared(monkeypatch, tmp_path):
    """A chain's 40 branches had no view but eight side by side: the page now opens with every product in one
    table (reviewlens.scorecard), the ones to look at first at the top, and why, escaped."""
    more = [Review(source="shop", product="Lamp *bold* <b>x</b>", text=f"Lamp review {i}", rating=1 + i % 2,
                   date=NEWEST) for i in range(12)]
    at = compare_page(monkeypatch, tmp_path, more)
    card = at.dataframe[0].value
    assert list(card.columns)[:4] == ["look", "name", "reviews", "rating"]
    assert list(card["name"]) == ["Lamp *bold* <b>x</b>", "Kettle", "Toaster", "Mug"]  # flagged, then lowest first
    assert list(card["look"]) == ["!", "!", "", ""]
    # whole percents as the comparison below shows them (the grid's own rounding made 62.5% "63%" beside its "62%")
    assert all(v == round(v) for v in card["negative"].dropna()) and card["rating"].tolist()[1] == 2.5
    said = [m.value for m in at.markdown if m.value.startswith("- **")]
    assert said == ["- **Lamp \\*bold\\* \\<b\\>x\\<\\/b\\>**: rating 1\\.50★ against 3\\.52★ for the rest \\(p \\< "
                    "0\\.001\\)", "- **Kettle**: rating 2\\.50★ against 3\\.82★ for the rest \\(p \\< 0\\.001\\)"]
    assert "**All 4 products at a glance** (the ones to look at first at the top)" in [m.value for m in at.markdown]
    assert "Change: the average rating of 2026-08-23 to 2026-11-20 against 2026-05-25 to 2026-08-22." in \
        " ".join(c.value for c in at.caption)
    # below it, the comparison of the most reviewed, as before
    assert len(at.dataframe) == 2 and list(at.dataframe[-1].value.columns) == ["Kettle", "Toaster",
                                                                                "Lamp *bold* <b>x</b>", "Mug"]


def test_the_scorecard_names_each_products_top_theme_once_themes_are_computed(monkeypatch, tmp_path):
    """Before `reviewlens complaints` the scorecard has no theme columns (empty ones said nothing); after, each
    product's top complaint theme and the share of its reviews in it."""
    from reviewlens.schema import ComplaintTheme

    at = compare_page(monkeypatch, tmp_path)
    assert "theme" not in at.dataframe[0].value.columns
    store = Store(str(tmp_path / "c.db"))
    kettle = list(store.reviews_frame(products=["Kettle"])["id"])
    store.save_complaints([ComplaintTheme("Lid *breaks*", "", 10, 5.0, review_ids=kettle[:10])])
    store.close()
    import streamlit as st
    st.cache_data.clear()
    at.run()
    card = at.dataframe[0].value.set_index("name")
    assert card.loc["Kettle", "theme"] == "Lid *breaks*" and card.loc["Kettle", "theme_share"] == 25.0
    assert card["theme"].isna().sum() == len(card) - 1
