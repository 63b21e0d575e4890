"""The platforms' notification mails about claims: Amazon's A-to-z Guarantee claims (filed,
information requested, decided), chargebacks and negative feedback; eBay's requests and cases
(opened, eBay stepping in, closed); Ozon's return requests and disputes. Each one read opens,
updates or decides its claim through `disputes.services`, once per Message-ID.

A notice is believed only when it comes from the platform's own domain and the receiving
server's topmost Authentication-Results header says SPF, DKIM and DMARC passed, each aligned
with the From domain. A mail that reads like a notice but fails that (a look-alike domain, a
forged From, a failed check) changes nothing: it goes to the unmatched list with the reason.
A mail from the platform that is not a notice the desk reads goes there too, never dropped.
Which wordings are confirmed and which assumed: docs/how-it-works.md, "Claims that open
themselves"."""

import email.policy
import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from datetime import timezone as dt_timezone
from decimal import Decimal, InvalidOperation
from email.parser import BytesHeaderParser
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from disputes.models import Claim, ClaimKind, ClaimStatus, Order, Outcome, Platform, Reason, Store
from disputes.services import (
    ClaimError,
    claim_open,
    claim_platform_decided,
    claim_platform_filed,
    claim_platform_request,
)
from disputes.timeline import Action, record

from .models import NoticeEvent, PlatformNotice

if TYPE_CHECKING:
    from .inbound import ParsedMail

# --- who may send a notice ------------------------------------------------------------------

AMAZON_TLDS = (
    r"(?:com|ca|com\.mx|com\.br|co\.uk|de|fr|it|es|nl|se|pl|com\.be|com\.tr|ae|sa|eg|in|sg|com\.au|co\.jp)"
)
PLATFORM_DOMAINS: dict[str, re.Pattern[str]] = {
    Platform.AMAZON: re.compile(rf"^(?:[a-z0-9-]+\.)*amazon\.{AMAZON_TLDS}$"),
    Platform.EBAY: re.compile(r"^(?:[a-z0-9-]+\.)*ebay\.(?:com|de|co\.uk|com\.au|ca|fr|it|es|at|ch|nl|pl)$"),
    Platform.OZON: re.compile(r"^(?:[a-z0-9-]+\.)*ozon\.ru$"),
}
# The platforms' relays of buyers' own messages: what comes from them is a buyer's, never a notice.
BUYER_RELAYS = re.compile(r"^(?:[a-z0-9-]+\.)*(?:marketplace\.amazon\.[a-z.]+|members\.ebay\.[a-z.]+)$")

PLATFORM_NAMES: dict[str, str] = {Platform.AMAZON: "Amazon", Platform.EBAY: "eBay", Platform.OZON: "Ozon"}


def sender_platform(address: str) -> str | None:
    """The platform whose own domain sent this address, or None (a buyer relay is none)."""
    domain = address.rpartition("@")[2].lower()
    if not domain or BUYER_RELAYS.match(domain):
        return None
    return next((platform for platform, pattern in PLATFORM_DOMAINS.items() if pattern.match(domain)), None)


# --- what the receiving server verified -------------------------------------------------------

COMMENT = re.compile(r"\([^()]*\)")
METHOD = re.compile(r"^\s*(spf|dkim|dmarc)\s*=\s*([a-z]+)\b(.*)$", re.IGNORECASE | re.DOTALL)
PROPERTY = re.compile(r"\b(header\.from|header\.d|header\.i|smtp\.mailfrom)\s*=\s*([^\s;]+)", re.IGNORECASE)


def _aligned(domain: str, from_domain: str) -> bool:
    """Relaxed alignment (RFC 7489): the same domain, or one a subdomain of the other."""
    domain = domain.lower().rpartition("@")[2].strip(".")
    return bool(domain) and (
        domain == from_domain or domain.endswith("." + from_domain) or from_domain.endswith("." + domain)
    )


