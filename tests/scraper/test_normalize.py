"""Normalisation and site-config parsing: pure functions, no browser."""

from __future__ import annotations

from datetime import date

import pytest

from scraper import SiteConfigError, clean_text, list_sites, load_site, parse_date, parse_rating
from scraper.engine import next_page_url
from scraper.normalize import is_relative_date, page_rating_scale
from scraper.retry import retry_after_seconds
from scraper.siteconfig import find_site, parse_site, url_matches

TODAY = date(2026, 11, 22)


@pytest.mark.parametrize("raw, kwargs, expected", [
    ("4.0 out of 5 stars", {}, 4.0),
    ("Rated 3 out of 5", {}, 3.0),
    ("8/10", {}, 4.0),
    ("8 von 10 Sternen", {}, 4.0),
    ("width: 80%", {}, 4.0),
    ("80%", {}, 4.0),
    ("4,5", {}, 4.5),
    ("4-5", {}, 4.5),           # a class's "a-star-4-5"
    ("3-half", {}, 3.5),        # "stars--regular-3-half"
    ("40", {"scale": 50}, 4.0),  # Tripadvisor's bubble_40
    ("16/20", {}, 4.0),
    ("92/100", {}, 4.6),
    (4, {}, 4.0),
    ("4", {"best": 5}, 4.0),
    (9, {"best": 10}, 4.5),
    ("9.0", {"scale": 10}, 4.5),
    (9, {}, 4.5),               # above 5 without a scale: read as out of 10
    (85, {"best": 100}, 4.25),
    (85, {}, None),             # above 10 with no scale said: no star rating (import refuses it too)
    ("100", {}, None),          # was 5 stars, silently
    ("-1", {}, None),           # was 1 star, silently: the sign was not read
    (" −2 stars", {}, None),
    (-1, {}, None),
    (3, {"best": "5", "worst": "1"}, 3.0),
    ("★★★☆☆", {}, 3.0),
    (0, {}, None),              # no filled stars = no rating found
    ("", {}, None),
    (None, {}, None),
    ("great!", {}, None),
    ("6 out of 5", {}, None),   # impossible
    (True, {}, None),
])
def test_parse_rating(raw, kwargs, expected):
    assert parse_rating(raw, **kwargs) == expected


@pytest.mark.parametrize("raw, fmt, expected", [
    ("2026-03-03", None, date(2026, 3, 3)),
    ("2026-03-03T09:30:00.000Z", None, date(2026, 3, 3)),
    ("March 3, 2026", None, date(2026, 3, 3)),
    ("Reviewed on March 3, 2026", "%B %d, %Y", date(2026, 3, 3)),
    ("Reviewed in the United States on March 3, 2024", "%B %d, %Y", date(2024, 3, 3)),
    ("03/04/2026", "%m/%d/%Y", date(2026, 3, 4)),
    ("03/04/2026", "%d/%m/%Y", date(2026, 4, 3)),
    ("03.04.2026", None, date(2026, 4, 3)),       # dotted: day first (dateutil alone says March 4)
    ("Bewertet am 03.04.2026", None, date(2026, 4, 3)),
    ("Nov 3, 2026", "%b %d, %Y", date(2026, 11, 3)),
    ("3 March 2024", "%d %B %Y", date(2024, 3, 3)),
    ("2 weeks ago", None, date(2026, 11, 8)),
    ("3 days ago", None, date(2026, 11, 19)),
    ("a month ago", None, date(2026, 10, 23)),
    ("yesterday", None, date(2026, 11, 21)),
    ("today", None, TODAY),
    (1767225600, None, date(2026, 1, 1)),        # epoch seconds
    (1767225600000, None, date(2026, 1, 1)),     # epoch milliseconds
    ("", None, None),
    (None, None, None),
    ("not a date", None, None),
])
def test_parse_date(raw, fmt, expected):
    assert parse_date(raw, fmt, today=TODAY) == expected


@pytest.mark.parametrize("raw, fmt, expected", [
    ("28 Dec", None, date(2025, 12, 28)),          # read on 2 January: last December's, not this year's
    ("Posted 28 December", "%d %B", date(2025, 12, 28)),  # strptime's year was 1900
    ("2 Jan", None, date(2026, 1, 2)),
    ("3 Jan", None, date(2026, 1, 3)),             # a day of slack for time zones
    ("12 March", None, date(2025, 3, 12)),
    ("28 Dec 2026", None, date(2026, 12, 28)),     # a year written is kept, future or not
])
def test_a_date_without_its_year_is_the_latest_not_in_the_future(raw, fmt, expected):
    """Dates written without a year took the current one: "28 Dec" read on 2 January was a review from the
    future, and "%d %B" configs gave 1900."""
    assert parse_date(raw, fmt, today=date(2026, 1, 2)) == expected


HUNT_DAY = date(2026, 12, 3)


