"""Reply drafts: a first draft of the owner's answer to a review, built from what the analysis found in it.

The draft thanks the customer, passes their kind words on to the staff the review praises by name ("We will
pass your kind words on to Marco": the people whose clause is positive, analysis.entity_sentiment; never one
it speaks badly of), names what went wrong (or well) topic by topic from a phrasebook, says how to reach you,
and signs off. It is built from the review's rating, sentiment, topics and praised names only: it never
repeats the review's words (untrusted text has no way into it but a name that looks like one), never promises a refund or a
fix, and never states a fact the analysis did not find. A person reads and edits it before sending;
the dashboard shows it beside the review, `reviewlens replies` writes drafts for many reviews.

It says only what the stars and the analysis agree on, with the review's own words as a check (read for their
polarity and for serious matters, never copied): the analysis can misread a review ("Can't thank her enough!"
read as negative got "We're sorry the service fell short" under "Thank you for your kind review!"), so a 5★
review is never apologised to, a 1-2★ one never told what it liked, and where the words and the analysis both
say the opposite of the stars the draft thanks plainly. Health, safety and the law get an apology and a direct
contact line (`is_serious`); no sentence is said twice.

Why not let the LLM write it: a generated reply can promise what the business does not offer or
repeat a customer's claim as fact, and the packaged 0.5B writes poorly (see analysis.answers). The
phrasebook is the user's to change: `[replies] phrases = { delivery = "..." }` in reviewlens.toml.

A review is answered in its own language (the analysis's detected one, else the page's) when there is
a phrasebook for it (reviewlens.reply_phrases: English, German, French, Spanish, Italian, Dutch,
Portuguese), else in English; `[replies] language = "en"` answers every review in one language.
"""

from __future__ import annotations

import re
import math
from typing import Any, Mapping, Sequence

from .config import ReplySettings
from .privacy import is_pseudonym
from .reply_phrases import ENGLISH, PHRASEBOOKS, Phrasebook
from .word_polarity import polarity_counts

#: The English phrasebook's sentences (reviewlens.reply_phrases holds every language's): what the draft says
#: about a topic the review is negative about (keys are the presets' topic names); a topic without a
#: phrase gets GENERIC_NEGATIVE.
NEGATIVE = ENGLISH.negative
GENERIC_NEGATIVE = ENGLISH.generic_negative
POSITIVE = ENGLISH.liked
MAX_TOPICS = 3

_NAME_RE = re.compile(r"^[^\W\d_]+(?:[ '.-]+[^\W\d_]+){0,2}\.?$")


def first_name(author: Any) -> str | None:
    """The first word of an author name that looks like a person's name (letters, up to three words, at
    most 30 characters), else None: "Anna K." -> "Anna"; "xX_gamer99", "Verified buyer" -> None."""
    if not isinstance(author, str) or is_pseudonym(author):  # "Reviewer Q." is no one to greet
        return None
    a = " ".join(author.split())
    if not a or len(a) > 30 or not _NAME_RE.match(a) or a.lower() in {"anonymous", "verified buyer", "customer",
                                                                       "a customer", "guest"}:
        return None
    first = a.split()[0].rstrip(".")
    return first[:1].upper() + first[1:] if len(first) >= 2 else None


MAX_STAFF = 2  # people a draft thanks by name


def person_name(text: Any) -> str | None:
    """A name the analysis found in a review, as a draft may write it: letters (with ' . -), one to three
    words, at most 30 characters, not a pseudonym ("Marco", "Lisa Brandt", "Dr. Patel"); else None. It is the
    only thing of the review's own text a draft holds, so nothing else (a link, markup, a formula) gets in."""
    if not isinstance(text, str) or is_pseudonym(text):
        return None
    name = " ".join(text.split())
    return name if name and len(name) <= 30 and _NAME_RE.match(name) and name[0].isupper() else None