def authentication_problem(results: str, from_domain: str) -> str:
    """Why the topmost Authentication-Results header does not vouch for mail from this domain,
    or "" when SPF, DKIM and DMARC all passed aligned with it."""
    passed = set()
    for clause in COMMENT.sub("", results).split(";")[1:]:  # the first is the server's own id
        found = METHOD.match(clause)
        if not found or found.group(2).lower() != "pass":
            continue
        method = found.group(1).lower()
        properties = {name.lower(): value for name, value in PROPERTY.findall(found.group(3))}
        if method == "dmarc" and properties.get("header.from", "").lower() == from_domain:
            passed.add("DMARC")
        elif method == "dkim" and _aligned(
            properties.get("header.d") or properties.get("header.i", ""), from_domain
        ):
            passed.add("DKIM")
        elif method == "spf" and _aligned(properties.get("smtp.mailfrom", ""), from_domain):
            passed.add("SPF")
    missing = [name for name in ("SPF", "DKIM", "DMARC") if name not in passed]
    if not missing:
        return ""
    return _("the receiving server did not confirm %(checks)s for %(domain)s") % {
        "checks": ", ".join(missing),
        "domain": from_domain,
    }


def _topmost_results(raw: bytes) -> str:
    """The first Authentication-Results header: the receiving server's own (those below it may
    have been written by anyone on the way)."""
    headers = BytesHeaderParser(policy=email.policy.compat32).parsebytes(raw[: 64 * 1024])
    return " ".join(str(headers.get("Authentication-Results", "")).split())


# --- what the notices say -----------------------------------------------------------------

ORDER_IDS: dict[str, re.Pattern[str]] = {
    Platform.AMAZON: re.compile(r"\b\d{3}-\d{7}-\d{7}\b"),
    Platform.EBAY: re.compile(r"\b\d{2}-\d{5}-\d{5}\b"),
    Platform.OZON: re.compile(r"\b\d{6,12}-\d{4}(?:-\d{1,2})?\b"),
}

# Labels before a value, per language (the platforms put one fact per line: "Label: value").
CLAIM_ID_LABELS = {
    "en": r"claim id|case id|case number|return id|request id|chargeback id",
    "de": r"antrags-id|antragsnummer|fall-id|fallnummer|rücknahme-id",
    "ja": r"申請id|申請番号|ケースid",
    "ru": r"номер заявки|номер спора|номер обращения",
}
AMOUNT_LABELS = {
    "en": r"claim amount|chargeback amount|refund amount|amount",
    "de": r"antragsbetrag|erstattungsbetrag|betrag",
    "ja": r"申請金額|請求金額|金額",
    "ru": r"сумма возврата|сумма",
}
REASON_LABELS = {
    "en": r"claim reason|return reason|reason|comments",
    "de": r"antragsgrund|rücksendegrund|grund|kommentar",
    "ja": r"申請理由|返品理由|理由",
    "ru": r"причина возврата|причина спора|причина",
}
DUE_LABELS = {
    "en": r"respond by|please respond by|response due by|response due",
    "de": r"antworten sie bis zum|antworten sie bis|antwort bis zum|antwort bis|frist",
    "ja": r"回答期限|対応期限",
    "ru": r"примите решение до|ответьте до|срок ответа|срок решения",
}

# What a reason reads as, in any of the languages (the first that fits wins).
REASON_WORDS: list[tuple[str, re.Pattern]] = [
    (Reason.MISSING_PARTS, re.compile(r"missing|fehlende|unvollständig|不足|足りない|некомплект", re.I)),
    (
        Reason.NOT_AS_DESCRIBED,
        re.compile(
            r"not as described|different from|doesn't match|nicht wie beschrieben|weicht von|説明と異なる|"
            r"не соответствует",
            re.I,
        ),
    ),  # fmt: skip
    (Reason.DAMAGED, re.compile(r"damaged|defective|beschädigt|defekt|破損|不良|повре|брак", re.I)),
    (
        Reason.REFUND_NOT_PROCESSED,
        re.compile(r"refund (?:was )?not|return not|erstattung nicht|返金されていない|деньги не", re.I),
    ),  # fmt: skip
    (
        Reason.NOT_RECEIVED,
        re.compile(
            r"not received|never arrived|did not arrive|not delivered|nicht erhalten|nicht angekommen|"
            r"届いていない|未着|届かない|не получ|не доставлен",
            re.I,
        ),
    ),  # fmt: skip
    (Reason.PRICE, re.compile(r"unauthori[sz]ed|unrecogni[sz]ed|charge|preis|請求|цена|списани", re.I)),
]