@pytest.mark.parametrize("raw, expected, relative", [
    ("12. März 2026", date(2026, 3, 12), False),       # was 1 December: dateutil skipped "März"
    ("5 mars 2026", date(2026, 3, 5), False),          # was 1 May
    ("12 okt 2026", date(2026, 10, 12), False),        # was 3 December
    ("3 maggio 2025", date(2025, 5, 3), False),
    ("5 de marzo de 2026", date(2026, 3, 5), False),
    ("12 maart 2026", date(2026, 3, 12), False),
    ("5 de março de 2026", date(2026, 3, 5), False),
    ("12 grudnia 2025", date(2025, 12, 12), False),
    ("2 Mart 2026", date(2026, 3, 2), False),          # Turkish: was 1 February (read in English, "Mart" a time zone)
    ("5 Ocak 2026", date(2026, 1, 5), False),
    ("2 марта 2026", date(2026, 3, 2), False),
    ("2026年3月2日", date(2026, 3, 2), False),          # Japanese and Chinese: parse_date raised TypeError
    ("2026년 3월 2일", date(2026, 3, 2), False),
    ("2 березня 2026", date(2026, 3, 2), False),
    ("2 Μαρτίου 2026", date(2026, 3, 2), False),
    ("3日前", date(2026, 11, 30), True),
    ("見つからない", None, False),                     # no date: None, never an error
    ("März 2026", date(2026, 3, 1), False),            # a month: its first day, as "March 2026" is
    ("12. März", date(2026, 3, 12), False),            # no year: the latest not in the future
    ("28. Dez.", date(2025, 12, 28), False),
    ("Rezension aus Deutschland vom 12. März 2026", date(2026, 3, 12), False),
    ("vor 2 Wochen", date(2026, 11, 19), True),        # was 2 January, and a new review each week
    ("vor einem Monat", date(2026, 11, 3), True),
    ("Bearbeitet vor 2 Monaten", date(2026, 10, 3), True),
    ("gestern", date(2026, 12, 2), True),
    ("il y a 3 jours", date(2026, 11, 30), True),
    ("il y a un an", date(2025, 12, 3), True),
    ("hace 2 semanas", date(2026, 11, 19), True),
    ("hace un año", date(2025, 12, 3), True),
    ("2 settimane fa", date(2026, 11, 19), True),
    ("2 weken geleden", date(2026, 11, 19), True),
    ("há 2 semanas", date(2026, 11, 19), True),
    ("2 tygodnie temu", date(2026, 11, 19), True),
    ("12. Märzz 2026", None, False),                   # not readable with confidence: left out, never December
])
def test_dates_in_other_languages(raw, expected, relative):
    assert parse_date(raw, today=HUNT_DAY) == expected
    assert is_relative_date(raw) is relative


@pytest.mark.parametrize("raw, fmt, expected", [
    ("03/04/2025", None, date(2025, 3, 4)),            # ambiguous numeric dates: as before, month first
    ("03/04/2025", "%d/%m/%Y", date(2025, 4, 3)),      # the site's date_format decides
    ("03.04.2026", None, date(2026, 4, 3)),
    ("Bewertet am 03.04.2026", None, date(2026, 4, 3)),  # a German word around a numeric date: as before
    ("12 March 2026", None, date(2026, 3, 12)),
    ("Mar 5, 2026", None, date(2026, 3, 5)),
    ("March 2026", None, date(2026, 3, 1)),
    ("3 weeks ago", None, date(2026, 11, 12)),
    ("Edited 2 months ago", None, date(2026, 10, 4)),
    ("Reviewed in the United States on March 3, 2024", None, date(2024, 3, 3)),
])
def test_english_and_numeric_dates_read_as_before(raw, fmt, expected):
    assert parse_date(raw, fmt, today=HUNT_DAY) == expected


