"""`complaints` on a store it cannot write computed the themes for over a minute, then failed at the write; it
now fails at once with the message every writing command gives. `--stored` only reads: it still works."""

from __future__ import annotations

from reviewlens.app.cli import ExitStatus, main
from reviewlens.app.jobs import Job
from reviewlens.store import Store


def test_complaints_on_a_read_only_store_fails_before_computing(tmp_path, monkeypatch, capsys):
    path = tmp_path / "s.db"
    Store(path).close()
    computed = []
    monkeypatch.setattr(Job, "complaints", lambda self, **kw: computed.append(kw) or ([], {}))
    ro = f"sqlite:///file:{path}?mode=ro&uri=true"
    for kind in ("complaints", "praise", "requests"):
        assert main([kind, "--db", ro, "--no-llm"]) == ExitStatus.ERROR
        err = capsys.readouterr().err
        assert f"reviewlens {kind}: StoreReadOnly: cannot write to the store" in err and "read-only" in err
    assert computed == []  # nothing computed before the failure
    assert main(["complaints", "--db", ro, "--stored"]) == ExitStatus.OK  # reading the stored ones works