MONTHS_EN = {
    name: number
    for number, names in enumerate(
        [("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
         ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
         ("oct", "october"), ("nov", "november"), ("dec", "december")],
        start=1,
    )
    for name in names
}  # fmt: skip
ZONES = {
    "utc": 0, "gmt": 0, "pst": -8, "pdt": -7, "est": -5, "edt": -4,
    "cet": 1, "mez": 1, "cest": 2, "mesz": 2, "jst": 9, "мск": 3, "msk": 3,
}  # fmt: skip
TIME = r"(?:\s*(?:at|um|,)?\s*(\d{1,2}):(\d{2})\s*(am|pm)?(?:\s*uhr)?\s*\(?([a-zа-я]{2,4})?\)?)?"
DATES: dict[str, re.Pattern] = {
    "en": re.compile(r"([a-z]{3,9})\.?\s+(\d{1,2}),\s*(\d{4})" + TIME, re.IGNORECASE),
    "de": re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})" + TIME, re.IGNORECASE),
    "ja": re.compile(r"(\d{4})[年/](\d{1,2})[月/](\d{1,2})日?" + TIME, re.IGNORECASE),
    "ru": re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})" + TIME, re.IGNORECASE),
}


@dataclass(frozen=True)
class Wording:
    """One kind of notice in one language, told by its subject."""

    platform: str
    language: str
    event: str  # NoticeEvent
    kind: str  # ClaimKind
    subject: re.Pattern
    # For a decision: what the body says, first match wins.
    outcomes: tuple[tuple[re.Pattern, str], ...] = ()
    # Confirmed against the platform's published wording, or the desk's assumption of it.
    confirmed: bool = False


def _s(pattern: str) -> re.Pattern:
    return re.compile(pattern, re.IGNORECASE)


AMAZON_OUTCOMES_EN = (
    (_s(r"withdr[ae]wn"), Outcome.WITHDRAWN),
    (_s(r"in your favou?r|denied|not granted"), Outcome.DENIED),
    (_s(r"funded by amazon|amazon (?:has )?(?:covered|funded|paid)"), Outcome.GRANTED_PLATFORM_FUNDED),
    (_s(r"granted"), Outcome.GRANTED_SELLER_FUNDED),
)
AMAZON_OUTCOMES_DE = (
    (_s(r"zurückgezogen"), Outcome.WITHDRAWN),
    (_s(r"zu ihren gunsten|abgelehnt"), Outcome.DENIED),
    (_s(r"von amazon (?:übernommen|getragen|finanziert)"), Outcome.GRANTED_PLATFORM_FUNDED),
    (_s(r"stattgegeben|gewährt"), Outcome.GRANTED_SELLER_FUNDED),
)
AMAZON_OUTCOMES_JA = (
    (_s(r"取り下げ"), Outcome.WITHDRAWN),
    (_s(r"出品者様に有利|却下"), Outcome.DENIED),
    (_s(r"Amazonが負担"), Outcome.GRANTED_PLATFORM_FUNDED),
    (_s(r"承認|認められ"), Outcome.GRANTED_SELLER_FUNDED),
)
EBAY_OUTCOMES_EN = (
    (_s(r"in your favou?r|without a refund"), Outcome.DENIED),
    (_s(r"eBay (?:has )?(?:covered|paid|issued) the refund"), Outcome.GRANTED_PLATFORM_FUNDED),
    (_s(r"buyer closed|buyer has closed|cancel+ed by the buyer"), Outcome.WITHDRAWN),
    (_s(r"you refunded|refund you issued|you issued a refund"), Outcome.REFUNDED_BY_SELLER),
    (_s(r"in the buyer'?s favou?r"), Outcome.GRANTED_SELLER_FUNDED),
)
EBAY_OUTCOMES_DE = (
    (_s(r"zu ihren gunsten"), Outcome.DENIED),
    (_s(r"eBay hat die erstattung übernommen"), Outcome.GRANTED_PLATFORM_FUNDED),
    (_s(r"käufer hat den fall geschlossen"), Outcome.WITHDRAWN),
    (_s(r"sie haben .{0,40}erstattet"), Outcome.REFUNDED_BY_SELLER),
    (_s(r"zugunsten des käufers"), Outcome.GRANTED_SELLER_FUNDED),
)
OZON_OUTCOMES = (
    (_s(r"в вашу пользу|в пользу продавца"), Outcome.DENIED),
    (_s(r"за сч[её]т ozon|компенсирует ozon"), Outcome.GRANTED_PLATFORM_FUNDED),
    (_s(r"покупатель отозвал|покупатель закрыл"), Outcome.WITHDRAWN),
    (_s(r"в пользу покупателя"), Outcome.GRANTED_SELLER_FUNDED),
)

