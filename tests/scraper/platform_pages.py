"""Pages shaped like the big review platforms' public markup, for zero-config tests.

Each builder returns the HTML of one page. The shapes follow public descriptions of the platforms
(page state field names as documented by the open-source scrapers of each platform); the data is
made up. Every page also carries a decoy list (other businesses, apps or products with names,
addresses, aggregate ratings and short descriptions) that must not be taken for reviews.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from datetime import date, timedelta

PER_PAGE = 5
WORDS = ["delivery", "support", "quality", "price", "packaging", "refund", "staff", "app", "battery", "update"]


@dataclass(frozen=True)
class R:
    id: str
    author: str
    rating: int
    day: date
    title: str
    text: str
    reply: str | None = None
    helpful: int = 0


def reviews(prefix: str, n: int, start: int = 0) -> list[R]:
    """`n` made-up reviews; texts name the platform so a test can tell them from the decoys."""
    out = []
    for i in range(start, start + n):
        w = WORDS[i % len(WORDS)]
        out.append(R(
            id=f"{prefix}-{i + 1:03d}", author=f"{['Ann', 'Bob', 'Cleo', 'Dev', 'Eli', 'Fay'][i % 6]} {chr(65 + i % 26)}.",
            rating=1 + (i * 3) % 5, day=date(2026, 3, 28) - timedelta(days=3 * i),
            title=f"About the {w} ({i + 1})",
            text=f"{prefix} review {i + 1}: the {w} was {'great' if i % 2 else 'disappointing'} and I would "
                 f"{'recommend' if i % 2 else 'not recommend'} it to a friend who asked me about it.",
            reply=(f"Thank you for your feedback about the {w}, we are looking into it." if i % 3 == 0 else None),
            helpful=i % 7))
    return out


def _doc(title: str, body: str, head: str = "", lang: str = "en") -> str:
    return (f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{html.escape(title)}</title>{head}'
            f'</head><body><h1>{html.escape(title)}</h1>{body}</body></html>')


def _json(data) -> str:
    return json.dumps(data).replace("</", "<\\/")


DECOY_TEXT = ("A family-run business since 1987 offering friendly service, fair prices and free parking "
              "for all customers, open seven days a week.")


# ---------------------------------------------------------------- Trustpilot: Next.js __NEXT_DATA__
def trustpilot(page: int, pages: int = 2) -> str:
    rs = reviews("Trustpilot", PER_PAGE, (page - 1) * PER_PAGE)
    state = {"props": {"pageProps": {
        "businessUnit": {"id": "5f1", "displayName": "Acme Shop", "identifyingName": "acme.example",
                         "numberOfReviews": 1234, "trustScore": 4.3, "stars": 4.5,
                         "websiteUrl": "https://acme.example"},
        "reviews": [{
            "id": r.id, "filtered": False, "pending": False, "text": r.text, "rating": r.rating,
            "labels": {"merged": None, "verification": {"isVerified": True, "createdDateTime": f"{r.day}T08:00:00.000Z",
                                                         "reviewSourceName": "Organic"}},
            "title": r.title, "likes": r.helpful,
            "dates": {"experiencedDate": f"{r.day - timedelta(days=20)}T00:00:00.000Z",
                      "publishedDate": f"{r.day}T10:11:12.000Z", "updatedDate": None, "submittedDate": None},
            "report": None, "hasUnhandledReports": False,
            "consumer": {"id": f"c{r.id}", "displayName": r.author, "imageUrl": "", "numberOfReviews": 3,
                         "countryCode": "GB", "hasImage": False, "isVerified": False},
            "reply": {"message": r.reply, "publishedDate": f"{r.day + timedelta(days=1)}T09:00:00.000Z",
                      "updatedDate": None} if r.reply else None,
            "consumersReviewCountOnSameDomain": 1, "language": "en", "location": None,
        } for r in rs],
        "filters": {"pagination": {"currentPage": page, "perPage": PER_PAGE, "totalCount": PER_PAGE * pages,
                                   "totalPages": pages}},
        "similarBusinessUnits": [{
            "businessUnitId": f"b{i}", "displayName": f"Other Shop {i}", "identifyingName": f"other{i}.example",
            "numberOfReviews": 100 * i + 7, "trustScore": 3.5 + i / 10, "stars": 4, "logoUrl": f"/logo{i}.png",
            "location": {"address": f"{i} Market Street, Springfield", "city": "Springfield", "country": "GB"},
            "categories": [{"categoryId": "shop", "displayName": "Shop"}], "description": DECOY_TEXT,
        } for i in range(1, 13)],
    }}, "page": "/review/[businessUnit]", "query": {"businessUnit": "acme.example"}, "buildId": "tp"}
    nav = ['<nav aria-label="Pagination" class="styles_pagination__x">']
    nav.append(f'<a aria-label="Previous page" name="pagination-button-previous" '
               f'{"href=" + chr(34) + "?page=" + str(page - 1) + chr(34) if page > 1 else "aria-disabled=" + chr(34) + "true" + chr(34)}>'
               f'<svg></svg></a>')
    for p in range(1, pages + 1):
        cur = ' aria-current="page"' if p == page else ""
        nav.append(f'<a href="?page={p}" name="pagination-button-{p}"{cur}>{p}</a>')
    if page < pages:
        nav.append(f'<a aria-label="Next page" name="pagination-button-next" href="?page={page + 1}">'
                   f'<svg aria-hidden="true"></svg></a>')
    else:
        nav.append('<a aria-label="Next page" name="pagination-button-next" aria-disabled="true"><svg></svg></a>')
    nav.append("</nav>")
    body = (f'<div id="__next"><main>Reviews are rendered by the app</main>{"".join(nav)}</div>'
            f'<script id="__NEXT_DATA__" type="application/json">{_json(state)}</script>')
    return _doc("Acme Shop Reviews", body)


# ---------------------------------------------------------------- Google Play: JSON state, numbered pager
def google_play(page: int, pages: int = 2) -> str:
    rs = reviews("GooglePlay", PER_PAGE, (page - 1) * PER_PAGE)
    state = {"app": {"appId": "com.example.notes", "title": "Example Notes", "score": 4.4, "ratings": 120345},
             "reviews": [{
                 "reviewId": r.id, "userName": r.author, "userImage": "https://play-lh.example/a.png",
                 "content": r.text, "score": r.rating, "thumbsUpCount": r.helpful, "reviewCreatedVersion": "3.2.1",
                 "at": f"{r.day} 14:03:00", "replyContent": r.reply,
                 "repliedAt": f"{r.day + timedelta(days=2)} 10:00:00" if r.reply else None, "appVersion": "3.2.1",
             } for r in rs],
             "similarApps": [{
                 "appId": f"com.example.other{i}", "title": f"Other Notes {i}", "developer": "Other Devs Ltd",
                 "score": 4.1, "scoreText": "4.1", "installs": "1,000,000+", "free": True, "price": 0,
                 "icon": f"https://play-lh.example/{i}.png", "summary": DECOY_TEXT,
             } for i in range(1, 9)]}
    pager = ['<nav aria-label="pagination"><ul>']
    for p in range(1, pages + 1):
        cur = ' aria-current="page"' if p == page else ""
        pager.append(f'<li><a href="?id=com.example.notes&amp;page={p}"{cur}>{p}</a></li>')
    pager.append("</ul></nav>")
    body = (f'<c-wiz><div class="reviews">Loading reviews</div></c-wiz>{"".join(pager)}'
            f'<script type="application/json" id="play-state">{_json(state)}</script>')
    return _doc("Example Notes - Apps on Google Play", body)


# ---------------------------------------------------------------- G2: JSON:API documents, JSON.parse("...")
def g2(page: int, pages: int = 2) -> str:
    rs = reviews("G2", PER_PAGE, (page - 1) * PER_PAGE)
    state = {"product": {"data": {"id": "p1", "type": "products", "attributes": {"name": "Example CRM",
                                                                                "star_rating": 4.5, "review_count": 812}}},
             "reviews": {"data": [{
                 "id": r.id.split("-")[1], "type": "survey_responses",
                 "attributes": {
                     "star_rating": r.rating, "title": f'"{r.title}"',
                     "comment_answers": {"love": {"value": r.text},
                                         "hate": {"value": "Nothing much, some menus are slow."}},
                     "submitted_at": f"{r.day}T12:00:00.000-05:00", "updated_at": "2026-04-01T00:00:00.000-05:00",
                     "user_name": r.author, "votes_up": r.helpful, "country_name": "United States",
                     "verified_current_user": True, "review_source": "Organic",
                 }} for r in rs],
                 "links": {"next": f"/products/example-crm/reviews?page={page + 1}" if page < pages else None}},
             "alternatives": {"data": [{
                 "id": f"a{i}", "type": "products",
                 "attributes": {"name": f"Other CRM {i}", "slug": f"other-crm-{i}", "star_rating": 4.2,
                                "review_count": 300 + i, "short_description": DECOY_TEXT,
                                "image_url": f"/img/{i}.png"}} for i in range(1, 8)]}}
    blob = json.dumps(json.dumps(state)).replace("</", "<\\/")
    nxt = (f'<a class="pagination__named-link js-log-click" href="/products/example-crm/reviews?page={page + 1}">Next ›</a>'
           if page < pages else "")
    body = (f'<div class="paper">reviews</div><div class="pagination">{nxt}</div>'
            f'<script>window.__INITIAL_STATE__ = JSON.parse({blob});</script>')
    return _doc("Example CRM Reviews 2026", body)


# ---------------------------------------------------------------- Capterra: var state, attribute-only next link
def capterra(page: int, pages: int = 2) -> str:
    rs = reviews("Capterra", PER_PAGE, (page - 1) * PER_PAGE)
    state = {"reviews": [{
        "reviewId": int(r.id.split("-")[1]) + 9000, "title": r.title,
        "writtenOn": r.day.strftime("%B %-d, %Y"), "overallRating": r.rating, "easeOfUseRating": 5,
        "customerSupportRating": 4, "valueForMoneyRating": 3,
        "reviewer": {"fullName": r.author, "jobTitle": "Office Manager", "industry": "Retail",
                     "companySize": "11-50 employees", "timeUsedProduct": "1-2 years"},
        "generalComments": r.text, "prosText": "Easy to set up.", "consText": "Pricey.",
        "vendorResponse": {"text": r.reply, "date": str(r.day)} if r.reply else None,
    } for r in rs],
        "alternatives": [{
            "productId": 70 + i, "name": f"Other Tool {i}", "rating": 4.6, "reviewCount": 1200 + i,
            "description": DECOY_TEXT, "pricing": {"startingPrice": "$12.00", "period": "per month"},
            "logo": f"/logos/{i}.png", "url": f"/p/{i}/other-tool/"} for i in range(1, 10)]}
    nxt = (f'<a data-testid="pagination-next" class="pager-link" href="?page={page + 1}"><i class="icon-chevron"></i></a>'
           if page < pages else "")
    body = (f'<div id="root"></div><div class="reviews-pager"><span class="current">{page}</span>{nxt}</div>'
            f'<script>var __CAPTERRA_STATE__ = {_json(state)};</script>')
    return _doc("Example Payroll Reviews", body)


# ---------------------------------------------------------------- Yelp: hypernova JSON in an HTML comment
def yelp(page: int, pages: int = 2) -> str:
    rs = reviews("Yelp", PER_PAGE, (page - 1) * PER_PAGE)
    legacy = {"legacyProps": {"bizDetailsProps": {
        "bizDetailsMetaProps": {"businessName": "Cafe Example", "rating": 4.0, "reviewCount": 321},
        "reviewFeedQueryProps": {"reviews": [{
            "id": r.id, "userId": f"u{r.id}", "business": {"id": "biz1", "alias": "cafe-example"},
            "user": {"link": f"/user_details?userid=u{r.id}", "src": "https://s3-media.example/u.jpg",
                     "markupDisplayName": r.author, "displayLocation": "San Francisco, CA",
                     "friendCount": 12, "reviewCount": 40, "photoCount": 3},
            "comment": {"text": html.escape(r.text), "language": "en"},
            "localizedDate": r.day.strftime("%-m/%-d/%Y"), "rating": r.rating, "photos": [],
            "feedback": {"counts": {"useful": r.helpful, "funny": 0, "cool": 1}},
            "businessOwnerReplies": ([{"comment": r.reply, "localizedDate": r.day.strftime("%-m/%-d/%Y")}]
                                     if r.reply else []),
        } for r in rs], "pagination": {"startResult": (page - 1) * PER_PAGE, "totalResults": PER_PAGE * pages}},
        "peopleAlsoViewed": [{
            "bizId": f"o{i}", "name": f"Other Cafe {i}", "rating": 4.5, "reviewCount": 80 + i,
            "categories": ["Coffee & Tea"], "priceRange": "$$", "formattedAddress": f"{i} Main St, San Francisco, CA",
            "snippet": {"text": DECOY_TEXT}} for i in range(1, 7)],
    }}}
    nxt = (f'<a class="next-link navigation-button__09f24" aria-label="Next" href="?start={page * PER_PAGE}">'
           f'<span class="icon--24-chevron-right"></span></a>' if page < pages else "")
    body = (f'<div aria-label="Pagination navigation" role="navigation"><span aria-current="true">{page}</span>{nxt}</div>'
            f'<script type="application/json" data-hypernova-key="yelpfrontend__biz_details" '
            f'data-hypernova-id="x1"><!--{_json(legacy)}--></script>')
    return _doc("Cafe Example - San Francisco", body)


def yelp_apollo() -> str:
    """Yelp's newer pages: an Apollo cache keyed by id, users referenced with {__ref}."""
    rs = reviews("YelpApollo", PER_PAGE)
    cache: dict = {"ROOT_QUERY": {"business({\"encid\":\"b1\"})": {"__ref": "Business:b1"}},
                   "Business:b1": {"__typename": "Business", "encid": "b1", "name": "Cafe Example", "rating": 4.0,
                                   "reviewCount": 321, "address": {"formatted": "1 Main St, San Francisco, CA"}}}
    for i in range(1, 5):
        cache[f"Business:o{i}"] = {"__typename": "Business", "encid": f"o{i}", "name": f"Other Cafe {i}",
                                   "rating": 4.5, "reviewCount": 9 + i, "categories": ["Cafe"],
                                   "snippet": DECOY_TEXT, "address": {"formatted": f"{i} Side St, Oakland, CA"}}
    for r in rs:
        cache[f"User:u{r.id}"] = {"__typename": "User", "encid": f"u{r.id}", "displayName": r.author,
                                  "displayLocation": "Oakland, CA"}
        cache[f"Review:{r.id}"] = {"__typename": "Review", "encid": r.id, "rating": r.rating,
                                   "text": {"full": r.text, "language": "en"},
                                   "createdAt": {"utcDateTime": f"{r.day}T18:00:00Z"},
                                   "author": {"__ref": f"User:u{r.id}"}}
    body = f'<script type="application/json" data-apollo-state="true"><!--{_json(cache)}--></script>'
    return _doc("Cafe Example - Yelp", body)


