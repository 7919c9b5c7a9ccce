"""What customers love: praise themes with counts, trend and verbatim quotes, never a complaint quoted as praise."""

from __future__ import annotations

from datetime import date

from analysis.praise import find_praise, praise_statements
from tests.analysis.test_complaints import _frame

BATTERY = ["The battery easily lasts two full days of heavy use.", "Battery life is amazing, three days between charges.",
           "I love how long the battery lasts, almost a week.", "Great battery, it lasts for days."]
SCREEN = ["The screen is bright and sharp, easy to read in the sun.", "Gorgeous display, the colours are vivid.",
          "The display is beautiful and crisp."]
MIXED = "The strap is really comfortable, but the app crashes every day."
COMPLAINTS = ["The app crashes every time I open it.", "Shipping took three weeks, terrible.",
              "Support never answered my emails."]
GENERIC = ["Love it.", "Five stars.", "Highly recommend!"]


def test_praise_themes_count_reviews_and_quote_praise_only(embedder):
    items = ([(s, 5.0) for s in BATTERY + SCREEN + GENERIC] + [(MIXED, 3.0)] + [(s, 1.0) for s in COMPLAINTS])
    cur = _frame(items, "p", date(2026, 11, 1))
    cur.loc[cur["rating"] >= 4, "sentiment"] = "positive"
    prev = _frame([(BATTERY[0], 5.0), (SCREEN[0], 5.0), (SCREEN[1], 5.0)], "q", date(2026, 8, 1))
    prev["sentiment"] = "positive"
    themes = find_praise(cur, prev, top=5, embedder=embedder)
    assert len(themes) >= 2
    first, second = themes[0], themes[1]
    texts = dict(zip(cur["id"], cur["text"]))
    assert sorted(texts[i] for i in first.review_ids) == sorted(BATTERY), [(t.label, t.review_ids) for t in themes]
    assert sorted(texts[i] for i in second.review_ids) == sorted(SCREEN)
    assert first.previous_count == 1 and second.previous_count == 2
    assert first.label.startswith("Performance") or "battery" in first.label.lower(), first.label  # fallback name
    assert "praise" in first.summary
    quoted = [q.text for t in themes for q in t.quotes]
    for t in themes:
        for q in t.quotes:
            assert q.text in texts[q.review_id]  # verbatim
    # no complaint, no generic praise, and of the mixed review only its praise
    assert not any(c in q or q in c for q in quoted for c in COMPLAINTS)
    assert not any(g.rstrip("!.") in q for q in quoted for g in GENERIC)
    assert not any("crashes" in q for q in quoted)


def test_the_praising_clause_of_a_mixed_sentence_is_the_statement():
    cur = _frame([(MIXED, 3.0), ("Terrible, it broke after a day.", 1.0)], "m", date(2026, 11, 1))
    cur["sentiment"] = ["neutral", "negative"]
    stmts = praise_statements(cur)
    assert [s.text for s in stmts] == ["The strap is really comfortable"]
    assert all(s.text in MIXED for s in stmts)


def test_a_review_rated_one_or_two_stars_gives_no_praise_even_read_positive():
    """App-store sarcasm read positive ("Love typing my password every morning. 10/10.", 1 star) became a praise
    theme named "Love typing"; a 5-star review's praise and a 3-star review's are still taken."""
    sarcasm = "Oh great, another update that logs me out. Love typing my password every morning. 10/10."
    cur = _frame([(sarcasm, 1.0), ("Truly impressive engineering, every update makes it slower.", 2.0),
                  (BATTERY[0], 5.0), (MIXED, 3.0)], "s", date(2026, 11, 1))
    cur["sentiment"] = ["positive", "positive", "positive", "neutral"]
    quoted = [s.text for s in praise_statements(cur)]
    assert quoted == [BATTERY[0], "The strap is really comfortable"], quoted


def test_an_llm_names_praise_with_the_praise_prompt(embedder):
    """The naming conversation says praise (not complaints), and the model's name is used."""
    seen = []

    class Namer:
        def generate(self, convs, **kw):
            seen.extend(convs)
            last = [str(c[-1]).lower() for c in convs]  # the theme's statements (the example comes before)
            if kw.get("json_schema") is None:  # the second look names the summary: keep the first names
                return ["Battery" if "battery" in m else "Screen" for m in last]
            return ['{"label": "Long battery life", "summary": "The battery lasts for days."}'
                    if "battery" in m else '{"label": "Bright display", "summary": "A sharp screen."}' for m in last]

    cur = _frame([(s, 5.0) for s in BATTERY + SCREEN], "n", date(2026, 11, 1))
    cur["sentiment"] = "positive"
    themes = find_praise(cur, None, top=2, embedder=embedder, backend=Namer())
    assert {t.label for t in themes} == {"Long battery life", "Bright display"}
    system = seen[0][0]["content"] if isinstance(seen[0][0], dict) else seen[0][0].content
    assert "praise" in system.lower() and "complaint" not in system.lower()


def test_praise_in_another_language_is_quoted_in_its_own_words():
    """A review in German is read in its stored English translation and quoted in German, sentence by sentence."""
    de = "Der Akku hält wirklich drei Tage. Die Lieferung war leider sehr langsam."
    en = "The battery really lasts three days. Unfortunately the delivery was very slow."
    cur = _frame([(de, 4.0)], "g", date(2026, 11, 1))
    cur["translation"], cur["detected_language"] = en, "de"
    stmts = praise_statements(cur)
    assert [(s.text, s.translation, s.language) for s in stmts][:1] == [
        ("Der Akku hält wirklich drei Tage.", "The battery really lasts three days.", "de")]
    assert all(s.text in de for s in stmts)


def test_the_complaint_half_of_a_mixed_sentence_in_another_language_is_no_praise(embedder):
    """A 3-star "Sehr bequem, aber die Lieferung hat über zwei Wochen gedauert." (a late delivery) was quoted
    whole under "Fast delivery", and "Prima jas, maar de prijs is wel aan de hoge kant." under "High price"; a
    colour wish under "Green jacket". Each clause is judged and quoted on its own, with its own translation, and
    a wish is no praise."""
    from analysis.praise import PRAISE

    rows = [("Sehr bequem, aber die Lieferung hat über zwei Wochen gedauert.",
             "Very good, but the delivery took two weeks.", "de"),
            ("Prima jas, maar de prijs is wel aan de hoge kant.", "First, it's good, but the price is too high.", "nl"),
            ("Produit correct mais expédition d'une lenteur incroyable.",
             "The product is correct but an extraordinary speed.", "fr"),
            ("Bitte bietet die Jacke auch in Grün oder Blau an, nur Schwarz ist langweilig.",
             "Please provide the jacket in either green or blue, only black is long.", "de")]
    cur = _frame([(own, 3.0) for own, _, _ in rows], "x", date(2026, 11, 1))
    cur["translation"] = [en for _, en, _ in rows]
    cur["detected_language"] = [lang for _, _, lang in rows]
    cur["sentiment"] = "positive"
    stmts = praise_statements(cur)
    vecs = embedder.encode([s.embed_text or s.text for s in stmts])
    kept = [(s.text, s.translation) for s, k in zip(stmts, PRAISE.keep(stmts, vecs)) if k]
    assert kept == [("Sehr bequem", "Very good"), ("Prima jas", "First, it's good")], kept