A, E, Z = Platform.AMAZON, Platform.EBAY, Platform.OZON
OPENED, REQUEST, DECIDED = NoticeEvent.OPENED, NoticeEvent.REQUEST, NoticeEvent.DECIDED
WORDINGS: list[Wording] = [
    # Amazon, English (Seller Central help: claims are announced and information is requested by
    # e-mail; a chargeback is told by e-mail with 7 calendar days to respond).
    Wording(A, "en", DECIDED, ClaimKind.A_TO_Z, _s(r"a-to-z guarantee claim (?:decision|decided|closed)"),
            AMAZON_OUTCOMES_EN),
    Wording(A, "en", REQUEST, ClaimKind.A_TO_Z,
            _s(r"(?:action required|information (?:needed|requested)).{0,40}a-to-z guarantee claim"), confirmed=True),
    Wording(A, "en", OPENED, ClaimKind.A_TO_Z, _s(r"a-to-z guarantee claim (?:filed|received|opened)"),
            confirmed=True),
    Wording(A, "en", OPENED, ClaimKind.CHARGEBACK, _s(r"chargeback (?:claim )?notification"), confirmed=True),
    Wording(A, "en", DECIDED, ClaimKind.CHARGEBACK, _s(r"chargeback (?:claim )?(?:decision|closed|decided)"),
            AMAZON_OUTCOMES_EN),
    Wording(A, "en", OPENED, ClaimKind.NEGATIVE_FEEDBACK, _s(r"negative feedback (?:received|notification)")),
    # Amazon, German and Japanese (the marketplaces' names for the guarantee; wording assumed).
    Wording(A, "de", DECIDED, ClaimKind.A_TO_Z, _s(r"entscheidung.{0,30}a-bis-z-garantie"), AMAZON_OUTCOMES_DE),
    Wording(A, "de", REQUEST, ClaimKind.A_TO_Z, _s(r"(?:handlungsbedarf|informationen benötigt).{0,40}a-bis-z-garantie")),
    Wording(A, "de", OPENED, ClaimKind.A_TO_Z, _s(r"a-bis-z-garantie(?:antrag|-antrag) (?:eingegangen|eingereicht)")),
    Wording(A, "de", OPENED, ClaimKind.NEGATIVE_FEEDBACK, _s(r"negative bewertung erhalten")),
    Wording(A, "ja", DECIDED, ClaimKind.A_TO_Z, _s(r"マーケットプレイス保証申請.{0,10}(?:結果|決定)"), AMAZON_OUTCOMES_JA),
    Wording(A, "ja", REQUEST, ClaimKind.A_TO_Z, _s(r"マーケットプレイス保証申請.{0,10}(?:情報提供|追加情報)")),
    Wording(A, "ja", OPENED, ClaimKind.A_TO_Z, _s(r"マーケットプレイス保証申請.{0,10}(?:お知らせ|受付)")),
    # eBay (seller help: a request first, the buyer or seller may ask eBay to step in after 3
    # business days, the case is closed with a decision; subjects assumed).
    Wording(E, "en", DECIDED, ClaimKind.EBAY_CASE, _s(r"(?:case|request|return) (?:\S+ )?(?:is )?closed"), EBAY_OUTCOMES_EN),
    Wording(E, "en", REQUEST, ClaimKind.EBAY_CASE, _s(r"ebay (?:has )?stepped in|case (?:has been )?escalated"),
            confirmed=True),
    Wording(E, "en", OPENED, ClaimKind.EBAY_CASE,
            _s(r"(?:opened|started) an? (?:case|request|return)|return request|item not received request")),
    Wording(E, "de", DECIDED, ClaimKind.EBAY_CASE, _s(r"fall (?:\S+ )?(?:wurde )?geschlossen"), EBAY_OUTCOMES_DE),
    Wording(E, "de", REQUEST, ClaimKind.EBAY_CASE, _s(r"ebay (?:hat sich|schaltet sich) ein")),
    Wording(E, "de", OPENED, ClaimKind.EBAY_CASE, _s(r"(?:fall|rücknahme|anfrage) eröffnet|hat einen fall eröffnet")),
    # Ozon (seller news: return requests to decide within 24 hours, a refused buyer may open a
    # dispute that Ozon decides).
    Wording(Z, "ru", DECIDED, ClaimKind.OZON_DISPUTE, _s(r"решение по спору"), OZON_OUTCOMES),
    Wording(Z, "ru", REQUEST, ClaimKind.OZON_DISPUTE, _s(r"открыл спор|открыт спор"), confirmed=True),
    Wording(Z, "ru", OPENED, ClaimKind.OZON_DISPUTE, _s(r"заявк\w* на возврат|хотят вернуть товар"), confirmed=True),
]  # fmt: skip