def test_english_dates_do_not_need_dateparser():
    """dateparser (a quarter of a second to import, a millisecond a date) is only for dates in other languages."""
    import subprocess
    import sys

    code = ("import sys; from datetime import date; from scraper.normalize import parse_date, is_relative_date\n"
            "for s in ('2026-03-03', '12 March 2026', 'Mar 5, 2026', '03/04/2025', '3 weeks ago', 'yesterday'):\n"
            "    assert parse_date(s, today=date(2026, 12, 3)) and is_relative_date(s) in (True, False)\n"
            "print('dateparser' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


@pytest.mark.parametrize("raws, stated, expected", [
    ([8.0, 4.0, 2.5, "6.0"], None, (10.0, True)),        # a score above 5: the page is out of 10, 4 included
    ([4.0, 2.5], 10, (10.0, False)),                     # the page's AggregateRating says bestRating 10
    ([4.0, 2.5], "10", (10.0, False)),
    ([8.0, 4.0], 5, (10.0, True)),                       # a stated 5 the scores do not fit: guessed
    ([4, 5, 3], None, (None, False)),                    # stars: each read as before
    (["4 out of 5", "80%", "8/10", "★★★★☆"], None, (None, False)),  # scales of their own: not a page's guess
    ([92, 4], 100, (None, False)),                       # 100 is another measure ("92% recommend"); 92 no rating
    ([], 10, (10.0, False)),
])
def test_page_rating_scale(raws, stated, expected):
    assert page_rating_scale(raws, stated) == expected


def test_clean_text_strips_controls_keeps_content():
    raw = "The hinge\x00 broke\x1b[31m after\x08 a week.\x7f  Packaging\x0b was\x0c crushed.\r\n\r\n\r\nEnd"
    assert clean_text(raw) == "The hinge broke after a week. Packaging was crushed.\n\nEnd"
    # markup, formulas, emoji and other scripts stay literal text
    for s in ("<script>alert(1)</script> x", '=HYPERLINK("http://evil.example","click")', "😡😡 👎", "Zu klein für mich"):
        assert clean_text(s) == s
    assert clean_text("   \x07 ") is None
    assert clean_text("e\u0301") == "é"  # NFC
    # half an emoji (a site that cut its text at N UTF-16 units): U+FFFD, so the text can be hashed and stored
    assert clean_text("Great kettle \ud83d") == "Great kettle \ufffd"
    assert clean_text("\udc00 ok \ud83d\ude00") == "\ufffd ok \U0001f600"  # two halves apart: the character


def test_next_page_url():
    assert next_page_url("http://h/p", "page") == "http://h/p?page=2"
    assert next_page_url("http://h/p?page=2&sort=new", "page") == "http://h/p?sort=new&page=3"
    assert next_page_url("http://h/p", "start", start=0, step=10) == "http://h/p?start=10"


def test_retry_after():
    assert retry_after_seconds("3") == 3.0
    assert retry_after_seconds(None) is None
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past
    assert retry_after_seconds("soon") is None


def test_bundled_configs_load_and_match():
    names = list_sites()
    assert {"trustpilot", "amazon", "yelp", "booking", "demo-static", "demo-js", "demo-load-more",
            "demo-scroll"} <= set(names)
    for n in names:
        cfg = load_site(n)
        assert cfg.name == n and cfg.match, n
        if n in ("trustpilot", "amazon", "yelp", "booking"):
            assert cfg.best_effort
    assert find_site("https://www.trustpilot.com/review/example.com").name == "trustpilot"
    assert find_site("https://www.amazon.de/product-reviews/B000123").name == "amazon"
    assert find_site("http://127.0.0.1:8765/reviewlens-demo/js/shellguard-phone-case?page=2").name == "demo-js"
    assert find_site("http://127.0.0.1:8765/jsonld/x") is None
    assert url_matches("re:^https://x\\.com/r/\\d+$", "https://x.com/r/12")


def test_config_validation_errors(tmp_path):
    with pytest.raises(SiteConfigError, match="unknown key"):
        parse_site({"review": ".r", "fields": {"text": ".t"}, "nxet": "a"}, "x", "x.toml")
    with pytest.raises(SiteConfigError, match="needs fields.text"):
        parse_site({"review": ".r", "fields": {"title": ".t"}}, "x", "x.toml")
    with pytest.raises(SiteConfigError, match="unknown field"):
        parse_site({"review": ".r", "fields": {"text": ".t", "stars": ".s"}}, "x", "x.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("review = [", encoding="utf-8")
    with pytest.raises(SiteConfigError, match="not valid TOML"):
        load_site(str(bad))
    with pytest.raises(SiteConfigError, match="unknown site config 'nope'"):
        load_site("nope")
    own = tmp_path / "mysite.toml"
    own.write_text('match = "shop.example/*"\nreview = ".r"\n[fields]\ntext = ".t"\n', encoding="utf-8")
    assert load_site(str(own)).name == "mysite"
    assert "mysite" in list_sites([tmp_path])
    assert find_site("http://shop.example/p/1", [tmp_path]).name == "mysite"


def test_helpful_votes_verified_and_language():
    from scraper.normalize import parse_language, parse_verified, parse_votes

    votes = {12: 12, "12": 12, "12 people found this helpful": 12, "One person found this helpful": 1,
             "Helpful (1,234)": 1234, "1.2K": 1200, "3,5k likes": 3500, "Helpful": None, None: None, True: None,
             "": None, -1: None}
    assert {k: parse_votes(k) for k in votes} == votes
    verified = [("Verified Purchase", True), ("Verified buyer", True), ("Achat vérifié", True), ("true", True),
                (True, True), (1, True), ("Unverified", False), ("Not verified", False), ("false", False),
                (False, False), ("", None), (None, None), ("Top 500 reviewer", None)]
    assert [(k, parse_verified(k)) for k, _ in verified] == verified
    langs = {"en": "en", "EN": "en", "en_US": "en-US", "pt-br": "pt-BR", "zh-hant-tw": "zh-Hant-TW", "und": None,
             "English": None, "": None, None: None, "x" * 40: None}
    assert {k: parse_language(k) for k in langs} == langs