# ------------------------------------------------------------------------------------ the review's own words
# Read, never copied: whether the words lean positive or negative (a check on the stars and the analysis), whether
# they speak of something serious, and whether a name stands where a person stands. A small word list per
# language with negation ("not clean" is negative), idioms first ("can't thank her enough" is praise).
_WORD_RE = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
_POSITIVE_WORDS = frozenset("""
good great excellent amazing love loved lovely perfect perfectly best friendly nice delicious wonderful fantastic
helpful superb outstanding recommend recommended enjoyed comfortable spotless clean kind welcoming beautiful
awesome brilliant pleasant happy glad thank thanks grateful attentive impeccable fine okay decent quiet cosy cozy
tasty gorgeous
gut tolle toll hervorragend ausgezeichnet wunderbar wunderschön wunderschönes schön schöne freundlich hilfsbereit
nett lecker sauber perfekt empfehlenswert bequem ruhig danke dankeschön gerne gern klasse
bon bonne bien excellente parfait parfaite délicieux délicieuse génial magnifique agréable aimable gentil
gentille serviable propre calme merci ravi ravie
bueno buena buen excelente perfecto perfecta delicioso deliciosa genial maravilloso maravillosa agradable amable
simpático simpática limpio limpia tranquilo gracias recomiendo encantó
buono buona ottimo ottima eccellente perfetto perfetta fantastico gentile disponibile pulito pulita tranquillo
grazie bellissimo bellissima
goed goede geweldig uitstekend heerlijk lekker mooi mooie vriendelijk behulpzaam schoon rustig bedankt aanrader
fijn
bom boa ótimo ótima perfeito perfeita maravilhoso maravilhosa agradável limpo limpa obrigado obrigada recomendo
adorei
""".split())
_NEGATIVE_WORDS = frozenset("""
bad terrible awful horrible worst poor rude dirty filthy disgusting gross cold noisy loud slow broken broke
disappointed disappointing disappointment overpriced unacceptable stained stain stains dust dusty sticky smelly
smelled smell stank mould mold moldy mouldy bedbugs bedbug cockroach cockroaches rats waste wrong missing refund
unfriendly unhelpful dismissive shouted refused ignored useless awake complain complained complaint problem
problems issue issues rattled rattling overbooked cancelled canceled late delayed damaged defective expensive
burnt stale bland mediocre annoying painfully impossible tiny
schlecht schlechte schrecklich furchtbar dreckig schmutzig laut kalt langsam kaputt unfreundlich enttäuscht
enttäuschend teuer überteuert eklig ekelhaft unhöflich lärm baulärm verbrannt unsauber schimmel
mauvais mauvaise sale bruyant bruit froid froide cassé décevant déçu déçue cher chère impoli désagréable
inacceptable
malo mala mal sucio sucia ruido ruidoso frío fría lento lenta roto decepcionante caro maleducado inaceptable
cattivo cattiva pessimo pessima orribile sporco sporca rumoroso rumore freddo fredda rotto deludente scortese
inaccettabile
slecht slechte vies vieze smerig lawaai luid lawaaierig koud traag kapot teleurgesteld teleurstellend duur
onbeleefd onvriendelijk onacceptabel
ruim péssimo péssima horrível sujo suja barulho barulhento fria quebrado grosseiro inaceitável
""".split())
_NEGATORS = frozenset("""not no never nothing without hardly nobody none neither nor cannot
nicht kein keine keinen keiner nie niemals ohne pas jamais sans aucun aucune nunca sin ni non mai senza né
niet geen nooit zonder não sem nem""".split())
# idioms the word lists would read the wrong way round, replaced by a word of their polarity before counting
_IDIOMS = [(re.compile(p, re.IGNORECASE), w) for p, w in (
    (r"\b(?:can'?t|cannot|could(?:n'?t| not)) thank \w+(?: \w+)? enough\b", " great "),
    (r"\b(?:can'?t|cannot|could(?:n'?t| not)) recommend \w+(?: \w+)? (?:highly )?enough\b", " great "),
    (r"\bcould(?:n'?t| not) (?:be|have been) happier\b", " great "),
    (r"\bwent (?:out of (?:her|his|their|its|our|your|my) way|above and beyond)\b", " great "),
    (r"\bno complaints?\b", " great "),
    (r"\bnothing (?:bad|wrong)\b|\bnothing to complain about\b", " "),
)]


