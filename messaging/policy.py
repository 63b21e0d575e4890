"""The policy checker: rule-based, per platform, pure functions over text.

`check(text, platform, context)` returns findings, each with a stable code (`contact.phone`),
its category, a severity (a blocking finding stops the message unless a manager overrides it),
the span it covers, an explanation and a suggested rewording. Appeals reuse the same rules with
`context="appeal"`, which adds the appeal-only ones (no emotion, no attacks on the buyer).

Amazon's rules for buyer messages are the strictest (no contact details or links the order
does not need, nothing offered for a review, one review request at most, no marketing); eBay's
are close. Other platforms keep the same findings, some as warnings only.
"""

import re
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

import phonenumbers
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

BLOCKING, WARNING = "blocking", "warning"
# The longest text the checker reads. The checker itself is linear (see bench/policy_check.py),
# but no buyer message or appeal needs more, and every page that shows the findings repeats them.
MAX_CHARS = 20_000
CATEGORIES = ("contact", "link", "review", "marketing", "shouting", "blame", "emoji", "appeal")


@dataclass(frozen=True)
class Finding:
    code: str
    category: str
    severity: str
    start: int
    end: int
    excerpt: str
    explanation: str
    suggestion: str

    @property
    def is_blocking(self) -> bool:
        return self.severity == BLOCKING

    def as_dict(self) -> dict:
        return {
            key: str(value) if key in ("explanation", "suggestion") else value
            for key, value in asdict(self).items()
        }


@dataclass(frozen=True)
class Rule:
    code: str
    category: str
    severity: str
    explanation: "StrOrPromise"  # translated when shown
    suggestion: "StrOrPromise"


RULES: dict[str, Rule] = {
    rule.code: rule
    for rule in [
        Rule(
            "contact.email",
            "contact",
            BLOCKING,
            _("An e-mail address lets the conversation leave the platform thread."),
            _("Remove the address; keep the conversation in this thread."),
        ),
        Rule(
            "contact.phone",
            "contact",
            BLOCKING,
            _("A phone number lets the conversation leave the platform thread."),
            _("Remove the number; ask the buyer to reply here instead."),
        ),
        Rule(
            "contact.messenger",
            "contact",
            BLOCKING,
            _("Messenger handles (WhatsApp, WeChat, Telegram…) move the buyer off the platform."),
            _("Remove the messenger; the platform thread is the only channel."),
        ),
        Rule(
            "link.url",
            "link",
            BLOCKING,
            _(
                "Links are allowed only when the order needs them (the carrier's tracking page, the platform itself)."
            ),
            _("Remove the link, or give the tracking number in plain text."),
        ),
        Rule(
            "review.positive",
            "review",
            BLOCKING,
            _("Asking for positive feedback or a particular rating is not allowed; a neutral request is."),
            _("Ask, once, for honest feedback about the order, without naming a rating."),
        ),
        Rule(
            "review.incentive",
            "review",
            BLOCKING,
            _("Nothing may be offered or implied in exchange for posting, changing or removing a review."),
            _("Offer the solution unconditionally and leave the review out of it."),
        ),
        Rule(
            "review.refund_coupled",
            "review",
            BLOCKING,
            _("A refund must never be coupled with a review."),
            _("Issue or offer the refund on its own; do not mention the review in the same message."),
        ),
        Rule(
            "review.change_request",
            "review",
            BLOCKING,
            _("Asking the buyer to change or remove a review is not allowed on this platform."),
            _("Solve the problem; the buyer may update the review on their own."),
        ),
        Rule(
            "review.repeated",
            "review",
            BLOCKING,
            _("Only one review request is allowed."),
            _("Keep a single, neutral request."),
        ),
        Rule(
            "marketing.promotion",
            "marketing",
            BLOCKING,
            _("Discounts, coupons and promotions are marketing, which buyer messages may not contain."),
            _("Remove the promotion; answer only what the order needs."),
        ),
        Rule(
            "marketing.other_products",
            "marketing",
            BLOCKING,
            _("Pointing the buyer to other products or the store is marketing."),
            _("Remove the product recommendation."),
        ),
        Rule(
            "shouting.caps",
            "shouting",
            WARNING,
            _("Words in capitals read as shouting."),
            _("Write the word in normal case."),
        ),
        Rule(
            "shouting.exclamations",
            "shouting",
            WARNING,
            _("Strings of exclamation marks read as shouting."),
            _("Use a single full stop or exclamation mark."),
        ),
        Rule(
            "blame.accusation",
            "blame",
            BLOCKING,
            _("Accusing the buyer of lying, fraud or abuse is never acceptable in a message."),
            _("State the facts neutrally: “according to our records…”."),
        ),
        Rule(
            "blame.fault",
            "blame",
            WARNING,
            _("The sentence blames the buyer before the facts are known."),
            _("Describe what happened without saying whose fault it is, e.g. “according to the tracking…”."),
        ),
        Rule(
            "blame.insult",
            "blame",
            BLOCKING,
            _("Insults and swearing at the buyer break every platform's rules and lose the case."),
            _("Take the word out; say calmly what happened and what you will do."),
        ),
        Rule(
            "emoji.char",
            "emoji",
            BLOCKING,
            _("Emojis are not allowed in buyer messages on this platform."),
            _("Remove the emoji."),
        ),
        Rule(
            "appeal.emotion",
            "appeal",
            WARNING,
            _("Emotional words weaken an appeal: it is read as facts, evidence, conclusion."),
            _("Replace the feeling with the fact behind it."),
        ),
        Rule(
            "appeal.attack",
            "appeal",
            BLOCKING,
            _("An appeal must not attack the buyer."),
            _("Say what the evidence shows, not what you think of the buyer."),
        ),
    ]
}

