"""Personal data in reviews (reviewlens.privacy): found (and what is not), masked as reviews are stored by an
import, a scrape (real Chromium) and the dashboard's Import page, looked for and masked in a store that holds
it already (every copy, SQLite and PostgreSQL), and a reviewer forgotten with `reviewlens delete --author`."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import sqlalchemy as sa

from reviewlens import privacy
from reviewlens.app.cli import main
from reviewlens.config import ConfigError, load_settings
from reviewlens.privacy import Masker, find, look, mask
from reviewlens.schema import Analysis, ComplaintTheme, Label, Quote, Review, TopicMention, content_hash
from reviewlens.store import Store, alerts, analyses, complaint_themes, labels, questions, review_fields, reviews
from tests.helpers import app_test, count_rows, write_csv

EMAIL = "jane.doe+shop@mail.example.co.uk"
PHONE = "+44 20 7946 0958"
CARD = "4111 1111 1111 1111"
IBAN = "DE89 3704 0044 0532 0130 00"


def masked(text: str) -> str:
    return mask(text, find(text))


@pytest.mark.parametrize("text, want", [
    (f"Write to {EMAIL} or @janedoe on X.", "Write to [email] or @janedoe on X."),
    ("email: JOHN@EXAMPLE.COM!", "email: [email]!"),
    (f"My number is {PHONE}, thanks", "My number is [phone], thanks"),
    ("Ring me on (212) 555-0188 after six.", "Ring me on [phone] after six."),
    ("ruft 030 12345678 an", "ruft [phone] an"),
    ("Tel. 06 12 34 56 78", "Tel. [phone]"),
    ("call me 2125550188 anytime", "call me [phone] anytime"),  # bare digits: only after a phone word
    ("Phone number: 020 7946 0958", "Phone number: [phone]"),
    # "number" before them made these look like order numbers: a + number, "my number", a sentence's "Number:"
    ("My number: +49 30 1234567.", "My number: [phone]."),
    ("Number: 020 7946 0958", "Number: [phone]"),
    ("Thanks. Number: 020 7946 0958", "Thanks. Number: [phone]"),
    ("my order number: +44 20 7946 0958", "my order number: [phone]"),
    ("our number 02079460958 is on the box", "our number [phone] is on the box"),
    ("Tel. no. 030 12345678, Telefonnr. 030 12345679", "Tel. no. [phone], Telefonnr. [phone]"),
    (f"Card {CARD} was charged twice.", "Card [card number] was charged twice."),
    ("card 4111-1111-1111-1111 again", "card [card number] again"),
    (f"Refund to {IBAN} PLEASE", "Refund to [IBAN] PLEASE"),  # the upper-case word is not part of it
    ("IBAN GB82WEST12345698765432.", "IBAN [IBAN]."),
])
def test_personal_data_is_found_and_masked(text, want):
    assert masked(text) == want
    assert masked(want) == want  # masking twice changes nothing


@pytest.mark.parametrize("text", [
    "Order #112-2345678-9876543 arrived late",          # an order number
    "ticket #4455667788 opened, no answer",             # a ticket number, bare digits
    "order 2125550188 never came",
    "order no. 030 12345678 was lost",
    "case number 0800 123 4567",
    "order number 12345678",
    "Order number: 020 7946 0958",
    "bought on 2024-11-30, model XPS 13 9310",
    "battery 5000 mAh lasted 12 hours, price $129.99 (was 149.99 199.99)",
    "Won 6-3 6-4 5-7 3-6 6-3 in the final",              # scores
    "CHICAGO 66 67 .496 5 1/2",                           # a standings table
    "Card 4111111111111112 declined",                     # fails the Luhn check
    "Serial 7992739871300001 on the box",                 # passes Luhn, but no card issuer starts with 7
    "IBAN DE89 3704 0044 0532 0130 01",                   # wrong check digits
    "version 2.3.1 build 20241130",
    "Great kettle, 10/10, would buy again @ that price",
])
def test_what_is_not_personal_data_is_kept(text):
    assert find(text) == [], find(text)


def test_only_the_kinds_asked_for():
    text = f"{EMAIL} {PHONE}"
    assert [f.kind for f in find(text, kinds=("email",))] == ["email"]
    assert Masker([]).text(text) == text and not Masker([])


def test_bad_settings_are_clear_errors(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text('[privacy]\nmask = ["email", "phones"]\n')
    with pytest.raises(ConfigError, match=r"\[privacy\] mask must be a list of the kinds .*email, phone, card, iban"):
        load_settings(cfg)
    cfg.write_text('[privacy]\nphone_regions = ["US", "XX"]\n')
    with pytest.raises(ConfigError, match=r"phone_regions must be a list of two-letter country codes"):
        load_settings(cfg)
    with pytest.raises(ValueError, match="unknown kind of personal data 'ssn'"):
        Masker(["ssn"])


def test_a_masked_review_keeps_its_identity_and_the_owners_reply():
    r = Review(source="shop", text=f"Call {PHONE}", title=f"mail {EMAIL}", author="Jane", reply="Write to help@acme.example",
               extra={"fields": {"note": f"wrote from {EMAIL}", "plan": "Pro", "customer email": EMAIL}})
    m = Masker()
    out = m.review(r)
    assert (out.id, out.text, out.title) == (r.id, "Call [phone]", "mail [email]")
    assert out.reply == "Write to help@acme.example"  # the owner's words, the shop's own address
    # a field's address masked; a column of e-mail addresses not kept at all (and not counted: the import says it)
    assert out.extra["fields"] == {"note": "wrote from [email]", "plan": "Pro"}
    assert out.content_hash == content_hash("Call [phone]") and r.text == f"Call {PHONE}"  # the original untouched
    assert (m.masked, m.counts) == (1, {"email": 2, "phone": 1})
    plain = Review(source="shop", text="Fine kettle")
    assert m.review(plain) is plain


def test_a_review_stored_before_masking_is_masked_in_place_not_stored_twice(store):
    raw = Review(source="shop", text=f"Leaks. Call me on {PHONE}", author="Jane")  # no site id: identity from text
    store.upsert_reviews([raw])
    new, seen = store.upsert_reviews(Masker().reviews([raw]))  # scraped again with masking on
    assert (new, seen) == (0, 1) and count_rows(store) == 1
    assert store.review_texts([raw.id]) == {raw.id: "Leaks. Call me on [phone]"}


def test_import_masks_what_the_settings_say(tmp_path, capsys):
    rows = [{"text": f"Broke in a week. Call me on {PHONE} or {EMAIL}", "rating": "1", "customer email": EMAIL},
            {"text": "Lovely kettle", "rating": "5", "customer email": ""}]
    path = write_csv(tmp_path / "r.csv", rows)
    db = str(tmp_path / "a.db")
    assert main(["import", path, "--db", db, "-q"]) == 0
    out = capsys.readouterr().out
    # the text's address and number masked; the "customer email" column not kept at all ("[email]" in each row)
    assert "masked personal data in 1 review (1 e-mail address, 1 phone number)" in out
    assert "not kept, the reviewers' contact details ([privacy] mask): customer email" in out
    store = Store(db)
    texts = sorted(store.review_texts([r["id"] for r in store.written_rows()]).values())
    assert texts == ["Broke in a week. Call me on [phone] or [email]", "Lovely kettle"]
    assert not any(store.fields_of([r["id"] for r in store.written_rows()]).values())
    run = store.list_runs(kind="import")[0]
    assert run["detail"]["masked"] == {"reviews": 1, "email": 1, "phone": 1}

    cfg = tmp_path / "keep.toml"
    cfg.write_text('[privacy]\nmask = ["phone"]\n')
    db2 = str(tmp_path / "b.db")
    assert main(["import", path, "--db", db2, "--config", str(cfg), "-q"]) == 0
    kept = Store(db2)
    assert f"Broke in a week. Call me on [phone] or {EMAIL}" in kept.review_texts(
        [r["id"] for r in kept.written_rows()]).values()


def test_an_export_s_columns_of_contact_details_are_not_kept_while_masking_is_on(tmp_path, capsys):
    # Judge.me's export (Shopify's most used review app) as it writes it: the reviewer's e-mail and IP address
    header = ("title,body,rating,review_date,source,curated,reviewer_name,reviewer_email,product_id,product_handle,"
              "reply,reply_date,picture_urls,ip_address,location,metaobject_handle")
    path = tmp_path / "judgeme.csv"
    path.write_text(header + "\n"
                    "Zip broke,The zip broke after two weeks.,2,2026-11-10 09:02:44 UTC,email,ok,Tom B.,tom.b@example.org,"
                    "8123456789,kids-raincoat,\"Sorry Tom, we sent a new one.\",2026-11-11 10:00:00 UTC,,198.51.100.23,"
                    "\"Bristol, GB\",\n"
                    "Great boots,\"Warm, true to size.\",4,2026-11-15 18:30:00 UTC,web,ok,Anna,anna@example.net,81234500,"
                    "winter-boots,,,,2001:db8::1,,\n")
    db = str(tmp_path / "a.db")
    assert main(["import", str(path), "--db", db, "-q"]) == 0
    out = capsys.readouterr().out
    assert "product ← product_handle" in out and "masked personal data" not in out  # nothing masked: left out
    assert "not kept, the reviewers' contact details ([privacy] mask): reviewer_email, ip_address" in out
    assert "kept as the reviews' own fields: curated, product_id, location" in out
    assert "empty in every row: picture_urls, metaobject_handle" in out  # nothing of theirs was kept
    store = Store(db)
    ids = [r["id"] for r in store.written_rows()]
    assert {r["product"] for r in store.written_rows()} == {"kids-raincoat", "winter-boots"}
    fields = store.fields_of(ids)
    assert sorted(fields.values(), key=len) == [{"curated": "ok", "product_id": "81234500"},
                                                {"curated": "ok", "product_id": "8123456789", "location": "Bristol, GB"}]
    assert "198.51.100.23" not in _dump(store) and "example.org" not in _dump(store)
    assert main(["import", str(path), "--db", db, "-q"]) == 0  # again: all already stored, nothing said masked
    assert "0 new reviews, 2 already stored" in (out := capsys.readouterr().out) and "masked" not in out

    cfg = tmp_path / "keep.toml"  # a user who stores reviews as written keeps the columns too
    cfg.write_text("[privacy]\nmask = []\n")
    db2 = str(tmp_path / "b.db")
    assert main(["import", str(path), "--db", db2, "--config", str(cfg), "-q"]) == 0
    kept = Store(db2)
    got = kept.fields_of([r["id"] for r in kept.written_rows()]).values()
    assert {f.get("ip_address") for f in got} == {"198.51.100.23", "2001:db8::1"}
    assert {f.get("reviewer_email") for f in got} == {"tom.b@example.org", "anna@example.net"}


@pytest.mark.parametrize("name, kind", [
    ("reviewer_email", "email"), ("Email", "email"), ("customer e-mail", "email"), ("Email Address", "email"),
    ("phoneNumber", "phone"), ("Phone number", "phone"), ("Tel.", "phone"), ("ip_address", "ip"), ("IP", "ip"),
    ("Reviewer IP", "ip"), ("remote_addr", "ip"), ("Email opt-in", None), ("Mobile app version", None),
    ("email_verified", None), ("location", None), ("reviewer", None), ("contact", None), ("address", None)])
def test_a_column_of_contact_details_is_known_by_its_name(name, kind):
    assert privacy.contact_column(name) == kind


def _seeded(store: Store) -> tuple[Review, Review]:
    """A store holding personal data everywhere a copy of a review's words goes."""
    bad = Review(source="shop", text=f"Lid leaks. Call me on {PHONE} or mail {EMAIL}", title=f"Card {CARD} charged",
                 author="Jane Doe", product="Kettle", rating=1, reply="Sorry! Write to help@acme.example",
                 extra={"fields": {"customer email": EMAIL}})
    fine = Review(source="shop", text="Boils fast, lovely kettle", author="Bob", product="Kettle", rating=5)
    store.upsert_reviews([bad, fine])
    store.save_analyses([Analysis(content_hash=r.content_hash, model="m", prompt_version="p", sentiment="negative",
                                  topics=[TopicMention("Quality", "negative")]) for r in (bad, fine)])
    store.add_labels([Label(content_hash=bad.content_hash, kind="sentiment", value="negative", text=bad.text,
                            review_id=bad.id, source="test")])
    store.save_complaints([ComplaintTheme(label="Leaking lid", summary="The lid leaks", count=1, share=0.5,
                                          quotes=[Quote(bad.id, f"Call me on {PHONE}")], review_ids=[bad.id],
                                          topic="Quality")])
    store.add_alert("k1", "reviews", "New bad reviews", {"lines": ["1 review"], "quotes": [f"mail {EMAIL}"]}, ["x"])
    qid = store.add_question("what leaks?", {})
    store.finish_question(qid, {"answer": "", "sources": [{"quote": f"Call me on {PHONE}"}]})
    return bad, fine