def word_polarity(text: Any) -> tuple[int, int]:
    """(positive, negative) counts of a text's words from small word lists in the phrasebooks' languages, with
    negation ("not clean" counts as negative, "not bad" as positive) and a few idioms ("can't thank her enough",
    "went out of her way"). A check on the stars and the analysis, not a reading of its own."""
    if not isinstance(text, str):
        return 0, 0
    for rx, repl in _IDIOMS:
        text = rx.sub(repl, text)
    words = [w.lower() for w in _WORD_RE.findall(text.replace("’", "'"))]
    return polarity_counts(words, _POSITIVE_WORDS, _NEGATIVE_WORDS, _NEGATORS)


def _lean(pos: int, neg: int) -> str | None:
    """'positive' or 'negative' when the words lean only one way, 'mixed' when both, None when neither."""
    return ("mixed" if neg else "positive") if pos else "negative" if neg else None


# Health, safety and the law: a complaint that names one is answered with an apology and a direct contact line,
# not thanks for feedback. Word stems in the phrasebooks' languages; "no bedbugs" does not count.
_SERIOUS_RE = re.compile(r"\b(?:" + "|".join((
    r"bed ?bugs?", r"bitten", r"lawyers?", r"attorneys?", r"solicitors?", r"lawsuit", r"sue", r"suing",
    r"legal action", r"take (?:you|them|this|it) to court", r"police", r"food poisoning", r"poisoned",
    r"hospital", r"ambulance", r"injur(?:y|ies|ed)", r"unsafe", r"dangerous", r"fire alarm", r"gas leak",
    r"carbon monoxide", r"cockroach(?:es)?", r"rats", r"mice", r"stolen", r"theft", r"assault(?:ed)?",
    r"harass(?:ed|ment)", r"discriminat\w*", r"racis[mt]\w*", r"allergic reaction", r"electric shock",
    # a product that hurts: burns and fire ("burnt toast" is no injury, "fire alarm" is above, "Fire TV" no fire)
    r"(?:burn(?:ed|t|s)?|scald(?:ed|s)?) (?:me|myself|my|him|her|his|us|our|the (?:child|kid|baby))",
    r"(?:got|have|had|left|with|caused|causing|gave|give) (?:me |him |her |us )?(?:a |an )?(?:bad |severe |nasty )?burns?",
    r"burns? (?:on|to) (?:my|his|her|our)", r"scalding", r"explo(?:ded|des|de|sion|sions)", r"blew up",
    r"(?:caught|catch|catches|catching|set|started|starts|causing|caused|burst into) (?:on )?(?:a )?(?:fire|flames?)",
    r"on fire", r"fire hazard", r"a (?:small |kitchen |house )?fire(?! ?(?:tv|stick|tablet|hd|tab|os)\b)",
    r"(?:in|into|of) flames", r"(?:smoke|smoking|sparks?|sparked|sparking) (?:came|coming|poured|pouring|from|out|and)",
    r"started (?:to )?(?:smoke|smoking|spark\w*)", r"(?:it|plug|socket|cable|charger|unit|kettle|device) (?:smoked|sparked)",
    r"melted", r"short[- ]circuit\w*", r"electrocut\w*",
    r"(?:gave|got|give|gives|giving|getting) (?:me |us |him |her )?(?:an? )?(?:(?:electric|electrical|nasty|bad) )?shocks?",
    r"cut (?:my|his|her|our) (?:hands?|fingers?|thumbs?|arms?|legs?|feet|foot|lips?|mouth)", r"bleeding",
    r"anaphyla\w*", r"chok(?:ed|ing) (?:on|hazard)", r"vomit\w*", r"threw up",
    r"(?:got|made (?:me|us|him|her|my \w+)) (?:very |really |so )?sick",
    r"verbrüh\w*", r"verbrennung(?:en)?", r"brandwunden?", r"explodiert", r"feuer gefangen", r"stromschlag",
    r"allergische reaktion", r"brûlures?", r"(?:a )?explosé", r"pris feu", r"incendie", r"décharge électrique",
    r"réaction allergique", r"quemaduras?", r"me quem[éeó]", r"explotó", r"se incendió", r"incendio",
    r"descarga eléctrica", r"reacción alérgica", r"ustion[ei]", r"esplos[oa]", r"preso fuoco", r"scossa elettrica",
    r"reazione allergica", r"brandwond(?:en)?", r"ontploft", r"vlam gevat", r"elektrische schok", r"allergische reactie",
    r"queimaduras?", r"explodiu", r"pegou fogo", r"incêndio", r"choque elétrico", r"reação alérgica",
    r"(?:bett)?wanzen", r"(?:rechts)?anwalt", r"verklagen", r"anzeige erstatten", r"polizei",
    r"lebensmittelvergiftung", r"krankenhaus", r"verletzt", r"verletzung", r"gefährlich", r"schimmel",
    r"kakerlaken", r"gestohlen", r"diebstahl",
    r"punaises?", r"avocat", r"porter plainte", r"intoxication", r"hôpital", r"blessée?s?", r"dangereux",
    r"moisissures?", r"cafards?", r"volée?s?",
    r"chinches", r"abogados?", r"denuncia\w*", r"policía", r"intoxicación", r"herid[oa]s?", r"peligros[oa]s?",
    r"moho", r"cucarachas?", r"robad[oa]s?", r"robo",
    r"cimici", r"avvocat[oi]", r"polizia", r"intossicazione", r"ospedale", r"ferit[oa]", r"pericolos[oa]",
    r"muffa", r"scarafaggi", r"rubat[oa]", r"furto",
    r"bedwantsen", r"advocaat", r"aanklagen", r"politie", r"voedselvergiftiging", r"ziekenhuis", r"gewond",
    r"gevaarlijk", r"kakkerlakken", r"gestolen", r"diefstal",
    r"percevejos?", r"advogad[oa]s?", r"processar", r"polícia", r"intoxicação", r"ferid[oa]s?",
    r"perigos[oa]s?", r"mofo", r"baratas?", r"roubad[oa]s?")) + r")\b", re.IGNORECASE)