# Amazon keeps every default. eBay lets a seller ask for a feedback revision through its own
# process. Other platforms get the softer set: the finding shows, the agent decides.
SOFTER = {
    "link.url": WARNING,
    "marketing.other_products": WARNING,
    "marketing.promotion": WARNING,
    "emoji.char": WARNING,
    "review.change_request": WARNING,
}
PLATFORM_SEVERITY: dict[str, dict[str, str]] = {
    "amazon": {},
    "ebay": {"emoji.char": WARNING, "review.change_request": WARNING},
    "walmart": {},
}

# Links the order needs: the platforms themselves and carriers' tracking pages.
ALLOWED_LINK_DOMAINS = (
    "amazon.com",
    "amazon.co.uk",
    "amazon.de",
    "amazon.fr",
    "amazon.it",
    "amazon.es",
    "amazon.ca",
    "ebay.com",
    "ebay.co.uk",
    "ozon.ru",
    "dhgate.com",
    "walmart.com",
    "usps.com",
    "ups.com",
    "fedex.com",
    "dhl.com",
    "royalmail.com",
    "pochta.ru",
    "17track.net",
)

# Upper-case words that are ordinary in customer service, not shouting.
ACRONYMS = frozenset(
    [
        "A",
        "I",
        "OK",
        "ID",
        "US",
        "USA",
        "UK",
        "EU",
        "UAE",
        "RU",
        "CN",
        "DE",
        "FR",
        "IT",
        "ES",
        "CA",
        "AU",
        "JP",
        "USD",
        "GBP",
        "EUR",
        "RUB",
        "CNY",
        "UTC",
        "PST",
        "PDT",
        "EST",
        "EDT",
        "GMT",
        "MSK",
        "CST",
        "AM",
        "PM",
        "USPS",
        "UPS",
        "DHL",
        "EMS",
        "TNT",
        "FBA",
        "FBM",
        "MFN",
        "AFN",
        "SKU",
        "ASIN",
        "UPC",
        "EAN",
        "ISBN",
        "LED",
        "USB",
        "HDMI",
        "AC",
        "DC",
        "TV",
        "PC",
        "FAQ",
        "PDF",
        "JPG",
        "PNG",
        "GPS",
        "QR",
        "SMS",
        "VAT",
        "GST",
        "PO",
        "BOX",
        "NO",
        "ETA",
        "ATM",
        "XL",
        "XXL",
        "XS",
        "RMA",
        "SN",
        "ODR",
        "A-Z",
        "AZ",
        "PIN",
        "IMEI",
        "CE",
        "FCC",
        "UL",
        "RAM",
        "SSD",
        "HD",
        "UV",
    ]
)

# Patterns for things that look like numbers but are order facts, not phone numbers.
ORDER_ID_PATTERNS = [
    r"\b\d{3}-\d{7}-\d{7}\b",  # Amazon: 113-4567890-1234567
    r"\b\d{8,10}-\d{4}(?:-\d{1,3})?\b",  # Ozon posting numbers: 12345678-0001-1
    r"\b\d{2}-\d{5}-\d{5}\b",  # eBay: 12-34567-89012
]
TRACKING_PATTERNS = [
    r"\b1Z[0-9A-Z]{16}\b",  # UPS
    r"\b9[1-5]\d{18,24}\b",  # USPS
    r"\b[A-Z]{2}\d{9}[A-Z]{2}\b",  # UPU (China Post, Royal Mail…)
    r"\b\d{12,22}\b",  # FedEx, DHL and other long numeric codes
    r"\b[A-Z]{2,5}\d{8,}\b",  # carrier prefixes: YT…, LP…, TRK…
]
AMOUNT_WITH_SIGN = r"[$€£¥₽]\s?\d[\d,.\s]*\d?"
AMOUNT_IN_WORDS = (
    r"\b\d[\d,]*(?:\.\d{1,2})?\s?"
    r"(?:USD|EUR|GBP|RUB|CNY|CAD|AUD|JPY|dollars?|euros?|pounds?|rubles?|roubles?)\b"
)
DATE_PATTERN = r"\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}[./]\d{1,2}[./]\d{2,4}\b"
# What the checker must not mistake for a phone number or shouting. The scan below finds exactly
# the matches of this pattern.
PROTECTED = re.compile(
    "|".join(
        ORDER_ID_PATTERNS + TRACKING_PATTERNS + [f"(?:{AMOUNT_WITH_SIGN}|{AMOUNT_IN_WORDS})", DATE_PATTERN]
    )
)

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
FULL_URL = r"(?:https?://|www\.)[^\s<>\"')]+"
TOP_LEVEL = r"\.(?:com|net|org|shop|store|info|biz|io|co|ru|cn|me|ly|gl|link)"
BARE_HOST = r"\b[a-z0-9-]+(?:\.[a-z0-9-]+)*" + TOP_LEVEL + r"(?:/[^\s<>\"')]*)?\b"
URL = re.compile(f"{FULL_URL}|{BARE_HOST}", re.IGNORECASE)


