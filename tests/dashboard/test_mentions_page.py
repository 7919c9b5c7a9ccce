"""The dashboard and the names reviews mention: offered in the sidebar (the most named first, with what each
is), filtering every view, kept in the page's link, and one click from the Overview's entities chart."""

from __future__ import annotations

from reviewlens.store import Store
from tests.dashboard.test_link import _open
from tests.helpers import app_test, as_read
from tests.reviewlens.test_mentions import seed


def test_filter_by_a_name_in_the_sidebar_and_from_the_overview(tmp_path, monkeypatch):
    db = str(tmp_path / "m.db")
    seed(Store(db))
    at = app_test(monkeypatch, db)  # undated reviews: all time
    box = at.sidebar.multiselect(key="f_mentions")
    assert box.options == ["DHL (company)", "Berlin (place)", "iPhone 15 Pro (product)", "Marco (person)"]
    # the Overview: pick a name under the entities chart, then the explorer shows the reviews naming it
    assert at.selectbox(key="mention_pick").value == "DHL"
    at.button(key="mention_go").click().run()
    assert not at.exception
    assert at.sidebar.radio(key="page").value == "Reviews"
    assert at.sidebar.multiselect(key="f_mentions").value == ["DHL"]
    assert any("2 reviews match" in as_read(c.value) for c in at.caption)
    assert at.query_params["mentions"] == "DHL"
    at.sidebar.multiselect(key="f_mentions").set_value(["Marco"]).run()
    assert any("1 review matches" in as_read(c.value) for c in at.caption)
    shown = " ".join(as_read(m.value) for m in at.markdown)
    assert "store sorted it out." in shown and "lost the parcel" not in shown  # Marco's review alone


def test_a_link_names_a_name_in_any_case(tmp_path, monkeypatch):
    db = str(tmp_path / "m.db")
    seed(Store(db))
    at = _open(monkeypatch, db, page="Reviews", mentions=["dhl", "FedEx"])
    assert at.sidebar.multiselect(key="f_mentions").value == ["DHL"]
    assert any("2 reviews match" in as_read(c.value) for c in at.caption)
    assert any("name 'FedEx' not in this store" in as_read(w.value) for w in at.warning)


def test_a_link_naming_a_products_own_name_says_so(tmp_path, monkeypatch):
    """The Mentions box leaves a product's own name out (as `reviewlens mentions` does): a link naming it said
    "not in this store" of a name on every review's product."""
    db = str(tmp_path / "m.db")
    seed(Store(db))  # the product is "Case"
    at = _open(monkeypatch, db, page="Reviews", mentions=["case", "DHL"])
    assert at.sidebar.multiselect(key="f_mentions").value == ["DHL"]
    said = " ".join(as_read(w.value) for w in at.warning)
    assert "name 'case' is (part of) the name of the product 'Case'" in said and "Product filter" in said
    assert "not in this store" not in said


def test_what_customers_compare_with_on_the_overview(tmp_path, monkeypatch):
    """The Overview's "What customers compare with": each competitor with which way its reviewers went, its
    sentences quoted, and a button to the reviews that name it."""
    from tests.reviewlens.test_competitors import seed as seed_competitors

    db = str(tmp_path / "c.db")
    seed_competitors(Store(db))
    at = app_test(monkeypatch, db)
    heads = [as_read(e.label) for e in at.expander]
    assert any(h.startswith("Sony WH-1000XM5 — 4 reviews (2 went to it, 2 compared), rated 2.8★") for h in heads), heads
    assert any(h.startswith("Bose — 2 reviews (2 came from it)") for h in heads), heads
    shown = " ".join(as_read(m.value) for m in at.markdown)
    assert "Returned it and bought the sony wh-1000xm5 instead." in shown
    assert "Those who went to it complained of: Quality (2)." in shown
    at.button(key="competitor_btn_0").click().run()
    assert not at.exception
    assert at.sidebar.radio(key="page").value == "Reviews"
    assert at.sidebar.multiselect(key="f_mentions").value == ["Sony WH-1000XM5"]
    assert any("4 reviews match" in as_read(c.value) for c in at.caption)