def is_serious(text: Any) -> bool:
    """Whether a review speaks of health, safety or the law (bedbugs, food poisoning, an injury, a product that
    burned, exploded, caught fire or gave a shock, theft, "my lawyer"), in the phrasebooks' languages; a word after "no", "not", "without" (or their like) does not count."""
    if not isinstance(text, str):
        return False
    for m in _SERIOUS_RE.finditer(text):
        before = [w.lower() for w in _WORD_RE.findall(text[max(0, m.start() - 25):m.start()])][-2:]
        if not any(w in _NEGATORS or w.endswith("n't") for w in before):
            return True
    return False


# Where a name stands for a person: after "thanks to", "thank you to", a staff role ("the receptionist Sofia"),
# or followed by a place in the house ("Sofia on the front desk", "Sofia an der Rezeption"), a word only people
# are called ("Sofia was so helpful") or something only people do ("Sofia went out of her way", "Sofia made us
# feel at home"). The analysis sometimes types such a name a place ("Sofia" is also a city), so a LOCATION that
# stands there counts as a person; "in Sofia", "to Sofia" (not "thanks to") do not.
_ROLE = (r"receptionists?|managers?|waiters?|waitress|host|hostess|concierge|chef|bartender|barman|housekeepers?|"
         r"driver|guide|porter|doorman|clerk|server|owner|staff member|"
         r"rezeptionistin|rezeptionist|kellnerin|kellner|mitarbeiterin|mitarbeiter|"
         r"réceptionniste|serveuse|serveur|recepcionista|camarer[oa]|cameriere|cameriera|receptioniste|ober|"
         r"serveerster|garçom|garçonete")
