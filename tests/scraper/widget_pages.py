"""Review lists shaped like common review widgets' and shops' plain HTML (no JSON-LD, microdata or page state), for
the layout tests: Judge.me and Yotpo (Shopify apps), WooCommerce's product reviews, an Amazon-like list, and a
list with build-hashed class names (CSS-in-JS) and relative dates. The markup follows what those pages show
publicly, reduced; the data is made up. Each page also has something that is not reviews beside them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class W:
    author: str
    rating: int
    day: int  # of March 2026
    title: str
    text: str


WORDS = ["The kettle boils quickly and quietly", "The lid broke after two weeks of daily use",
         "Delivery took far too long and the box was dented", "Great value for the price, I would buy it again",
         "Support never answered my two e-mails about the refund"]
NAMES = ["Anna K.", "Ben Okafor", "Chloé", "Dmitri V.", "Eva-Lena", "Farid"]
REVIEWS = [W(NAMES[i], i % 5 + 1, i + 1, f"Title {i}", f"{WORDS[i % 5]}, says review {i}.") for i in range(6)]
MONTH = "March"

RELATED = ('<div class="related-products"><h2>You may also like</h2>' + "".join(
    f'<a class="product-card" href="/p/{i}"><span class="product-card__title">Other kettle {i} with a long name '
    f'here</span><span class="stars" aria-label="4.5 out of 5 stars"></span><span class="price">$24.00</span></a>'
    for i in range(4)) + "</div>")


def _doc(body: str) -> str:
    return f'<html><head><title>Acme Kettle</title></head><body><h1>Acme Kettle</h1>{body}{RELATED}</body></html>'


def judgeme() -> str:
    def one(i, r):
        stars = "".join(f'<span class="jdgm-star {"jdgm--on" if k < r.rating else "jdgm--off"}"></span>' for k in range(5))
        return (f'<div class="jdgm-rev jdgm-divider-top" data-review-id="jm-{i}"><div class="jdgm-rev__header">'
                f'<span class="jdgm-rev__rating" data-score="{r.rating}" aria-label="{r.rating} star review">{stars}</span>'
                f'<span class="jdgm-rev__timestamp" data-content="2026-03-{r.day:02d} 10:00:00 UTC">{MONTH} {r.day}, 2026'
                f'</span><div class="jdgm-rev__icon"></div><span class="jdgm-rev__author">{r.author}</span></div>'
                f'<div class="jdgm-rev__content"><b class="jdgm-rev__title">{r.title}</b><div class="jdgm-rev__body">'
                f'<p>{r.text}</p></div></div></div>')
    return _doc('<div class="jdgm-widget jdgm-review-widget"><div class="jdgm-rev-widg__reviews">'
                + "".join(one(i, r) for i, r in enumerate(REVIEWS)) + "</div></div>")


def yotpo() -> str:
    def one(i, r):
        stars = "".join(f'<span class="yotpo-icon {"yotpo-icon-star" if k < r.rating else "yotpo-icon-empty-star"}">'
                        f'</span>' for k in range(5))
        return (f'<div class="yotpo-review yotpo-regular-box" data-review-id="{9000 + i}"><div class="yotpo-header">'
                f'<span class="yotpo-user-name">{r.author}</span><span class="yotpo-review-date">03/{r.day:02d}/26</span>'
                f'<div class="yotpo-review-stars"><span class="sr-only">{r.rating}.0 star rating</span>{stars}</div></div>'
                f'<div class="yotpo-main"><div class="content-title">{r.title}</div><div class="content-review">'
                f'{r.text}</div></div><div class="yotpo-footer"><span class="yotpo-helpful">Was this review helpful?'
                f'</span></div></div>')
    return _doc('<div class="yotpo yotpo-main-widget"><div class="yotpo-reviews">'
                + "".join(one(i, r) for i, r in enumerate(REVIEWS)) + "</div></div>")


def woocommerce() -> str:
    def one(i, r):
        return (f'<li class="review byuser comment-author-c{i} even thread-even depth-1" id="li-comment-{40 + i}">'
                f'<div id="comment-{40 + i}" class="comment_container"><div class="comment-text">'
                f'<div class="star-rating" role="img" aria-label="Rated {r.rating} out of 5"><span style="width:'
                f'{r.rating * 20}%">Rated <strong class="rating">{r.rating}</strong> out of 5</span></div>'
                f'<p class="meta"><strong class="woocommerce-review__author">{r.author}</strong> '
                f'<span class="woocommerce-review__dash">&ndash;</span> <time class="woocommerce-review__published-date"'
                f' datetime="2026-03-{r.day:02d}T10:00:00+00:00">{MONTH} {r.day}, 2026</time></p>'
                f'<div class="description"><p>{r.text}</p></div></div></div></li>')
    return _doc('<div id="reviews" class="woocommerce-Reviews"><div id="comments"><h2>6 reviews for Acme Kettle</h2>'
                '<ol class="commentlist">' + "".join(one(i, r) for i, r in enumerate(REVIEWS)) + "</ol></div></div>")


def amazonish() -> str:
    def one(i, r):
        return (f'<div id="R{i}XYZ" data-hook="review" class="a-section review aok-relative"><div class="a-profile">'
                f'<span class="a-profile-name">{r.author}</span></div><div class="a-row"><a class="a-link-normal" '
                f'title="{r.rating}.0 out of 5 stars" href="/r/{i}"><i data-hook="review-star-rating" class="a-icon '
                f'a-icon-star a-star-{r.rating}"><span class="a-icon-alt">{r.rating}.0 out of 5 stars</span></i></a> '
                f'<a data-hook="review-title" class="a-size-base review-title" href="/r/{i}"><span>{r.title}</span>'
                f'</a></div><span data-hook="review-date" class="a-size-base a-color-secondary review-date">Reviewed '
                f'in the United States on {MONTH} {r.day}, 2026</span><div class="a-row review-data"><span '
                f'data-hook="review-body" class="a-size-base review-text"><span>{r.text}</span></span></div></div>')
    return _doc('<div id="cm_cr-review_list" class="a-section review-views">'
                + "".join(one(i, r) for i, r in enumerate(REVIEWS)) + "</div>")


def hashed() -> str:
    def one(i, r):
        return (f'<div class="e1x7q9k0 css-kq3v2m"><div class="css-1p2a3b"><img alt="" src="data:,">'
                f'<div><div class="css-5t6y7u">{r.author}</div><div class="css-9o8i7u">{r.day} days ago</div></div>'
                f'</div><div role="img" aria-label="{r.rating} stars" class="css-2w3e4r"></div>'
                f'<div class="css-6y5t4r"><span>{r.text}</span></div></div>')
    return _doc('<div class="css-0a9s8d"><h2>Reviews</h2><div class="css-3e4r5t">'
                + "".join(one(i, r) for i, r in enumerate(REVIEWS)) + "</div></div>")


PAGES = {"judgeme": judgeme, "yotpo": yotpo, "woocommerce": woocommerce, "amazonish": amazonish, "hashed": hashed}