@dataclass
class Notice:
    """What a recognised notice says."""

    wording: Wording
    order_id: str = ""
    claim_id: str = ""
    reason: str = Reason.OTHER
    amount: Decimal | None = None
    respond_by: datetime | None = None
    outcome: str = ""


@dataclass
class Verdict:
    """What to do with a mail: act on its notice, or keep it unmatched with the reason."""

    notice: Notice | None = None
    refused: str = ""


def _labelled(text: str, labels: str) -> str:
    found = re.search(rf"(?:^|\n)\s*(?:{labels})\s*[:：]\s*(.+)", text, re.IGNORECASE)
    return found.group(1).strip() if found else ""


def amount_of(text: str) -> Decimal | None:
    """A money amount as the platforms write it: $1,234.50 · 1.234,50 € · ￥2,500 · 1 990,00 ₽."""
    found = re.search(r"\d[\d.,\s\u00a0\u202f']*", text)
    if not found:
        return None
    digits = re.sub(r"[\s\u00a0\u202f']", "", found.group(0)).rstrip(".,")
    if "," in digits and "." in digits:
        decimal_mark = "," if digits.rfind(",") > digits.rfind(".") else "."
    elif "," in digits:
        decimal_mark = "," if re.search(r",\d{1,2}$", digits) else ""
    elif "." in digits:
        decimal_mark = "." if re.search(r"\.\d{1,2}$", digits) else ""
    else:
        decimal_mark = ""
    whole, _mark, cents = digits.rpartition(decimal_mark) if decimal_mark else (digits, "", "")
    try:
        return Decimal(re.sub(r"[.,]", "", whole) + ("." + cents if cents else ""))
    except InvalidOperation:
        return None


def due_of(text: str, language: str, store: Store) -> datetime | None:
    """The respond-by moment a notice states: with its time and zone when it gives them, else
    the end of that day in the store's time zone."""
    found = DATES[language].search(text)
    if not found:
        return None
    parts = found.groups()
    try:
        if language == "en":
            month = MONTHS_EN.get(parts[0].lower())
            if month is None:
                return None
            year, day = int(parts[2]), int(parts[1])
        elif language == "ja":
            year, month, day = int(parts[0]), int(parts[1]), int(parts[2])
        else:
            day, month, year = int(parts[0]), int(parts[1]), int(parts[2])
        hour, minute, half, zone = parts[3], parts[4], parts[5], parts[6]
        if hour is None:
            local = datetime.combine(datetime(year, month, day).date(), time(23, 59, 59))
            return local.replace(tzinfo=ZoneInfo(store.time_zone)).astimezone(UTC)
        h = int(hour) % 12 + (12 if (half or "").lower() == "pm" else 0) if half else int(hour)
        moment = datetime(year, month, day, h, int(minute))
    except (ValueError, TypeError):
        return None
    offset = ZONES.get((zone or "").lower())
    tz = dt_timezone(timedelta(hours=offset)) if offset is not None else ZoneInfo(store.time_zone)
    return moment.replace(tzinfo=tz).astimezone(UTC)


def _reason(text: str) -> str:
    return next((reason for reason, words in REASON_WORDS if words.search(text)), Reason.OTHER)