_PERSON_BEFORE = re.compile(
    r"(?:\b(?:thanks|thank you|thank|kudos|shout[- ]?out|compliments|danke|dank|vielen dank|merci|gracias|grazie|"
    r"bedankt|obrigad[oa])(?: (?:so much|very much|a lot))?(?: (?:to|an|à|a|aan|ao))?"
    r"|\b(?:" + _ROLE + r"),?)\s*$", re.IGNORECASE)
_PERSON_AFTER = re.compile(
    r"^,?\s*(?:"
    r"(?:on|at|from|of) (?:the )?(?:front desk|reception|desk|concierge|bar|restaurant)\b"
    r"|(?:an|von) der rezeption\b|(?:à|de) la réception\b|(?:en|de) (?:la )?recepción\b|(?:alla|della) reception\b"
    r"|(?:bij|van) de receptie\b|(?:na|da) recepção\b"
    r"|(?:was|were|is|has been|war|ist|était|a été|est|fue|era|estuvo|è stat[oa]|foi|estava)"
    r" (?:so |very |super |really |extremely |incredibly |sehr |très |muy |molto |erg |heel |zeer |muito )?"
    r"(?:helpful|friendly|kind|welcoming|attentive|professional|polite|courteous|accommodating|sweet|"
    r"hilfsbereit|freundlich|nett|zuvorkommend|aufmerksam|serviable|aimable|gentille?|accueillante?|"
    r"attentionnée?|amable|atent[oa]|servicial|simpátic[oa]|gentile|disponibile|cordiale|behulpzaam|"
    r"vriendelijk|aardig|attent|prestativ[oa]|atencios[oa]|gentil)\b"
    r"|(?:went|made us|made me|helped|upgraded|greeted|welcomed|looked after|took care|sorted|arranged|found|"
    r"recommended|explained|remembered|surprised)\b"
    r"|\w+(?: \w+){0,3} (?:her|his|their) (?:way|best)\b"
    r"|(?:hat uns|hat mir|nous a|m'a|nos (?:ayudó|atendió)|ci ha|heeft ons|nos ajudou)\b"
    r")", re.IGNORECASE)
_PLACE_BEFORE = re.compile(r"\b(?:in|to|from|near|at|around|visit|visiting|visited|of|nach|aus|bei|à|en|de|a|da|"
                           r"naar|uit|em|do)\s*$", re.IGNORECASE)


def _name_spots(text: str, name: str, start: Any) -> list[int]:
    """Where a name stands in a text: the analysis's offset when the text has the name there, else every place
    it is found as a whole word."""
    if isinstance(start, int) and 0 <= start and text[start:start + len(name)].casefold() == name.casefold():
        return [start]
    return [m.start() for m in re.finditer(r"(?<!\w)" + re.escape(name) + r"(?!\w)", text, re.IGNORECASE)]


def stands_for_a_person(text: Any, name: str, start: Any = None) -> bool:
    """Whether a name stands where a person stands in the review ("thanks to Sofia", "Sofia went out of her way",
    "the receptionist Sofia", "Sofia an der Rezeption war sehr hilfsbereit"), whatever the analysis typed it."""
    if not isinstance(text, str) or not name:
        return False
    for at in _name_spots(text, name, start):
        before, after = text[max(0, at - 40):at], text[at + len(name):at + len(name) + 60]
        if _PERSON_BEFORE.search(before):
            return True
        if _PERSON_AFTER.search(after) and not _PLACE_BEFORE.search(before):
            return True
    return False