def test_what_reviews_say_of_the_names_on_the_overview(tmp_path, monkeypatch):
    """The Overview's "What reviews say of the names they mention": each name with what its reviews say of it
    (by the clause that names it, not the review's mood), its sentences quoted, a button to its reviews; and
    the review's text marks what it says of the name."""
    from tests.reviewlens.test_names_said import seed as seed_names

    db = str(tmp_path / "n.db")
    seed_names(Store(db))
    at = app_test(monkeypatch, db)
    heads = [as_read(e.label) for e in at.expander]
    assert any(h.startswith("Marco (person) — 5 reviews: 3 speak well of them, 2 badly, 1 only names them, rated "
                            "3.0★") for h in heads), heads
    assert any(h.startswith("DHL (company) — 1 review: 1 speaks badly of it") for h in heads), heads
    assert not any(h.startswith("Trattoria (") for h in heads)  # the reviewed product's own name
    shown = " ".join(as_read(m.value) for m in at.markdown)
    assert "Unser Kellner MARCO war sehr freundlich." in shown and "machine translation (de)" in shown
    assert "Lovely evening, but DHL lost the voucher we ordered." in shown
    at.button(key="name_btn_0").click().run()
    assert not at.exception
    assert at.sidebar.radio(key="page").value == "Reviews"
    assert at.sidebar.multiselect(key="f_mentions").value == ["Marco"]
    assert any("5 reviews match" in as_read(c.value) for c in at.caption)
    html = " ".join(m.value for m in at.markdown)
    assert 'title="person: positive">MARCO<sup>' in as_read(html)  # the newest review, open under the list


def test_the_names_most_spoken_badly_of_first(tmp_path, monkeypatch):
    """The staff customers complain of: the Overview's names, the most spoken badly of first (or well of)."""
    from tests.reviewlens.test_names_said import seed as seed_names

    db = str(tmp_path / "n.db")
    seed_names(Store(db))
    at = app_test(monkeypatch, db)
    at.radio(key="names_order").set_value("negative").run()
    assert not at.exception
    import re

    def names_shown():  # the names section's expanders ("Marco (person) — 5 reviews: ..."), not the competitors'
        return [h for h in (as_read(e.label) for e in at.expander) if re.match(r".+ \(\w+\) — \d+ reviews?: ", h)]

    firsts = names_shown()
    assert firsts[0].startswith("Marco (person) — 5 reviews: 3 speak well of them, 2 badly"), firsts
    assert firsts[1].startswith("DHL (company) — 1 review: 1 speaks badly of it"), firsts
    assert not any(h.startswith("Giulia") for h in firsts)  # spoken only well of: not in this list
    at.radio(key="names_order").set_value("positive").run()
    firsts = names_shown()
    assert firsts[0].startswith("Marco (person)") and any(h.startswith("Giulia (person)") for h in firsts)
    assert not any(h.startswith("DHL") for h in firsts)
    at.radio(key="names_order").set_value("negative").run()
    at.button(key="name_btn_1").click().run()   # DHL: the reviews that speak badly of it
    assert not at.exception and at.sidebar.radio(key="page").value == "Reviews"
    assert at.sidebar.multiselect(key="f_mentions").value == ["DHL"]
    assert at.sidebar.selectbox(key="f_said").value == "Speak badly of them"
    assert any("1 review matches" in as_read(c.value) for c in at.caption)


def test_a_link_to_the_reviews_that_speak_badly_of_a_name(tmp_path, monkeypatch):
    """?mentions=Marco&said=badly (the name alert's link): the sidebar's "What they say of them" set, the
    explorer on those reviews alone, and the address keeps it."""
    from tests.reviewlens.test_names_said import seed as seed_names

    db = str(tmp_path / "n.db")
    seed_names(Store(db))
    at = _open(monkeypatch, db, page="Reviews", period="all", mentions=["marco"], said=["badly"])
    assert at.sidebar.multiselect(key="f_mentions").value == ["Marco"]
    assert at.sidebar.selectbox(key="f_said").value == "Speak badly of them"
    assert any("2 reviews match" in as_read(c.value) for c in at.caption)
    assert at.query_params["said"] == "badly"
    at.sidebar.selectbox(key="f_said").set_value("Speak well of them").run()
    assert any("3 reviews match" in as_read(c.value) for c in at.caption)
    at.sidebar.multiselect(key="f_mentions").set_value([]).run()   # no names: the box is gone, and its filter
    assert not at.exception and not [s for s in at.sidebar.selectbox if s.key == "f_said"]
    assert any("10 reviews match" in as_read(c.value) for c in at.caption)
