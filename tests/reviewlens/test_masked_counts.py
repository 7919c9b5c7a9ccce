"""A run's "masked personal data in N reviews" (and the run history's privacy counts) count what that run masked:
reviews an earlier run stored masked, seen again, are not counted again."""

from __future__ import annotations

from reviewlens.privacy import Masker
from reviewlens.records_io import import_file
from reviewlens.store import Store
from tests.helpers import write_csv

EMAIL = "jane.doe@mail.example.com"
CARD = "4111 1111 1111 1111"


def test_a_run_counts_only_the_personal_data_it_masked_itself(tmp_path):
    """Reviews an earlier run stored masked, seen again: not masked again by this run (its counts say 0); a
    review stored before masking was on, imported again with masking: masked in the store by this run, counted."""
    store = Store(tmp_path / "m.db")
    csv = write_csv(tmp_path / "r.csv", [{"text": f"Broken, mail me at {EMAIL}", "rating": "1"},
                                         {"text": f"Charged twice on {CARD}", "rating": "1"},
                                         {"text": "Works well", "rating": "5"}])
    res, *_ = import_file(store, csv, masker=Masker())
    assert res.masked == 2 and res.masked_kinds == {"email": 1, "card": 1}
    res, run_id, new, seen = import_file(store, csv, masker=Masker())
    assert (new, seen, res.masked, res.masked_kinds) == (0, 3, 0, {})
    assert "masked" not in next(r for r in store.list_runs(kind="import") if r["id"] == run_id)["detail"]

    plain = Store(tmp_path / "plain.db")
    import_file(plain, csv, masker=Masker(kinds=()))  # masking off: stored as written
    res, *_ = import_file(plain, csv, masker=Masker())
    assert res.masked == 2 and EMAIL not in str(plain.review_texts([r["id"] for r in plain.written_rows()]))