_SENTENCE_RE = re.compile(r"[^.!?\n]+[.!?]*")


def _sentence_words(text: str, name: str, start: Any) -> tuple[int, int]:
    """word_polarity of the sentences of a text that hold a name."""
    pos = neg = 0
    spots = _name_spots(text, name, start)
    for m in _SENTENCE_RE.finditer(text):
        if any(m.start() <= at < m.end() for at in spots):
            p, n = word_polarity(m.group())
            pos, neg = pos + p, neg + n
    return pos, neg


def praised_people(entities: Any, text: Any = None, rating: Any = None) -> list[str]:
    """The people a review speaks well of, as `person_name` writes them, each once, at most MAX_STAFF: its PERSON
    entities whose clause is positive; with the review's `text`, also a name typed a place (LOCATION) whose clause
    is positive when it stands where a person stands (`stands_for_a_person`: "thanks to Sofia"); and, in a review
    of 4 or 5 stars, a person the analysis did not read as praised when the sentences that name them only praise
    ("Sofia went out of her way to find my passport. Can't thank her enough!" was read as negative)."""
    out: dict[str, str] = {}
    for e in entities if isinstance(entities, list) else []:
        if not isinstance(e, Mapping):
            continue
        name = person_name(e.get("text"))
        if not name:
            continue
        kind, said = e.get("type"), e.get("sentiment")
        if kind == "PERSON":
            ok = said == "positive" or (
                isinstance(text, str) and isinstance(rating, (int, float)) and rating >= 4
                and _lean(*_sentence_words(text, name, e.get("start"))) == "positive")
        elif kind == "LOCATION":
            ok = said == "positive" and stands_for_a_person(text, name, e.get("start"))
        else:
            ok = False
        if ok:
            out.setdefault(name.casefold(), name)
    return list(out.values())[:MAX_STAFF]


def _tone(rating: float | None, sentiment: str | None) -> str:
    if rating is not None:
        return "negative" if rating <= 2 else "positive" if rating >= 4 else "mixed"
    return {"negative": "negative", "positive": "positive"}.get(sentiment or "", "mixed")


def reply_language(review_language: Any, settings: ReplySettings | None = None) -> str:
    """The language a draft is written in: `[replies] language` when it names one, else the review's own
    language (an ISO 639-1 code or a tag such as "de-DE") when there is a phrasebook for it, else English."""
    want = ((settings or ReplySettings()).language or "auto").strip().lower()
    if want != "auto":
        return want if want in PHRASEBOOKS else ENGLISH.language
    code = review_language.strip().replace("_", "-").split("-")[0].lower() if isinstance(review_language, str) else ""
    return code if code in PHRASEBOOKS else ENGLISH.language


#: Topics whose name cannot follow "We're glad you liked the ...": a review happy about them is happy there were
#: none ("no bugs, no ads"): "We're glad you liked the bugs." was drafted for three app reviews.
NOT_LIKED = frozenset({"bugs", "ads", "feature_requests", "wait_time", "returns", "account", "noise"})
#: The apps preset's topic of suggestions ("Please add a dark mode"): its phrase thanks for one, whatever its sentiment
SUGGESTION = "feature_requests"


def _topic_sentence(topic: str, book: Phrasebook, cfg: ReplySettings, labels: dict[str, str]) -> str:
    """What the draft says about a topic the review is unhappy about: the user's phrase in the draft's
    language, else the phrasebook's, else its generic sentence (with the topic's name in English only; in the
    other languages one sentence for all such topics, said once)."""
    own = cfg.phrases if book is ENGLISH else cfg.localized_phrases.get(book.language, {})
    phrase = own.get(topic) or book.negative.get(topic)
    return phrase or book.generic_negative.format(label=_in_sentence(labels.get(topic, topic.replace("_", " "))))


