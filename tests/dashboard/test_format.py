"""The display formatters the dashboard and the report share."""

from __future__ import annotations

from dashboard.format import entities_text, fmt_delta, fmt_num, fmt_stars, topics_text


def test_topics_text_marks_and_words():
    topics = [{"topic": "delivery", "sentiment": "negative"}, {"topic": "size_fit", "sentiment": "positive"},
              {"topic": "price"}, "junk"]
    assert topics_text(topics) == "Delivery (−), Size and fit (+), Price (?)"
    assert topics_text(topics, words=True) == "Delivery (negative), Size and fit (positive), Price (?)"
    assert topics_text([]) == ""


def test_entities_text_distinct_in_order_in_words():
    """The explorer's and the report's Entities column said ORG/LOCATION where the charts say company/place."""
    ents = [{"text": "DHL", "type": "ORG"}, {"text": "Berlin", "type": "LOCATION"}, {"text": "DHL", "type": "ORG"},
            {"text": ""}, None, {"text": "x"}, {"text": "Carbonara", "type": "DISH"}]
    assert entities_text(ents) == "DHL (company), Berlin (place), x (name), Carbonara (dish)"


def test_numbers():
    assert fmt_num(1234.4) == "1,234" and fmt_num(None) == "—" and fmt_num(float("nan")) == "—"
    assert fmt_num(4.256, "{:.2f} ★") == "4.26 ★"
    assert fmt_delta(None, "{:+.1f}") is None and fmt_delta(-2.0, "{:+.1f} pp") == "-2.0 pp"


def test_entities_text_neutralises_bidi_overrides():
    """An entity is a span of review text: a right-to-left override must not reorder what is shown."""
    out = entities_text([{"text": "photo\u202egnp.exe", "type": "PRODUCT"}])
    assert "\u202e" not in out and out == "photo⟨U+202E⟩gnp.exe (product)"


def test_a_rating_is_written_as_a_number_of_stars():
    """Not drawn as one ★ per point: a 1-star review showed a lone "★", and 4.5 (rounded half to even) four."""
    assert [fmt_stars(v) for v in (1, 1.0, 4.5, 3.333, 5)] == ["1★", "1★", "4.5★", "3.3★", "5★"]
    assert fmt_stars(None) == fmt_stars(float("nan")) == "no rating"