def recognise(subject: str, body: str, store: Store, platform: str | None = None) -> Notice | None:
    """The notice a mail's subject and text make, or None: among the platform's own wordings
    when it comes from a platform's domain, among all of them when it does not (a look-alike)."""
    wording = next(
        (w for w in WORDINGS if (platform is None or w.platform == platform) and w.subject.search(subject)),
        None,
    )
    if wording is None:
        return None
    text = f"{subject}\n{body}"
    order_ids = ORDER_IDS[wording.platform].findall(text)
    notice = Notice(wording=wording, order_id=order_ids[0] if order_ids else "")
    language = wording.language
    claim_id = _labelled(body, CLAIM_ID_LABELS[language])
    claim_id_found = re.match(r"[A-Za-z0-9-]{3,64}", claim_id)
    notice.claim_id = claim_id_found.group(0) if claim_id_found else ""
    amount = _labelled(body, AMOUNT_LABELS[language])
    notice.amount = amount_of(amount) if amount else None
    reason = _labelled(body, REASON_LABELS[language])
    notice.reason = _reason(reason) if reason else Reason.OTHER
    due = _labelled(body, DUE_LABELS[language])
    if not due and language == "ru":  # "Примите решение до 09.12.2026 …" inside a sentence
        inline = re.search(rf"(?:{DUE_LABELS['ru']})\s*(.+)", body, re.IGNORECASE)
        due = inline.group(1) if inline else ""
    notice.respond_by = due_of(due, language, store) if due else None
    if wording.event == DECIDED:
        notice.outcome = next((outcome for pattern, outcome in wording.outcomes if pattern.search(body)), "")
    return notice


# What a mail posing as a platform's names: its brand in the sender's domain or the subject.
BRANDS: dict[str, re.Pattern[str]] = {
    Platform.AMAZON: re.compile(r"amazon|amzn|a-to-z|a-bis-z|マーケットプレイス保証", re.IGNORECASE),
    Platform.EBAY: re.compile(r"ebay", re.IGNORECASE),
    Platform.OZON: re.compile(r"ozon|озон", re.IGNORECASE),
}


def _poses_as(platform: str, mail: "ParsedMail") -> bool:
    return bool(BRANDS[platform].search(f"{mail.sender.rpartition('@')[2]}\n{mail.subject}"))


def classify(store: Store, mail: "ParsedMail", raw: bytes) -> Verdict | None:
    """Whether this mail is a platform's notice about a claim, to act on or to refuse; None
    when it is neither (a buyer's message, the platform's copy of the seller's reply…), which
    the relay-mail path files as before."""
    platform = sender_platform(mail.sender)
    relay = BUYER_RELAYS.match(mail.sender.rpartition("@")[2])
    notice = None if relay else recognise(mail.subject, f"{mail.body}\n{mail.folded}", store, platform)
    if notice is None:
        if platform and not mail.from_platform:
            # From the platform's own domain, but nothing the desk reads as a claim notice (an
            # account-health digest, marketing, a wording the desk does not know yet).
            return Verdict(
                refused=_("A mail from %(platform)s (%(sender)s) that is not a claim notice the desk reads.")
                % {"platform": PLATFORM_NAMES[platform], "sender": mail.sender},
            )
        return None
    names = {"platform": PLATFORM_NAMES.get(notice.wording.platform, ""), "sender": mail.sender}
    if platform is None and not _poses_as(notice.wording.platform, mail):
        # Words like "return request" from anyone else are a buyer's or a stranger's own.
        return None
    if platform != notice.wording.platform:
        return Verdict(
            refused=_(
                "The mail reads like a claim notice from %(platform)s, but %(sender)s is not one of "
                "%(platform)s's own addresses: nothing was changed."
            )
            % names
        )
    problem = authentication_problem(_topmost_results(raw), mail.sender.rpartition("@")[2])
    if problem:
        return Verdict(
            refused=_(
                "A claim notice from %(platform)s that cannot be trusted (%(problem)s): nothing was changed."
            )
            % {**names, "problem": problem}
        )
    if store.platform != notice.wording.platform:
        return Verdict(
            refused=_("A claim notice from %(platform)s, but %(store)s is not a store on %(platform)s.")
            % {**names, "store": store.name}
        )
    if notice.wording.event == DECIDED and not notice.outcome:
        return Verdict(refused=_("A decision from %(platform)s whose outcome the desk cannot read.") % names)
    return Verdict(notice=notice)