# ---------------------------------------------------------------- Best Buy: microdata + "Show more reviews"
def _bestbuy_card(r: R) -> str:
    return (f'<li class="review-item" itemprop="review" itemscope itemtype="https://schema.org/Review" '
            f'data-review-id="{r.id}">'
            f'<div class="review-rating"><div itemprop="reviewRating" itemscope itemtype="https://schema.org/Rating">'
            f'<meta itemprop="ratingValue" content="{r.rating}"><meta itemprop="bestRating" content="5">'
            f'<p class="visually-hidden">Rated {r.rating} out of 5 stars</p></div></div>'
            f'<h4 class="review-title" itemprop="name">{html.escape(r.title)}</h4>'
            f'<div class="ugc-author"><strong itemprop="author">{html.escape(r.author)}</strong></div>'
            f'<time itemprop="datePublished" datetime="{r.day}">{r.day.strftime("%b %d, %Y")}</time>'
            f'<p class="pre-white-space" itemprop="reviewBody">{html.escape(r.text)}</p>'
            f'<button class="helpfulness-button" type="button">Helpful ({r.helpful})</button>'
            f'<button class="unhelpfulness-button" type="button">Unhelpful (0)</button></li>')


def bestbuy(total: int = 25, per_click: int = 10) -> str:
    rs = reviews("BestBuy", total)
    first = "".join(_bestbuy_card(r) for r in rs[:per_click])
    later = [_bestbuy_card(r) for r in rs[per_click:]]
    decoys = "".join(
        f'<li itemscope itemtype="https://schema.org/Product"><a itemprop="url" href="/site/other-{i}.p">'
        f'<span itemprop="name">Other Laptop {i}</span></a><div itemprop="aggregateRating" itemscope '
        f'itemtype="https://schema.org/AggregateRating"><meta itemprop="ratingValue" content="4.{i}">'
        f'<meta itemprop="reviewCount" content="{100 + i}"></div><p itemprop="description">{DECOY_TEXT}</p></li>'
        for i in range(1, 7))
    script = ("<script>(function () {\n"
              f"  var later = {json.dumps(later)}, per = {per_click};\n"
              "  var btn = document.querySelector('.reviews-show-more');\n"
              "  btn.addEventListener('click', function () {\n"
              "    btn.disabled = true; btn.textContent = 'Loading...';\n"
              "    setTimeout(function () {\n"
              "      var list = document.querySelector('.reviews-list');\n"
              "      later.splice(0, per).forEach(function (h) { list.insertAdjacentHTML('beforeend', h); });\n"
              "      if (later.length) { btn.disabled = false; btn.textContent = 'Show More Reviews'; }\n"
              "      else btn.remove();\n"
              "    }, 150);\n"
              "  });\n"
              "})();</script>")
    body = (f'<div itemscope itemtype="https://schema.org/Product"><span itemprop="name">Example Laptop 15</span>'
            f'<div class="ugc-review-list"><ul class="reviews-list">{first}</ul>'
            f'<button class="c-button reviews-show-more" type="button">Show More Reviews</button></div></div>'
            f'<section class="carousel"><h2>Customers also viewed</h2><button aria-label="Next">›</button>'
            f'<ul>{decoys}</ul></section>{script}')
    return _doc("Example Laptop 15 - Best Buy", body)