def _liked_name(topic: str, book: Phrasebook, labels: dict[str, str]) -> str:
    return book.liked_names.get(topic) or _in_sentence(labels.get(topic, topic.replace("_", " ")))


def _in_sentence(label: str) -> str:
    """A topic's name inside a sentence: "Returns and refunds" -> "returns and refunds", with the words written
    in capitals of their own kept ("Wi-Fi and amenities" -> "Wi-Fi and amenities", "iOS app", "DHL")."""
    return " ".join(w.lower() if w[:1].isupper() and (not w[1:] or w[1:].islower()) else w for w in label.split())


def draft_reply(*, rating: float | None, sentiment: str | None, topics: Sequence[dict], author: Any = None,
                labels: dict[str, str] | None = None, settings: ReplySettings | None = None,
                language: str = "en", praised: Sequence[str] = (), text: Any = None, app: bool = False) -> str:
    """A reply draft for one review. `topics`: the analysis's [{topic, sentiment}]; `labels`: topic ->
    display name (for topics without a phrase); `language`: a key of PHRASEBOOKS (see `reply_language`);
    `praised`: the people the review speaks well of (`praised_people`), thanked by name; `text`: the review's
    own words (and their translation), read for their polarity and for serious matters, never copied. Nothing
    else of the review's own text is used; a person it speaks badly of is never named.

    The draft says only what the stars and the analysis both support: the thanks follow the stars; a 1-2★
    review is not told what it liked, a 5★ one is never apologised to (only its positive topics are named), a
    4★ one is apologised to for a negative topic unless the analysis found nothing good in it while its words
    only praise. When the review's words and the analysis both say the opposite of the stars (5★ "Terrible,
    never again"), the draft thanks plainly (and a 5★ or 1★ one names no topic). A review that speaks of health, safety or the law (`is_serious`)
    and is a complaint gets an apology and a direct contact line instead of the thanks. The contact line is
    there only when there is something to look into; else "We hope to see you again soon.", or for an `app` (the
    "apps" topics preset) "We hope you keep enjoying the app.". A suggestion (the apps' `feature_requests` topic,
    not read as a complaint) is thanked for in a review that is not a complaint."""
    cfg = settings or ReplySettings()
    book = PHRASEBOOKS.get(language, ENGLISH)
    labels = labels or {}
    stars = _tone(rating, sentiment)
    name = first_name(author)
    words = _lean(*word_polarity(text))
    neg = list(dict.fromkeys(t.get("topic") for t in topics if t.get("sentiment") == "negative" and t.get("topic")))
    pos = list(dict.fromkeys(t.get("topic") for t in topics if t.get("sentiment") == "positive" and t.get("topic")))
    neg = [t for t in neg if t != "other"][:MAX_TOPICS]
    asks = SUGGESTION in {t.get("topic") for t in topics if t.get("sentiment") in ("positive", "neutral")}
    praised_any = bool(pos)  # "other" too: the analysis found something to praise
    pos = [t for t in pos if t != "other" and t not in NOT_LIKED][:2]
    # the stars against the review's words and the analysis: both say the opposite of the stars
    clash = ((stars == "positive" and words == "negative" and sentiment == "negative")
             or (stars == "negative" and words == "positive" and sentiment == "positive"))
    if clash:  # plain thanks; a 5★ or 1★ review hears of no topic, a 4★ only of its complaints, a 2★ of its praise
        tone = "mixed"
        pos = [] if stars == "positive" or rating is None or rating <= 1 else pos
        neg = [] if stars == "negative" or rating is None or rating >= 5 else neg
    else:
        tone = stars
        if stars == "negative":
            pos = []
        elif stars == "positive" and (rating is not None and rating >= 5 or not praised_any and words == "positive"):
            neg = []  # never an apology to a glowing review; nor to a 4★ whose words only praise
    serious = is_serious(text) and (tone == "negative" or bool(neg) or (clash and words == "negative"))
    body = [book.serious if serious else
            {"positive": book.thanks_positive, "mixed": book.thanks_mixed}.get(tone, book.thanks_negative)]
    if pos:
        what = " and ".join(_liked_name(t, book, labels) for t in pos)
        body.append(book.liked.format(what=f"the {what}"))
    names = [n for n in (person_name(p) for p in praised) if n][:MAX_STAFF]
    if names:
        joined = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} {book.and_word} {names[-1]}"
        body.append(book.staff_thanks.format(names=joined))
    body += [_topic_sentence(t, book, cfg, labels) for t in neg]
    if asks and tone != "negative" and not serious and SUGGESTION not in neg:  # "Nice charts. Please add a widget."
        body.append(_topic_sentence(SUGGESTION, book, cfg, labels))
    contact = " ".join(cfg.contact.split())
    if serious:
        body.append(book.contact_urgent.format(contact=contact) if contact else book.contact_urgent_support)
    elif tone == "negative" or neg or clash or (tone == "mixed" and sentiment == "negative" and words == "negative"):
        body.append(book.contact.format(contact=contact) if contact else book.contact_support)
    else:
        body.append(book.enjoy_app if app else book.see_you)
    body = list(dict.fromkeys(body))  # no sentence twice (a user's phrase may be another's; the generic one)
    signature = " ".join(cfg.signature.split())
    if not signature or signature == ReplySettings().signature:
        signature = book.team  # the default signature, in the draft's language
    greeting = book.hello_name.format(name=name) if name else book.hello
    return "\n".join([greeting, "", " ".join(body), "", book.regards, signature])