# --- acting on a notice -----------------------------------------------------------------------


def _order(store: Store, notice: Notice) -> Order | None:
    if not notice.order_id:
        return None
    order = Order.objects.filter(store=store, platform_order_id=notice.order_id).first()
    if order is None and notice.wording.platform == Platform.OZON and notice.order_id.count("-") == 1:
        # Ozon names the order; the desk keeps its postings ("<order>-<n>"): one posting places it.
        postings = list(
            Order.objects.filter(store=store, platform_order_id__startswith=notice.order_id + "-")[:2]
        )
        order = postings[0] if len(postings) == 1 else None
    return order


def _claim(order: Order, notice: Notice) -> Claim | None:
    """The claim this notice is about: the one with its platform claim id, else the order's
    latest claim of the same kind that is not closed."""
    claims = Claim.objects.filter(order=order)
    if notice.claim_id:
        same = claims.filter(platform_claim_id=notice.claim_id).order_by("-opened_at").first()
        if same is not None:
            return same
    return (
        claims.filter(kind=notice.wording.kind)
        .exclude(status=ClaimStatus.CLOSED)
        .order_by("-opened_at")
        .first()
    )


def act(
    store: Store, verdict: Verdict, mail: "ParsedMail", raw: bytes, *, message_id: str = ""
) -> tuple[str, str]:
    """Open, update or decide the notice's claim and keep the mail on its timeline. Returns
    ("claim opened" | "claim updated" | "claim closed", "") or ("unmatched", why) when its order
    is not the store's; "duplicate" when this mail was read before. `message_id`: the one the
    mail was kept under (a retry of a mail set aside), else its own."""
    notice = verdict.notice
    assert notice is not None
    message_id = message_id or mail.message_id
    if PlatformNotice.objects.filter(store=store, rfc_message_id=message_id).exists():
        return "duplicate", ""
    order = _order(store, notice)
    if order is None:
        named = notice.order_id or _("(none)")
        return "unmatched", _(
            "A claim notice from %(platform)s about order %(order)s, which is not among the orders of %(store)s."
        ) % {"platform": PLATFORM_NAMES[notice.wording.platform], "order": named, "store": store.name}
    event = notice.wording.event
    try:
        with transaction.atomic():
            claim = _claim(order, notice)
            result = "claim updated"
            if claim is None:
                claim = claim_open(
                    order=order,
                    kind=notice.wording.kind,
                    reason=notice.reason,
                    by=None,
                    opened_at=mail.at,
                    amount=notice.amount,
                    platform_claim_id=notice.claim_id,
                    stated_respond_by=notice.respond_by if event != DECIDED else None,
                )
                result = "claim opened"
            elif event == OPENED:
                claim = claim_platform_filed(
                    claim=claim,
                    by=None,
                    platform_claim_id=notice.claim_id,
                    amount=notice.amount,
                    stated_respond_by=notice.respond_by,
                )
            elif event == REQUEST and claim.status not in ClaimStatus.settled():
                claim = claim_platform_request(
                    claim=claim,
                    requested_at=max(mail.at, claim.opened_at),
                    by=None,
                    version=None,
                    stated_respond_by=notice.respond_by,
                )
            if event == DECIDED and claim.status not in ClaimStatus.settled():
                claim = claim_platform_decided(
                    claim=claim,
                    outcome=notice.outcome,
                    decided_at=max(mail.at, claim.opened_at),
                    by=None,
                    version=None,
                    note=mail.subject,
                )
                result = "claim closed"
            PlatformNotice.objects.create(
                store=store,
                claim=claim,
                rfc_message_id=message_id,
                event=event,
                language=notice.wording.language,
                sender=mail.sender,
                subject=mail.subject,
                body=mail.body,
                received_at=mail.at,
                raw=raw,
            )
            record(
                claim,
                Action.PLATFORM_NOTICE,
                at=mail.at,
                sender=mail.sender,
                subject=mail.subject,
                note=_excerpt(mail.body),
            )
    except IntegrityError:
        return "duplicate", ""  # another poller read the same mail at the same moment
    except ClaimError as refused:
        return "unmatched", str(refused)
    return result, ""


def _excerpt(text: str, limit: int = 600) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