# ---------------------------------------------------------------- App Store: shoebox JSON strings, French
def app_store(page: int, pages: int = 2) -> str:
    rs = reviews("AppStore", PER_PAGE, (page - 1) * PER_PAGE)
    api = {"d": [{
        "id": r.id.split("-")[1] + "77", "type": "user-reviews",
        "attributes": {"date": f"{r.day}T07:15:00Z", "review": r.text, "rating": r.rating, "isEdited": False,
                       "userName": r.author, "title": r.title,
                       **({"developerResponse": {"id": 5, "body": r.reply, "modified": f"{r.day}T09:00:00Z"}}
                          if r.reply else {})}} for r in rs],
        "next": f"/v1/catalog/fr/apps/123/reviews?offset={page * PER_PAGE}" if page < pages else None}
    apps = {"d": [{"id": f"9{i}", "type": "apps", "attributes": {
        "name": f"Autre appli {i}", "artistName": "Autre Studio", "subtitle": "Organisez vos notes facilement",
        "userRating": {"value": 4.7, "ratingCount": 12000 + i}, "url": f"https://apps.example/app/id9{i}",
        "description": {"standard": DECOY_TEXT}}} for i in range(1, 9)]}
    shoebox = {"reviews.v1.apps.123": json.dumps(api), "apps.v1.similar.123": json.dumps(apps)}
    nxt = (f'<a class="we-pagination__next" aria-label="Page suivante" href="?page={page + 1}">›</a>'
           if page < pages else "")
    body = (f'<div class="we-customer-review"></div><nav class="we-pagination">{nxt}</nav>'
            f'<script type="fastboot/shoebox" id="shoebox-media-api-cache-apps">{_json(shoebox)}</script>')
    return _doc("Exemple Notes sur l’App Store", body, lang="fr")


# ---------------------------------------------------------------- a next button without a link (SPA router)
def spa_next_button(page: int, pages: int = 2) -> str:
    rs = reviews("Spa", PER_PAGE, (page - 1) * PER_PAGE)
    ld = {"@context": "https://schema.org", "@type": "Product", "name": "Spa Kettle", "review": [
        {"@type": "Review", "identifier": r.id, "reviewBody": r.text, "author": {"@type": "Person", "name": r.author},
         "datePublished": str(r.day), "reviewRating": {"@type": "Rating", "ratingValue": r.rating}} for r in rs]}
    btn = (f'<div class="pagination"><button type="button" class="pagination-next" '
           f'onclick="location.search=\'?page={page + 1}\'">Next page</button></div>' if page < pages else "")
    body = (f'<div class="image-carousel"><button type="button">Next</button></div>{btn}'
            f'<script type="application/ld+json">{_json(ld)}</script>')
    return _doc("Spa Kettle", body)