def _dump(store: Store) -> str:
    """Every text the store holds, as one string."""
    out = []
    with store.engine.connect() as c:
        for t in (reviews, review_fields, labels, alerts, questions, analyses, complaint_themes):
            out += [str(v) for row in c.execute(sa.select(t)) for v in row]
    return "\n".join(out)


def test_masking_a_store_reaches_every_copy(store):
    bad, fine = _seeded(store)
    token = store.reviews_stamp()
    assert EMAIL in _dump(store) and PHONE in _dump(store)
    m = Masker()
    n, holders = privacy.look(store.written_rows(), m)
    assert n == 2 and [h.id for h in holders] == [bad.id]
    h = holders[0]
    assert h.counts == {"email": 2, "phone": 1, "card": 1} and h.fields == ["text", "title", "field customer email"]
    assert PHONE not in h.excerpt and "[phone]" in h.excerpt

    out = store.rewrite_written(m.text)
    assert out == {"reviews": 1, "names": 0, "fields": 1, "labels": 1, "themes": 1, "alerts": 1, "questions": 1,
                   "analyses": 1}
    everything = _dump(store)
    for secret in (EMAIL, PHONE, CARD):
        assert secret not in everything
    assert "help@acme.example" in everything  # the owner's reply stays as written
    new_text = "Lid leaks. Call me on [phone] or mail [email]"
    assert store.review_texts([bad.id]) == {bad.id: new_text}
    assert store.labels(kind="sentiment")[0].content_hash == content_hash(new_text)  # the label follows its text
    assert [r.id for r in store.pending_analysis("m", "p")] == [bad.id] and store.reviews_stamp() != token
    assert privacy.look(store.written_rows(), m)[1] == [] and store.rewrite_written(m.text)["reviews"] == 0