def _value(v: Any) -> Any:
    """None for missing values (None, NaN: what a DataFrame row holds for them)."""
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else v


def draft_for(review: Mapping[str, Any], settings: ReplySettings | None = None, *, topics_fit: bool = True,
              labels: Mapping[str, str] | None = None, app: bool = False) -> str:
    """`draft_reply` for a review as the store's frames and pages hold it (rating, sentiment, topics, entities,
    author, language; missing values as None or NaN), in its language (`reply_language`): what `reviewlens replies`
    and the dashboard's explorer draft. `topics_fit`: False while the last analysis said the reviews read like
    another topics preset's (`queries.preset_hint`): the draft then names no topic (a hotel's guest is not told
    "We're sorry about the state of the packaging" for a dirty room read under a shop's topics). `labels`: the
    topics' display names (`queries.topic_labels` of the store); `app`: the store's reviews are an app's (its
    topics preset is "apps": `queries.topics_preset`)."""
    from .queries import topic_label

    topics = review.get("topics")
    topics = topics if isinstance(topics, list) and topics_fit else []
    rating = _value(review.get("rating"))
    rating = None if rating is None else float(rating)
    sentiment = _value(review.get("sentiment"))
    text = _value(review.get("text"))
    text = text if isinstance(text, str) else None
    title, translation = _value(review.get("title")), _value(review.get("translation"))  # the analysis's English
    words = "\n".join(t for t in (title, text, translation) if isinstance(t, str) and t.strip()) or None
    names = dict(labels or {})
    return draft_reply(rating=rating, sentiment=sentiment if isinstance(sentiment, str) else None, topics=topics,
                       author=_value(review.get("author")),
                       labels={t.get("topic"): topic_label(t.get("topic"), names) for t in topics}, settings=settings,
                       language=reply_language(review_of_language(review), settings),
                       praised=praised_people(review.get("entities"), text, rating), text=words, app=app)


def review_of_language(review: Mapping[str, Any]) -> Any:
    """A review row's language: the analysis's detected one (`detected_language` in Store.reviews_frame),
    else `language` (the page's; the explorer's page holds the two already combined)."""
    detected = _value(review.get("detected_language"))
    return detected if isinstance(detected, str) and detected else _value(review.get("language"))
