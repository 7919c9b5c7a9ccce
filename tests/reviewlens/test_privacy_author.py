"""Contact details given as the reviewer's name (hunt7 #11): survey exports put the e-mail address in the name
field. It was neither found by `reviewlens privacy` nor masked as reviews are stored, while the same address in the
text was; it showed in the explorer, the report and the exports."""

from __future__ import annotations

import json

from reviewlens.app.cli import main
from reviewlens.privacy import Masker, look
from reviewlens.schema import Review
from reviewlens.store import Store
from tests.helpers import write_csv

EMAIL = "jane.doe@example.com"


def test_an_email_as_the_name_is_masked_as_reviews_are_stored(tmp_path, capsys):
    path = write_csv(tmp_path / "r.csv", [{"text": "Kettle leaks.", "author": EMAIL, "rating": "1"},
                                          {"text": "Lovely kettle.", "author": "Bob", "rating": "5"}])
    db = str(tmp_path / "a.db")
    assert main(["import", path, "--db", db, "-q"]) == 0
    said = capsys.readouterr().out
    assert "masked personal data in 1 review (1 e-mail address)" in said, said  # not also "1 reviewer name"
    assert sorted(r["author"] for r in Store(db).written_rows()) == ["Bob", "[email]"]
    r = Review(source="s", text="Fine.", author=EMAIL)
    assert Masker().review(r).author == "[email]" and Masker().review(r).id == r.id  # the same review still
    assert Masker(names="drop").review(r).author is None


def test_the_privacy_command_finds_and_masks_an_email_as_the_name(tmp_path, capsys):
    db = str(tmp_path / "p.db")
    store = Store(db)
    bad = Review(source="s", text="Kettle leaks.", author=EMAIL)
    store.upsert_reviews([bad, Review(source="s", text="Lovely.", author="Bob")])  # stored before masking
    assert [(h.id, h.fields, h.excerpt) for h in look(store.written_rows(), Masker())[1]] == [
        (bad.id, ["author"], "[email]")]
    assert main(["privacy", "--db", db, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["counts"] == {"email": 1} and EMAIL not in json.dumps(data["found"])
    assert main(["privacy", "--db", db, "--mask", "-q"]) == 0
    assert "Masked in the store: 1 reviews." in capsys.readouterr().out
    assert sorted(r["author"] for r in store.written_rows()) == ["Bob", "[email]"]
    assert main(["privacy", "--db", db, "-q"]) == 0
    assert "No personal data in the 2 stored reviews" in capsys.readouterr().out