def test_the_privacy_command_lists_without_showing_the_data_and_masks(tmp_path, capsys):
    db = str(tmp_path / "p.db")
    bad, _ = _seeded(Store(db))
    assert main(["privacy", "--db", db, "-q"]) == 0
    out = capsys.readouterr().out
    assert "Personal data in 1 of 2 stored reviews: 2 e-mail addresses, 1 phone number, 1 card number." in out
    assert bad.id in out and "Call me on [phone] or mail [email]" in out and "reviewlens privacy --mask" in out
    assert EMAIL not in out and PHONE not in out and CARD not in out
    assert main(["privacy", "--db", db, "--kind", "card", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["counts"] == {"card": 1} and data["found"][0]["fields"] == ["title"] and data["masked"] is None
    assert main(["privacy", "--db", db, "--mask", "-q"]) == 0
    out = capsys.readouterr().out
    assert "Masked in the store: 1 reviews; 1 own field values, 1 of your labels" in out
    assert "`reviewlens analyze` analyzes the masked texts" in out
    assert main(["privacy", "--db", db, "-q"]) == 0
    assert "No personal data in the 2 stored reviews" in capsys.readouterr().out
    cfg = tmp_path / "off.toml"
    cfg.write_text("[privacy]\nmask = []\n")
    assert main(["privacy", "--db", db, "--config", str(cfg)]) != 0
    assert "give the kinds to look for with --kind" in capsys.readouterr().err


def test_contact_columns_an_earlier_import_kept_are_listed_and_removed_by_privacy_mask(store, capsys):
    db = store.url  # SQLite and PostgreSQL
    # as an import before columns of contact details were left out stored Judge.me's export
    a = Review(source="import:judgeme", text="Zip broke.", extra={"fields": {
        "reviewer_email": "[email]", "ip_address": "198.51.100.23", "location": "Bristol, GB"}})
    b = Review(source="import:judgeme", text="Warm boots.", extra={"fields": {"ip_address": "2001:db8::1"}})
    c = Review(source="shop", text="Fine kettle.", extra={"fields": {"plan": "Pro"}})
    store.upsert_reviews([a, b, c])
    assert main(["privacy", "--db", db, "-q"]) == 0
    out = capsys.readouterr().out
    assert ("Columns of the reviewers' contact details kept as own fields by an earlier import: "
            "ip_address (2 reviews), reviewer_email (1 review).") in out and "privacy --mask` removes them" in out
    assert "198.51.100.23" not in out
    assert main(["privacy", "--db", db, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["contact_fields"] == {"ip_address": 2, "reviewer_email": 1}
    assert main(["privacy", "--db", db, "--kind", "email", "--json"]) == 0  # only what was asked for
    assert json.loads(capsys.readouterr().out)["contact_fields"] == {"reviewer_email": 1}
    token = store.reviews_stamp()
    assert main(["privacy", "--db", db, "--mask", "-q"]) == 0
    assert "Removed from the 2 reviews that had them." in capsys.readouterr().out
    assert store.reviews_stamp() != token and store.field_names() == ["location", "plan"]
    assert store.fields_of([a.id, b.id, c.id]) == {a.id: {"location": "Bristol, GB"}, c.id: {"plan": "Pro"}}
    assert "198.51.100.23" not in _dump(store) and "2001:db8" not in _dump(store)
    assert main(["privacy", "--db", db, "-q"]) == 0
    assert "Columns of the reviewers' contact details" not in capsys.readouterr().out


def test_a_reviewer_is_forgotten(tmp_path, capsys):
    db = str(tmp_path / "f.db")
    store = Store(db)
    bad, fine = _seeded(store)
    assert main(["delete", "--author", "Jane Doe", "--db", db]) == 0
    assert "would delete 1 review (1 reviewer name)" in capsys.readouterr().out and count_rows(store) == 2
    assert main(["delete", "--author", "Jane Doe", "--yes", "--db", db]) == 0
    assert "deleted 1 review (1 reviewer name), with their analyses and labels" in capsys.readouterr().out
    assert store.review_texts([bad.id, fine.id]) == {fine.id: fine.text}
    assert count_rows(store, "analyses") == 1 and count_rows(store, "labels") == 0
    assert "Jane Doe" not in json.dumps(store.list_runs(), default=str)  # the run history does not keep the name
    assert main(["delete", "--author", "Nobody", "--db", db]) != 0
    assert "no stored review is by 'Nobody'" in capsys.readouterr().err


@pytest.mark.skipif(not Path("/usr/bin/chromedriver").exists() and os.environ.get("REVIEWLENS_REQUIRE_BROWSER") != "1",
                    reason="needs chromium-driver (scripts/setup.sh installs it)")
def test_a_scrape_stores_reviews_masked(tmp_path):
    from reviewlens.app import jobs
    from tests.scraper.helpers import LocalSite, jsonld_page

    site = LocalSite()
    try:
        site.page("/p", jsonld_page([{"id": "r1", "text": f"Arrived broken. Call me on {PHONE}", "rating": 1},
                                     {"id": "r2", "text": "Works well", "rating": 5}]))
        db = tmp_path / "s.db"
        settings = load_settings(None, db=str(db), data_dir=str(tmp_path / "data"))
        settings.scraper.delay = 0.0
        store = Store(db)
        summary = jobs.run_scrape(store, settings, [f"{site.base}/p"], quiet=True)
    finally:
        site.close()
    assert summary.reviews == 2 and summary.masked == 1
    assert "masked personal data in 1 review (1 phone number)" in summary.line()
    assert sorted(store.review_texts([r["id"] for r in store.written_rows()]).values()) == [
        "Arrived broken. Call me on [phone]", "Works well"]
    assert store.list_runs(kind="scrape")[0]["detail"]["masked"] == {"reviews": 1, "phone": 1}


def test_the_dashboard_import_masks(monkeypatch, tmp_path):
    db = str(tmp_path / "d.db")
    Store(db).close()
    monkeypatch.chdir(tmp_path)  # no reviewlens.toml here: the defaults
    at = app_test(monkeypatch, db)
    csv = f"text,rating\n\"Broken, mail me at {EMAIL}\",1\n".encode()
    at.file_uploader(key="import_upload").set_value(("r.csv", csv, "text/csv"))
    next(b for b in at.button if b.label == "Import").click()
    at = at.run()
    assert not at.exception, [e.value for e in at.exception]
    said = " ".join(e.value for e in at.success).replace("\\", "")
    assert "Masked personal data in 1 review (1 e-mail address)" in said
    store = Store(db)
    assert list(store.review_texts([r["id"] for r in store.written_rows()]).values()) == ["Broken, mail me at [email]"]


def test_a_label_of_the_text_as_written_names_the_masked_review(tmp_path, capsys):
    db = str(tmp_path / "l.db")
    raw = f"Lid leaks, call me on {PHONE}"
    assert main(["import", write_csv(tmp_path / "r.csv", [{"text": raw, "rating": "1"}]), "--db", db, "-q"]) == 0
    labels_file = write_csv(tmp_path / "labels.csv", [{"text": raw, "sentiment": "negative"}])
    assert main(["label", "import", labels_file, "--db", db, "-q"]) == 0
    store = Store(db)
    (label,) = store.labels()
    rid = next(store.written_rows())["id"]
    assert label.text == "Lid leaks, call me on [phone]" and label.content_hash == content_hash(store.review_texts([rid])[rid])


def test_forgetting_a_reviewer_in_the_store(store):
    """Store.delete_reviews(authors=...) on both databases: their reviews, the analyses and labels of their texts
    (unless another review has the text), and a run that counts the names without keeping them."""
    bad, fine = _seeded(store)
    twin = Review(source="other", text=fine.text, author="Jane Doe", rating=5)  # her text, also another's
    store.upsert_reviews([twin])
    assert store.delete_reviews(authors=["Jane Doe"], dry_run=True) == (None, 2)
    rid, n = store.delete_reviews(authors=["Jane Doe"])
    assert n == 2 and store.review_texts([bad.id, fine.id, twin.id]) == {fine.id: fine.text}
    assert count_rows(store, "analyses") == 1 and count_rows(store, "labels") == 0  # Bob's text keeps its analysis
    run = next(r for r in store.list_runs(kind="delete") if r["id"] == rid)
    assert run["source"] == "1 reviewer name" and "Jane" not in str(run)


def test_reviews_are_kept_no_longer_than_keep_days(tmp_path, capsys):
    """[privacy] keep_days: `delete --before` / `--expired` and the scheduler after each run delete the reviews
    dated longer ago, with the analyses and labels of their texts; undated reviews are kept."""
    from datetime import date, timedelta

    from reviewlens.app.jobs import expire_reviews
    from reviewlens.app.scheduler import Scheduler
    from reviewlens.schedule import load_schedule

    db = str(tmp_path / "k.db")
    store = Store(db)
    today = date.today()
    old = Review(source="s", text="An old complaint about the lid.", rating=2, date=today - timedelta(days=400))
    recent = Review(source="s", text="A recent one.", rating=4, date=today - timedelta(days=10))
    undated = Review(source="s", text="No date on this one.", rating=3)
    store.upsert_reviews([old, recent, undated])
    store.save_analyses([Analysis(content_hash=old.content_hash, model="m", prompt_version="p", sentiment="negative")])
    store.add_labels([Label(content_hash=old.content_hash, kind="sentiment", value="negative", text=old.text,
                            review_id=old.id, source="t")])
    cfg = tmp_path / "keep.toml"
    cfg.write_text("[privacy]\nkeep_days = 365\n")
    assert main(["delete", "--expired", "--db", db]) != 0  # keep_days 0: a clear error
    assert "which is 0 (kept for good)" in capsys.readouterr().err
    assert main(["delete", "--expired", "--db", db, "--config", str(cfg)]) == 0
    assert f"would delete 1 review (dated before {today - timedelta(days=365)})" in capsys.readouterr().out
    assert count_rows(store) == 3
    settings = load_settings(cfg, db=db, data_dir=str(tmp_path / "data"))
    assert expire_reviews(store, settings, today=today - timedelta(days=100)) == (today - timedelta(days=465), 0)
    assert not store.list_runs(kind="delete")  # nothing to delete: no run recorded
    sched = tmp_path / "schedule.toml"
    sched.write_text('[schedule]\nanalyze = false\nreport = false\n\n[[sources]]\nname = "shop"\n'
                     'url = "http://127.0.0.1:9/p"\nevery = "1h"\n')
    Scheduler(load_schedule(sched), store, settings, runner=lambda src: {"scrape": "ok"}).run_once()
    assert sorted(store.review_texts([old.id, recent.id, undated.id]).values()) == ["A recent one.", "No date on this one."]
    assert count_rows(store, "analyses") == 0 and count_rows(store, "labels") == 0
    [run] = store.list_runs(kind="delete")
    assert run["source"] == f"dated before {today - timedelta(days=365)}" and run["trigger"] == "schedule"


def test_reviewer_names_as_pseudonyms_or_none(tmp_path, capsys):
    """[privacy] reviewer_names: "pseudonym" stores "Reviewer 3fa91c2e07" (the same for the same name in one store,
    another in another store; a name that tells no one apart stays one that does not; a generic one stays),
    "drop" stores none; the suspicious-review checks still see a repeat reviewer; reply drafts greet no one;
    `privacy --mask` gives the names stored before theirs."""
    from reviewlens import integrity
    from reviewlens.replies import first_name

    rows = [{"text": f"Lid leaks again, day {i}.", "rating": "1", "date": f"2026-11-0{i + 1}", "author": a,
             "product": "Kettle"} for i, a in enumerate(["Jane Doe", "Jane Doe", "Sofia H.", "A Customer"])]
    path = write_csv(tmp_path / "n.csv", rows)
    cfg = tmp_path / "p.toml"
    cfg.write_text('[privacy]\nreviewer_names = "pseudonym"\n')
    dbs = [str(tmp_path / f"{x}.db") for x in "ab"]
    names = []
    for db in dbs:
        assert main(["import", path, "--db", db, "--config", str(cfg), "-q"]) == 0
        assert "3 reviewer names" in capsys.readouterr().out
        names.append([r["author"] for r in sorted(Store(db).written_rows(), key=lambda r: r["id"])])
    a = Store(dbs[0])
    authors = [r.author for r in a.reviews_frame().sort_values("date").itertuples()]
    jane, sofia = authors[0], authors[2]
    assert authors[1] == jane and jane.startswith("Reviewer ") and len(jane) == 19 and "Jane" not in jane
    assert sofia.startswith("Reviewer ") and sofia.endswith(".") and len(sofia) == 11
    assert authors[3] == "A Customer" and names[0] != names[1]  # another store, other pseudonyms
    assert first_name(jane) is None and first_name(sofia) is None
    assert [f.kind for f in integrity.current(a)] == ["repeat"]  # Jane's two reviews, still one reviewer
    cfg.write_text('[privacy]\nreviewer_names = "drop"\n')
    db = str(tmp_path / "c.db")
    assert main(["import", path, "--db", db, "--config", str(cfg), "-q"]) == 0
    assert {r["author"] for r in Store(db).written_rows()} == {None}
    # a store filled with names: looked through, then given pseudonyms, once
    db = str(tmp_path / "d.db")
    assert main(["import", path, "--db", db, "-q"]) == 0
    cfg.write_text('[privacy]\nreviewer_names = "pseudonym"\n')
    capsys.readouterr()
    assert main(["privacy", "--db", db, "--config", str(cfg), "-q"]) == 0
    assert "3 reviews carry their reviewer's name as written" in capsys.readouterr().out
    assert main(["privacy", "--mask", "--db", db, "--config", str(cfg), "-q"]) == 0
    assert "Masked in the store: 3 reviews; 3 reviewer names (pseudonyms)" in capsys.readouterr().out
    assert not any("Jane" in str(r["author"]) or "Sofia" in str(r["author"]) for r in Store(db).written_rows())
    assert main(["privacy", "--mask", "--db", db, "--config", str(cfg), "-q"]) == 0
    assert "Masked in the store" not in capsys.readouterr().out  # pseudonyms are not given pseudonyms


def test_reviews_dated_before_a_day_are_deleted_in_the_store(store):
    """Store.delete_reviews(before=...) on both databases: older reviews and the traces of their texts; undated
    and newer ones kept."""
    from datetime import date

    old = Review(source="s", text="Old words.", rating=2, date=date(2024, 1, 5))
    new = Review(source="s", text="New words.", rating=4, date=date(2026, 11, 5))
    undated = Review(source="s", text="No date.", rating=3)
    store.upsert_reviews([old, new, undated])
    store.save_analyses([Analysis(content_hash=r.content_hash, model="m", prompt_version="p", sentiment="neutral")
                         for r in (old, new)])
    rid, n = store.delete_reviews(before=date(2025, 1, 1))
    assert n == 1 and sorted(store.review_texts([old.id, new.id, undated.id]).values()) == ["New words.", "No date."]
    assert count_rows(store, "analyses") == 1
    assert next(r for r in store.list_runs(kind="delete") if r["id"] == rid)["source"] == "dated before 2025-01-01"


def test_an_excerpt_never_shows_a_number_said_to_be_the_writers():
    """`privacy` printed "My number: +49 30 1234567" in clear in the excerpt of a review found for its e-mail."""
    text = f"Write to {EMAIL}. My number: +49 30 1234567."
    n, holders = look([{"id": "r1", "text": text, "title": None, "author": None, "fields": None}], Masker())
    assert n == 1 and holders[0].counts == {"email": 1, "phone": 1}
    assert "1234567" not in holders[0].excerpt and "[phone]" in holders[0].excerpt