# --- The same matches in linear time ------------------------------------------------------
#
# `re.finditer` tries every position in turn. Three of the patterns above read a whole run of
# characters before they can fail: an e-mail's local part up to its "@", a host name up to its
# ".com", the digits of an amount up to its currency. On a long run that costs run² steps
# (16,000 characters of "a.a.a…" took 9 s, on every keystroke of the composer). When such a pattern fails at
# the first start of a run, it fails for the same reason at every later start in that run, so
# the scans below try the first one and then jump to the run's end. Where every match holds a
# mark (the "@", the ".com"), they also jump from one mark to the next instead of trying every
# word on the way. They return exactly what `finditer` returns on EMAIL, URL and PROTECTED.


class _Text:
    """The text being scanned, and (made once, when first needed) the text reversed: a regex
    run on it from a mark reads backwards from the mark."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._reversed: str | None = None

    @property
    def reversed(self) -> str:
        if self._reversed is None:
            self._reversed = self.text[::-1]
        return self._reversed


Finder = Callable[[_Text, int], "re.Match[str] | None"]


def _searching(pattern: str, flags: int = 0) -> Finder:
    compiled = re.compile(pattern, flags)
    return lambda scanned, pos: compiled.search(scanned.text, pos)


def _run_skipping(
    pattern: str, start: str, run: str, flags: int = 0, *, mark: str = "", before_mark: str = ""
) -> Finder:
    """The first match of `pattern` at or after a position. `start` finds where it may begin;
    `run`, read from a failed start, covers the later starts that would fail the same way.
    With `mark`, something every match holds after its start: only starts from which
    `before_mark` (read backwards from the mark) reaches the next mark are tried."""
    pattern_re, start_re, run_re = (re.compile(p, flags) for p in (pattern, start, run))
    mark_re = re.compile(mark, flags) if mark else None
    back_re = re.compile(before_mark, flags)  # read only when there is a mark

    def find(scanned: _Text, pos: int) -> re.Match[str] | None:
        text = scanned.text
        while True:
            if mark_re is None:
                begin = start_re.search(text, pos)
            else:
                found_mark = mark_re.search(text, pos)
                if found_mark is None:
                    return None
                at = found_mark.start()
                reach = back_re.match(scanned.reversed, len(text) - at)
                begin = start_re.search(text, max(pos, at - (reach.end() - reach.start() if reach else 0)))
                if begin is None or begin.start() >= at:
                    pos = at + 1
                    continue
            if begin is None:
                return None
            found = pattern_re.match(text, begin.start())
            if found is not None:
                return found
            covered = run_re.match(text, begin.start())
            pos = max(covered.end() if covered else 0, begin.start() + 1)

    return find


def _leftmost(text: str, finders: list[Finder]) -> Iterator[re.Match[str]]:
    """What `finditer` yields for the pattern `a|b|…` whose alternatives these finders scan: the
    earliest match each time, the first alternative winning a tie, the next one after its end."""
    scanned = _Text(text)
    pending: list[re.Match[str] | None] = [None] * len(finders)
    exhausted = [False] * len(finders)
    pos = 0
    while True:
        best = None
        for n, find in enumerate(finders):
            found = pending[n]
            if not exhausted[n] and (found is None or found.start() < pos):
                found = pending[n] = find(scanned, pos)
                exhausted[n] = found is None
            if found is not None and (best is None or found.start() < best.start()):
                best = found
        if best is None:
            return
        yield best
        pos = max(best.end(), best.start() + 1)


LOCAL_PART = r"[A-Za-z0-9._%+-]+"
HOST_RUN = r"[a-z0-9-]+(?:\.[a-z0-9-]+)*"  # reads the same backwards
_EMAIL_SCAN = [
    _run_skipping(EMAIL.pattern, r"[A-Za-z0-9._%+-]", LOCAL_PART, mark="@", before_mark=LOCAL_PART)
]
_URL_SCAN = [
    _searching(FULL_URL, re.IGNORECASE),
    _run_skipping(BARE_HOST, r"\b[a-z0-9-]", HOST_RUN, re.IGNORECASE, mark=TOP_LEVEL, before_mark=HOST_RUN),
]
_PROTECTED_SCAN = [
    _searching("|".join(ORDER_ID_PATTERNS + TRACKING_PATTERNS + [AMOUNT_WITH_SIGN])),
    _run_skipping(AMOUNT_IN_WORDS, r"\b\d", r"\d[\d,]*"),
    _searching(DATE_PATTERN),
]


def find_emails(text: str) -> list[re.Match[str]]:
    return list(_leftmost(text, _EMAIL_SCAN))


def find_links(text: str) -> list[re.Match[str]]:
    if not Words(text).any_of(("http", "www.")):
        return list(_leftmost(text, _URL_SCAN[1:]))  # no full URL can start anywhere
    return list(_leftmost(text, _URL_SCAN))


def find_protected(text: str) -> list[re.Match[str]]:
    # Every protected pattern holds a digit.
    return list(_leftmost(text, _PROTECTED_SCAN)) if DIGIT.search(text) else []


MESSENGER = re.compile(
    r"\b(?:whats\s?app|wechat|weixin|telegram|viber|skype|line\s+id|kakao\s?talk|signal\s+app|"
    r"facebook\s+messenger|instagram|wa\.me|t\.me)\b|微信|@[A-Za-z0-9_]{4,}\b",
    re.IGNORECASE,
)
PHONE_REGIONS = ("US", "GB", "DE", "RU", "CN", "FR", "CA", "AU")
DIGIT = re.compile(r"\d")

REVIEW_WORDS = r"(?:review|feedback|rating|stars?|testimonial)"
REVIEW_REQUEST = re.compile(
    r"\b(?:leave|write|post|give|share|submit|add)\b[^.!?\n]{0,40}?\b" + REVIEW_WORDS + r"\b"
    r"|\b(?:rate|review)\s+(?:us|your\s+(?:purchase|order|experience)|the\s+(?:item|product))\b",
    re.IGNORECASE,
)
POSITIVE_REVIEW = re.compile(
    r"\b(?:positive|good|great|glowing|excellent|nice|favou?rable|5[\s-]?star|five[\s-]?star|"
    r"4[\s-]?star|four[\s-]?star|perfect)\s+(?:feedback|reviews?|ratings?)\b"
    r"|\b(?:5|five)\s+stars?\b|\brate\s+us\s+(?:5|five|highly)\b",
    re.IGNORECASE,
)
CHANGE_REVIEW = re.compile(
    r"\b(?:remove|delete|change|revise|update|edit|take\s+down|withdraw|modify)\b[^.!?\n]{0,30}?\b"
    r"(?:your\s+|the\s+|this\s+)?(?:negative\s+|bad\s+)?" + REVIEW_WORDS + r"\b",
    re.IGNORECASE,
)
INCENTIVE = re.compile(
    r"\b(?:coupon|voucher|gift(?:\s?card)?|free|reward|bonus|discount|compensat\w*|cash\s?back|"
    r"in\s+exchange|in\s+return|money\s+back|extra|payment|pay\s+you)\b",
    re.IGNORECASE,
)
REFUND = re.compile(r"\b(?:refund\w*|reimburse\w*|money\s+back)\b", re.IGNORECASE)
PROMOTION = re.compile(
    r"\b(?:coupon|promo(?:tion(?:al)?)?\s*(?:code)?|discount\s+code|voucher|\d{1,2}\s?%\s?off|"
    r"(?:flash|big|special|holiday|clearance)\s+sale|on\s+sale|special\s+offer|limited[-\s]time\s+offer|"
    r"newsletter|subscribe|deal\s+of\s+the\s+day|buy\s+one\s+get)\b",
    re.IGNORECASE,
)
OTHER_PRODUCTS = re.compile(
    r"\b(?:check\s+out|have\s+a\s+look\s+at|browse|visit)\s+(?:our\s+)?(?:other|new|latest|more)\s+"
    r"(?:products|items|listings|arrivals|collection)\b|\bvisit\s+our\s+(?:store|shop)\b|"
    r"\byou\s+(?:may|might)\s+also\s+like\b|\bour\s+(?:new|latest)\s+(?:products|collection|arrivals)\b",
    re.IGNORECASE,
)
CAPS_WORD = re.compile(r"\b[A-Z][A-Z'-]{2,}\b")
EXCLAMATIONS = re.compile(r"!{2,}|(?:![\s]*){3,}")
ACCUSATION = re.compile(
    r"\byou(?:'re|\s+are)?\s+(?:lying|a\s+liar|a\s+scammer|scamming|a\s+fraud(?:ster)?|committing\s+fraud|"
    r"trying\s+to\s+scam|abusing)\b|\byou\s+lied\b|\bscam(?:mer)?s?\b|\bfraud(?:ulent|ster)?\b|\bliar\b",
    re.IGNORECASE,
)
FAULT = re.compile(
    r"\byour\s+(?:own\s+)?fault\b|\byou\s+(?:must\s+have|should\s+have|obviously|clearly)\b|"
    r"\byou\s+(?:broke|damaged|dropped|misused|ignored|failed\s+to|did\s+not\s+read|didn't\s+read|"
    r"never\s+read)\b|\b(?:as\s+you\s+should\s+know|read\s+the\s+description\s+(?:properly|carefully))\b",
    re.IGNORECASE,
)
# Name-calling and swearing, in the languages the stores write (English, Russian) and the agents'
# own (Chinese): whole words (and their endings), so "foolproof" is not "fool". Words that also
# describe goods stay out ("тупой нож" is a blunt knife, "козёл" only as a whole word).
INSULT = re.compile(
    r"\b(?:idiot\w*|morons?|moronic|stupid(?:ity)?|dumb(?:ass)?|imbeciles?|fools?|foolish|cretins?|losers?|"
    r"pathetic|retard\w*|shut\s+up|get\s+lost|bullshit|crap|f+u+c+k\w*|shit\w*|"
    r"идиот\w*|дебил\w*|кретин\w*|придур\w*|болван\w*|тупиц\w*|"
    r"дурак\w*|дура|дуры|урод|уроды|уродина|заткни\w*|козлы|коз[её]л|сволоч\w*)\b"
    r"|白痴|傻瓜|傻逼|笨蛋|蠢货|混蛋|神经病",
    re.IGNORECASE,
)
EMOJI = re.compile(
    "[\U0001f300-\U0001faff\U0001f000-\U0001f2ff\u2600-\u27bf\u2b00-\u2bff\ufe0f]"
    r"|(?<![\w:])(?::-?\)|;-?\)|:-?D\b|:-?\(|<3)",
)
EMOTION = re.compile(
    r"\b(?:unfair|outrageous|ridiculous|absurd|disgust\w*|furious|angry|shocked|unacceptable|"
    r"frustrat\w*|upset|insulting|terrible|horrible|devastat\w*)\b",
    re.IGNORECASE,
)
ATTACK = re.compile(
    r"\b(?:the\s+)?buyer\s+(?:is\s+)?(?:lying|lied|a\s+liar|a\s+scammer|scamming|dishonest|cheating|"
    r"abusing)\b|\bserial\s+(?:scammer|abuser|returner)\b",
    re.IGNORECASE,
)
SENTENCE = re.compile(r"[^.!?\n]+[.!?]*")

# Words without which a pattern cannot match, compared as re.IGNORECASE compares letters. A text
# holding none of a pattern's words skips its scan: on long text the scans are most of the time.
REVIEW_TRIGGERS = ("review", "feedback", "rating", "star", "testimonial", "rate")
TRIGGERS: dict[re.Pattern, tuple[str, ...]] = {
    MESSENGER: (
        "whats",
        "wechat",
        "weixin",
        "telegram",
        "viber",
        "skype",
        "line",
        "kakao",
        "signal",
        "facebook",
        "instagram",
        "wa.me",
        "t.me",
        "微信",
        "@",
    ),
    PROMOTION: (
        "coupon",
        "promo",
        "discount",
        "voucher",
        "off",
        "sale",
        "offer",
        "newsletter",
        "subscribe",
        "deal",
        "buy",
    ),
    OTHER_PRODUCTS: ("products", "items", "listings", "arrivals", "collection", "store", "shop", "also"),
    EXCLAMATIONS: ("!",),
    ACCUSATION: ("you", "scam", "fraud", "liar"),
    FAULT: ("you", "read"),
    EMOTION: (
        "unfair",
        "outrageous",
        "ridiculous",
        "absurd",
        "disgust",
        "furious",
        "angry",
        "shocked",
        "unacceptable",
        "frustrat",
        "upset",
        "insulting",
        "terrible",
        "horrible",
        "devastat",
    ),
    ATTACK: ("buyer", "serial"),
    INSULT: (
        "idiot",
        "moron",
        "stupid",
        "dumb",
        "imbecil",
        "fool",
        "cretin",
        "loser",
        "pathetic",
        "retard",
        "shut",
        "lost",
        "bullshit",
        "crap",
        "uck",
        "shit",
        "идиот",
        "дебил",
        "кретин",
        "придур",
        "болван",
        "тупиц",
        "дур",
        "урод",
        "заткни",
        "козл",
        "козёл",
        "козел",
        "сволоч",
        "白痴",
        "傻",
        "笨蛋",
        "蠢货",
        "混蛋",
        "神经病",
    ),
}


class Words:
    """The text case-folded once, to ask whether it holds a pattern's words. Under IGNORECASE
    "i" also matches "ı" and "İ" (which folds to "i" and a combining dot): both count as "i"."""

    def __init__(self, text: str) -> None:
        self.folded = text.casefold().replace("ı", "i").replace("i\u0307", "i")

    def any_of(self, words: Iterable[str]) -> bool:
        return any(word in self.folded for word in words)

    def scan(self, pattern: re.Pattern, text: str) -> Iterable[re.Match[str]]:
        return pattern.finditer(text) if self.any_of(TRIGGERS[pattern]) else ()


def severity_for(code: str, platform: str) -> str:
    rule = RULES[code]
    overrides = PLATFORM_SEVERITY.get(platform, SOFTER)
    return overrides.get(code, rule.severity)


def _finding(code: str, platform: str, text: str, start: int, end: int) -> Finding:
    rule = RULES[code]
    return Finding(
        code=code,
        category=rule.category,
        severity=severity_for(code, platform),
        start=start,
        end=end,
        excerpt=text[start:end],
        explanation=str(rule.explanation),
        suggestion=str(rule.suggestion),
    )


class Spans:
    """Spans of the text, asked whether a span overlaps any of them in log time (a text with
    thousands of matches must not compare each one with all the others)."""

    def __init__(self, spans: Iterable[tuple[int, int]] = ()) -> None:
        # Overlapping spans are merged, so the starts and the ends are both in order.
        merged: list[list[int]] = []
        for start, end in sorted(spans):
            if merged and start < merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        self.starts = [start for start, _end in merged]
        self.ends = [end for _start, end in merged]

    def overlaps(self, start: int, end: int) -> bool:
        # The first span ending after `start` is the only one that can begin before `end`.
        n = bisect_right(self.ends, start)
        return n < len(self.ends) and self.starts[n] < end


def _protected_spans(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in find_protected(text)]


# --- Phone numbers ------------------------------------------------------------------------
#
# phonenumbers' matcher reads the whole text once per region and tries every number-like run
# it meets, about 0.2 ms a run for the eight regions: seconds for a text full of digits. Its
# matches never hold a character that no number can hold (a letter other than x, a comma, a
# full stop is allowed…), and it starts reading afresh after each such character, so the text
# falls into runs it reads independently. The matcher is given only the runs that could hold a
# number the checker reports, each with what the matcher reads around it: the character before
# (a number glued to a letter or a currency sign is refused) and a short tail after (an
# extension such as ", ext. 12", the ":30" that makes "2026-05-03 10" a time).

# What phonenumbers lets a number hold: digits, a leading plus or bracket, and its separators
# (dashes, spaces, dots, slashes, brackets, tildes and "x", in their ASCII and wide forms).
_PHONE_SEPARATORS = (
    r"+\uff0b(\[\uff08\uff3b\-xX\u2010-\u2015\u2212\u30fc\uff0d-\uff0f \u00a0\u00ad\u200b"
    r"\u2060\u3000)\uff09\uff3d.\]/~\u2053\u223c\uff5e"
)
PHONE_RUN = re.compile(rf"[\d{_PHONE_SEPARATORS}]*")
# The fewest digits of any number the library calls valid, in any region (Germany has 4-digit
# numbers); a run with fewer free digits cannot hold one.
PHONE_MIN_DIGITS = 4
FREE_DIGITS = re.compile(rf"\d(?:[{_PHONE_SEPARATORS}]*\d){{{PHONE_MIN_DIGITS - 1}}}")
# How far past a run the matcher may read: an extension's label, separators and up to 20 digits.
PHONE_TAIL = 48
# An extension's label after a number's last digit, up to where its digits start: a number
# followed by one reads on into the next run.
EXTENSION_LEAD = re.compile(
    r";ext=|[ \u00a0\t,]*(?:e?xt|\uff45?\uff58\uff54|доб|anexo|[x\uff58#\uff03~\uff5e]|int|"
    r"\uff49\uff4e\uff54)\w*[:.\uff0e]?[ \u00a0\t,\-]*",
    re.IGNORECASE,
)
_MASK = "\n"  # not a character a number can hold


def _masked(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """The text with these spans blanked out, so a search for free digits skips them."""
    pieces, position = [], 0
    for start, end in sorted(spans):
        if end <= position:
            continue
        start = max(start, position)
        pieces += [text[position:start], _MASK * (end - start)]
        position = end
    pieces.append(text[position:])
    return "".join(pieces)


def _run_start(scanned: _Text, position: int) -> int:
    """Where the run of phone characters ending at this position starts."""
    back = PHONE_RUN.match(scanned.reversed, len(scanned.text) - position)
    assert back is not None  # a run of none or more characters always matches
    return position - (back.end() - back.start())


def _lead_in(scanned: _Text, start: int, floor: int) -> int:
    """Where the matcher's reading of the run at `start` begins: earlier, when the number before it
    ends in an extension label that reaches into the run (its digits would be the extension).
    Reading back stops at `floor`, the end of the run read before (each stretch is read once)."""
    text = scanned.text
    while start > floor:
        digit = DIGIT.search(scanned.reversed, len(text) - start)
        if digit is None:
            break
        last_digit_end = len(text) - digit.start()
        label = EXTENSION_LEAD.match(text, last_digit_end)
        if label is None or label.end() < start:
            break
        start = _run_start(scanned, last_digit_end)
    return start


def _phone_windows(text: str, masked: str) -> list[tuple[int, int, int, int]]:
    """(window start, run start, run end, window end) of the runs the matcher must read: each run
    holding enough free digits, with the runs before it that it continues."""
    scanned = _Text(text)
    runs: list[list[int]] = []
    for seed in FREE_DIGITS.finditer(masked):
        if runs and seed.start() < runs[-1][1]:
            continue
        start = _lead_in(scanned, _run_start(scanned, seed.start()), runs[-1][1] if runs else 0)
        run = PHONE_RUN.match(text, seed.end())
        assert run is not None  # a run of none or more characters always matches
        end = run.end()
        if runs and start <= runs[-1][1]:
            runs[-1][1] = end
        else:
            runs.append([start, end])
    windows = []
    for n, (start, end) in enumerate(runs):
        stop = min(end + PHONE_TAIL, runs[n + 1][0] if n + 1 < len(runs) else len(text))
        windows.append((max(start - 1, 0), start, end, min(stop + 1, len(text))))
    return windows


# Kinds of number nobody reaches a person at: phonenumbers calls many short digit runs valid
# German pager numbers (16450, 16.45, 1645.50), which in a reply are parcels, amounts and refs.
UNREACHABLE = frozenset(
    {
        phonenumbers.PhoneNumberType.PAGER,
        phonenumbers.PhoneNumberType.VOICEMAIL,
        phonenumbers.PhoneNumberType.UNKNOWN,
    }
)


def reachable(number: phonenumbers.PhoneNumber) -> bool:
    """A number a person can be called or texted at: what the contact rule is about."""
    return phonenumbers.number_type(number) not in UNREACHABLE


def _phones(text: str, protected: list[tuple[int, int]]) -> list[tuple[int, int]]:
    # Every phone number has digits; most texts have none.
    if not DIGIT.search(text):
        return []
    masked = _masked(text, protected)
    windows = _phone_windows(text, masked)
    taken = Spans(protected)
    found: list[tuple[int, int]] = []
    for region in PHONE_REGIONS:
        earlier = Spans(found)
        if found:
            masked = _masked(text, protected + found)  # what earlier regions found is taken too
        region_end = 0
        for window_start, start, end, window_end in windows:
            if not FREE_DIGITS.search(masked, start, end):
                continue
            window = text[window_start:window_end]
            for match in phonenumbers.PhoneNumberMatcher(
                window, region, leniency=phonenumbers.Leniency.VALID
            ):
                span = (window_start + match.start, window_start + match.end)
                # A match starting in the tail belongs to the next run's window.
                if not start <= span[0] < end or span[0] < region_end:
                    continue
                if taken.overlaps(*span) or earlier.overlaps(*span) or not reachable(match.number):
                    continue
                found.append(span)
                region_end = span[1]
    return sorted(found)


def _domain_allowed(url: str) -> bool:
    host = re.sub(r"^(?:https?://)?", "", url, flags=re.IGNORECASE).split("/")[0].split(":")[0].lower()
    return any(host == domain or host.endswith("." + domain) for domain in ALLOWED_LINK_DOMAINS)


def review_requests(text: str) -> list[tuple[int, int]]:
    """Where the text asks for a review (any wording the rules recognise)."""
    if not Words(text).any_of(REVIEW_TRIGGERS):
        return []
    spans = [m.span() for m in REVIEW_REQUEST.finditer(text)]
    requests = Spans(spans)
    spans += [m.span() for m in POSITIVE_REVIEW.finditer(text) if not requests.overlaps(*m.span())]
    return sorted(spans)


def is_review_request(text: str) -> bool:
    return bool(review_requests(text))


def _review_findings(text: str, platform: str, words: Words) -> list[Finding]:
    findings: list[Finding] = []
    if not words.any_of(REVIEW_TRIGGERS):
        return findings
    requests = [m.span() for m in REVIEW_REQUEST.finditer(text)]
    for match in POSITIVE_REVIEW.finditer(text):
        findings.append(_finding("review.positive", platform, text, *match.span()))
    changes = list(CHANGE_REVIEW.finditer(text))
    for match in changes:
        findings.append(_finding("review.change_request", platform, text, *match.span()))
    # Offers and refunds count when they share a sentence with a review.
    for sentence in SENTENCE.finditer(text):
        said = sentence.group()
        if not re.search(r"\b" + REVIEW_WORDS + r"\b", said, re.IGNORECASE):
            continue
        if REFUND.search(said):
            findings.append(
                _finding("review.refund_coupled", platform, text, sentence.start(), sentence.end())
            )
        elif INCENTIVE.search(said):
            findings.append(_finding("review.incentive", platform, text, sentence.start(), sentence.end()))
    if len(requests) > 1:
        for span in requests[1:]:
            findings.append(_finding("review.repeated", platform, text, *span))
    return findings


def check(text: str, platform: str = "amazon", context: str = "message") -> list[Finding]:
    """Every finding in the text for this platform, in the order they appear."""
    if context not in ("message", "appeal"):
        raise ValueError(f"unknown context {context!r}")
    findings: list[Finding] = []
    words = Words(text)
    kept = _protected_spans(text)
    addresses = [m.span() for m in find_emails(text)]
    in_address, in_kept = Spans(addresses).overlaps, Spans(kept).overlaps
    findings += [_finding("contact.email", platform, text, *span) for span in addresses]
    findings += [_finding("contact.phone", platform, text, *span) for span in _phones(text, kept + addresses)]
    for match in words.scan(MESSENGER, text):
        if not in_address(*match.span()):
            findings.append(_finding("contact.messenger", platform, text, *match.span()))
    for match in find_links(text):
        if in_address(*match.span()) or _domain_allowed(match.group()):
            continue
        findings.append(_finding("link.url", platform, text, *match.span()))
    findings += _review_findings(text, platform, words)
    for match in words.scan(PROMOTION, text):
        findings.append(_finding("marketing.promotion", platform, text, *match.span()))
    for match in words.scan(OTHER_PRODUCTS, text):
        findings.append(_finding("marketing.other_products", platform, text, *match.span()))
    for match in CAPS_WORD.finditer(text):
        parts = [part for part in match.group().strip("'-").split("-") if part]
        # USB-C, A-Z: every part a known acronym or too short to shout.
        if all(part in ACRONYMS or len(part) < 3 for part in parts) or in_kept(*match.span()):
            continue
        findings.append(_finding("shouting.caps", platform, text, *match.span()))
    for match in words.scan(EXCLAMATIONS, text):
        findings.append(_finding("shouting.exclamations", platform, text, *match.span()))
    for match in words.scan(ACCUSATION, text):
        findings.append(_finding("blame.accusation", platform, text, *match.span()))
    for match in words.scan(FAULT, text):
        findings.append(_finding("blame.fault", platform, text, *match.span()))
    for match in words.scan(INSULT, text):
        findings.append(_finding("blame.insult", platform, text, *match.span()))
    for match in EMOJI.finditer(text):
        findings.append(_finding("emoji.char", platform, text, *match.span()))
    if context == "appeal":
        for match in words.scan(EMOTION, text):
            findings.append(_finding("appeal.emotion", platform, text, *match.span()))
        for match in words.scan(ATTACK, text):
            findings.append(_finding("appeal.attack", platform, text, *match.span()))
    return sorted(findings, key=lambda f: (f.start, f.end, f.code))


def length_error(text: str) -> str:
    """Why the checker will not read this text, or "" when it will."""
    if len(text) <= MAX_CHARS:
        return ""
    return gettext(
        "The text is %(length)s characters long; the policy check reads at most %(limit)s. Shorten it."
    ) % {"length": f"{len(text):,}", "limit": f"{MAX_CHARS:,}"}


def blocking(findings: Iterable[Finding]) -> list[Finding]:
    return [finding for finding in findings if finding.is_blocking]


def highlight(text: str, findings: list[Finding]) -> list[tuple[str, Finding | None]]:
    """The text cut into pieces, each marked with the finding that covers it (first wins), for
    showing the spans in the composer."""
    pieces: list[tuple[str, Finding | None]] = []
    position = 0
    for finding in sorted(findings, key=lambda f: (f.start, -f.end)):
        if finding.start < position:
            continue
        if finding.start > position:
            pieces.append((text[position : finding.start], None))
        pieces.append((text[finding.start : finding.end], finding))
        position = finding.end
    if position < len(text):
        pieces.append((text[position:], None))
    return pieces


# --- a buyer's words that may turn into a claim --------------------------------------------------
# The checker's own vocabulary of anger, accusation and insult (the words an agent may not write
# are the words a buyer writes before filing), with what buyers say when they are about to ask
# the platform for their money back, in the languages the stores write (English, Russian).
COMPLAINT = re.compile(
    r"\b(?:never\s+(?:arrived|received|came|got)|(?:not|haven't|hasn't|have\s+not|has\s+not|didn't|did\s+not)\s+"
    r"(?:yet\s+)?(?:arrived|received|receive|come|came|get|got)|where\s+is\s+my\s+(?:order|package|parcel|item)|"
    r"broken|damaged|defective|doesn't\s+work|does\s+not\s+work|not\s+working|not\s+as\s+described|"
    r"wrong\s+(?:item|size|colou?r)|missing|counterfeit|fake|"
    r"a-?to-?z|chargeback|dispute|open\s+a\s+(?:case|claim)|file\s+a\s+(?:case|claim)|report\s+you|"
    r"(?:my\s+)?money\s+back|full\s+refund|still\s+waiting|"
    r"не\s+(?:пришл\w*|приш[её]л|получил\w*|работает)|где\s+(?:мой|моя|мои)\s+\w+|"
    r"слома\w*|поврежд\w*|брак\w*|бракованн\w*|обман\w*|подделк\w*|не\s+соответствует|"
    r"жалоб\w*|претензи\w*|(?:открою|открыть|откро\w*)\s+спор|верните\s+деньги|возврат\w*\s+(?:денег|средств))\b",
    re.IGNORECASE,
)


def reads_as_complaint(text: str) -> bool:
    """Whether a buyer's message reads as a complaint that may become a claim: a complaint
    phrase, or the anger, accusation and insult words the checker looks for."""
    text = text[:MAX_CHARS]
    return any(pattern.search(text) for pattern in (COMPLAINT, EMOTION, ACCUSATION, INSULT))
