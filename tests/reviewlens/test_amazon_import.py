"""Amazon's reviews as its exporters and scrapers write them import whole. A file of them lost every row ("date
'Reviewed in the United States on November 3, 2025' is not a date"); with the dates mended, a row whose votes said
"12 people found this helpful" was skipped, and "1.0 out of 5 stars" or "4,0 von 5 Sternen" was no rating."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from reviewlens.language_dates import other_language_date, written_date_in
from reviewlens.records_io import read_reviews_file
from scraper.normalize import parse_date, parse_rating

HEADER = ["Date", "Author", "Verified", "Helpful", "Title", "Body", "Rating", "Images", "URL", "Variation", "ASIN"]
#: (the date as Amazon writes it in that country, the day, its rating, the rating, its votes, the votes, its badge)
AMAZON = [
    ("Reviewed in the United States on November 3, 2025", date(2025, 11, 3), "1.0 out of 5 stars", 1.0,
     "12 people found this helpful", 12, "Verified Purchase"),
    ("Reviewed in the United Kingdom on 4 November 2025", date(2025, 11, 4), "5.0 out of 5 stars", 5.0,
     "One person found this helpful", 1, "Verified Purchase"),
    ("Reviewed in India 🇮🇳 on 2 November 2025", date(2025, 11, 2), "3.0 out of 5 stars", 3.0, "", None, ""),
    ("Rezension aus Deutschland vom 5. November 2025", date(2025, 11, 5), "4,0 von 5 Sternen", 4.0,
     "Eine Person fand diese Informationen hilfreich", 1, "Verifizierter Kauf"),
    ("Commenté en France le 6 novembre 2025", date(2025, 11, 6), "2,0 sur 5 étoiles", 2.0,
     "3 personnes ont trouvé cela utile", 3, "Achat vérifié"),
    ("Revisado en España el 7 de noviembre de 2025", date(2025, 11, 7), "5,0 de 5 estrellas", 5.0,
     "A una persona le ha parecido útil", 1, "Compra verificada"),
    ("Recensito in Italia il 8 novembre 2025", date(2025, 11, 8), "3,0 su 5 stelle", 3.0, "", None,
     "Acquisto verificato"),
    ("Beoordeeld in Nederland op 9 november 2025", date(2025, 11, 9), "4,0 van 5 sterren", 4.0, "", None,
     "Geverifieerde aankoop"),
    ("Recenserad i Sverige den 10 november 2025", date(2025, 11, 10), "1,0 av 5 stjärnor", 1.0, "", None,
     "Verifierat köp"),
    ("Recenzja z Polski z dnia 11 listopada 2025", date(2025, 11, 11), "2,0 z 5 gwiazdek", 2.0, "", None,
     "Zweryfikowany zakup"),
    ("2025年11月12日に日本でレビュー済み", date(2025, 11, 12), "5つ星のうち4.0", 4.0,
     "2人のお客様がこれが役に立ったと考えています", 2, ""),
]


def _file(tmp_path):
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(HEADER)
    for i, (when, _, stars, _, votes, _, badge) in enumerate(AMAZON):
        w.writerow([when, f"Reviewer {i}", badge, votes, f"Title {i}", f"Review number {i}, in its words.", stars,
                    "", f"https://www.amazon.example/gp/customer-reviews/R{i}", "Colour: Black", "B0TESTASIN"])
    f = tmp_path / "amazon-reviews.csv"
    f.write_text(buf.getvalue(), encoding="utf-8")
    return f


def test_amazons_dates_ratings_votes_and_badges_in_each_country_are_read(tmp_path):
    res = read_reviews_file(_file(tmp_path))
    assert not res.errors and not res.notes, (res.errors, res.notes)
    got = {r.author: (r.date, r.rating, r.helpful_votes, r.verified, r.product) for r in res.reviews}
    want = {f"Reviewer {i}": (day, rating, votes, True if badge else None, "B0TESTASIN")
            for i, (_, day, _, rating, _, votes, badge) in enumerate(AMAZON)}
    assert got == want
    assert {r.extra["fields"]["Colour"] for r in res.reviews} == {"Black"}  # the variant's attribute, a field
    assert "Variation" not in res.reviews[0].extra["fields"]


def test_the_variant_reviewed_is_a_field_an_attribute(tmp_path, sqlite_store):
    """Amazon's "Variation" ("Size: M | Colour: Black") was one field: comparing sizes meant comparing every
    size-and-colour pair. Each "Name: value" is now its own field (Amazon's "Size Name" is "Size"); a variant
    written otherwise ("Black") stays as it is."""
    from reviewlens import queries as Q
    from reviewlens.records_io import columns_line, import_file

    f = tmp_path / "variants.csv"
    rows = ["Size: M | Colour: Black", "Size Name: Extra Large Colour Name: Blue", "Size: M | Colour: Blue",
            "Size: S | Colour: Black", "Black", "Size: S | Colour: Blue"]
    f.write_text("text,rating,date,Variation\n" + "".join(
        f"Review {i} of the jacket.,{1 + i % 5},2025-11-0{i + 1},{v}\n" for i, v in enumerate(rows)), encoding="utf-8")
    res, _, new, _ = import_file(sqlite_store, f)
    assert new == 6 and not res.errors
    assert "Variation (each “Name: value” in it a field of its own: Size, Colour, ...)" in columns_line(res)
    frame = sqlite_store.reviews_frame().sort_values("text")
    fields = sqlite_store.fields_of(list(frame["id"]))
    assert [fields[i] for i in frame["id"]] == [{"Size": "M", "Colour": "Black"}, {"Size": "Extra Large", "Colour": "Blue"},
                                     {"Size": "M", "Colour": "Blue"}, {"Size": "S", "Colour": "Black"},
                                     {"Variation": "Black"}, {"Size": "S", "Colour": "Blue"}]
    import_file(sqlite_store, f, source="again")  # the same sizes twice as often: values that repeat, no ids
    assert set(Q.field_values(sqlite_store)) >= {"Size", "Colour"}  # each a way to filter and compare


def test_a_count_or_badge_that_cannot_be_read_keeps_the_review_without_it(tmp_path):
    f = tmp_path / "r.csv"
    f.write_text("text,date,rating,helpful_votes,verified\nGood.,2025-11-03,5,many,perhaps\n"
                 "Bad.,2025-11-04,1,3.0,yes\n", encoding="utf-8")
    res = read_reviews_file(f)
    assert not res.errors
    assert [(r.text, r.helpful_votes, r.verified) for r in res.reviews] == [("Good.", None, None), ("Bad.", 3, True)]
    assert [n["message"] for n in res.notes] == [
        "helpful votes 'many' is not a number; the review is imported without helpful votes",
        "verified 'perhaps' is not true or false; the review is imported without whether it is verified"]


@pytest.mark.parametrize("text", ["Reviewed in the United States on the 3rd", "Posted by 3 people in 2025",
                                  "November 2025"])
def test_words_around_no_whole_date_are_still_no_date(tmp_path, text):
    assert written_date_in(text) is None or text == "November 2025"
    f = tmp_path / "r.csv"
    f.write_text(f'text,date\nGood.,"{text}"\n', encoding="utf-8")
    res = read_reviews_file(f)
    if text == "November 2025":  # a month alone is read as before: its 1st, said as month-only
        assert [r.date for r in res.reviews] == [date(2025, 11, 1)]
    else:
        assert [e["message"] for e in res.errors] == [f"date {text!r} is not a date (for example 2026-11-30 or "
                                                      "30 Nov 2026)"]


def test_a_date_in_other_words_keeps_its_year():
    # dateparser's search found "11 listopada" and "2025" apart, and the first was dated this year
    assert other_language_date("Recenzja z Polski z dnia 11 listopada 2025", date(2026, 12, 4)) == \
        (date(2025, 11, 11), False)


def test_a_scrape_reads_amazon_japans_rating_with_its_scale_first():
    assert parse_rating("5つ星のうち3.0") == 3.0  # was 5.0: the scale read as the score
    assert parse_rating("4,0 av 5 stjärnor") == 4.0
    assert parse_date("Recenzja z Polski z dnia 11 listopada 2025") == date(2025, 11, 11)
