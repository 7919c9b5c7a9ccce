"""What this machine keeps of review texts outside the store, erased when reviews are forgotten.

Two caches beside the converted models hold what was computed from review texts: the sentence vectors of the
theme step and the labels' check (analysis.vector_cache; a vector gives its sentence's gist back) and the LLM
server's answers of the last day (analysis.backends.server_cache; they hold the model's words about reviews,
translations too). Neither knows which review a row came from, so when reviews are forgotten (`reviewlens delete
--author/--before/--expired`, `privacy --mask` that changed a text, the scheduler's `[privacy] keep_days`) both
are erased whole, their bytes overwritten (analysis.cache_file.erase_cache_file). The cost is time: the next
`analyze` embeds its statements again (a 20,000-review store's theme step: ~20 s instead of ~12 s).
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass, field

from ..words import counted

log = logging.getLogger(__name__)


@dataclass
class Erased:
    """What `erase_caches` did: rows erased per cache, and the caches it could not erase (name, path, why)."""

    rows: dict[str, int] = field(default_factory=dict)
    failed: list[tuple[str, str, str]] = field(default_factory=list)

    def lines(self) -> list[str]:
        """What to tell the user: a line for what went (none when both were empty), one per failure."""
        out = []
        went = [counted(n, what) for what, n in self.rows.items() if n]
        if went:
            out.append(f"erased {' and '.join(went)} kept on this machine (computed again when needed)")
        for what, path, why in self.failed:
            out.append(f"could not erase the {what} kept in {path} ({why}): delete that file by hand, "
                       "it may hold what was computed from the forgotten reviews")
        return out


def erase_caches() -> Erased:
    """Erase the sentence vectors and the server's answers kept on this machine (see the module); a cache turned
    off or never made is skipped. Never raises: a cache that cannot be erased is in `failed`, logged at WARNING."""
    from analysis import vector_cache
    from analysis.backends import server_cache

    out = Erased()
    for what, module in (("sentence vector", vector_cache), ("server answer", server_cache)):
        path = module.default_path()
        if path is None:
            continue
        try:
            out.rows[what] = module.erase(path)
        except (OSError, sqlite3.Error) as e:
            log.warning("could not erase the %ss kept in %s (%s)", what, path, e)
            out.failed.append((f"{what}s", str(path), str(e)))
    if any(out.rows.values()):
        log.info("forgotten reviews: erased %s", ", ".join(counted(n, w) for w, n in out.rows.items()))
    return out
