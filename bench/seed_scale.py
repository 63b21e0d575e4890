"""Fill a PostgreSQL database with the desk's benchmark scale, fast (COPY, not the ORM).

    psql -h 127.0.0.1 -U postgres -c 'create database bench'
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python bench/seed_scale.py \\
        --reset --orders 1000000 --claims 200000 [--messages 0]

What it builds (docs/DESIGN.md, "Quality bars"):
- 4 stores (Amazon US, Amazon UK, eBay US, Ozon RU), 20 agents and 2 managers, among them
  "bench.agent" (agent of Amazon US) and "bench.manager" (manager of all four); every seeded
  user's password is "bench-2026";
- about 0.3 buyers per order, the orders spread over the last 400 days with 1-3 lines each, a
  shipment for most of them, and tracking events for the shipments of disputed orders;
- the claims, 15 % of them open with a response deadline between 10 days ago and 10 days
  ahead, the closed ones with an outcome, a closing time and the ODR flag that outcome implies;
  3-5 timeline events each.

Small tables (stores, users, memberships) go through the ORM; the big ones are generated in
Python and streamed with psycopg 3's COPY. Ids are assigned here, so rows can point at each
other without a round trip; the sequences are moved past them at the end, then the tables are
vacuumed and analysed so the planner sees the real row counts.

The same --seed gives the same data, apart from the times (relative to now).
"""

import argparse
import json
import os
import random
import sys
import time
from array import array
from bisect import bisect_left, bisect_right
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
DAY = 86400
HOUR = 3600
PASSWORD = "bench-2026"
CHUNK_ROWS = 20_000
NULL = r"\N"  # COPY text format

STORES = [
    # name, platform, marketplace, time zone, currency, share of orders, price factor, carriers
    (
        "Amazon US",
        "amazon",
        "US",
        "America/Los_Angeles",
        "USD",
        0.45,
        1.0,
        ["UPS", "USPS", "FedEx", "Amazon Logistics"],
    ),
    ("Amazon UK", "amazon", "GB", "Europe/London", "GBP", 0.20, 0.8, ["Royal Mail", "DPD", "Evri"]),
    ("eBay US", "ebay", "US", "America/New_York", "USD", 0.25, 1.0, ["USPS", "UPS", "FedEx"]),
    ("Ozon RU", "ozon", "RU", "Europe/Moscow", "RUB", 0.10, 90.0, ["Ozon Delivery", "Russian Post", "CDEK"]),
]
# Agents 0..19 (agent 0 is bench.agent) by store index; some agents work for two stores.
AGENTS_BY_STORE = [[0, 1, 2, 3, 4, 5], [5, 6, 7, 8, 9], [4, 10, 11, 12, 13, 14], [15, 16, 17, 18, 19]]
MANAGERS_BY_STORE = [[0, 1], [0, 1], [0], [0]]  # manager 0 is bench.manager

PRODUCTS = [
    ("WB-24-BLK", "Stainless steel water bottle, 24 oz, matte black", "19.99"),
    ("WB-LID-BLK", "Silicone bottle lid, black", "7.49"),
    ("MUG-350-W", "Ceramic mug 350 ml, white", "12.50"),
    ("KTL-1L-SS", "Electric kettle 1 l, brushed steel", "34.90"),
    ("CBL-USBC-2M", "USB-C cable, braided, 2 m", "9.99"),
    ("CHG-65W-GAN", "65 W GaN charger, 3 ports", "39.00"),
    ("LMP-DESK-LED", "LED desk lamp with dimmer", "27.95"),
    ("BAG-TOTE-CAN", "Canvas tote bag, natural", "14.00"),
    ("HDP-BT-NC", "Bluetooth headphones, noise cancelling", "89.99"),
    ("KB-MECH-87", "Mechanical keyboard, 87 keys", "64.50"),
    ("MS-WL-ERGO", "Wireless ergonomic mouse", "29.99"),
    ("PAN-28-CI", "Cast iron pan, 28 cm", "44.00"),
    ("TWL-BATH-GR", "Bath towel set, grey (2 pcs)", "24.90"),
    ("SCK-MERINO-3", "Merino socks, 3 pairs", "18.00"),
    ("YGM-6MM-PUR", "Yoga mat 6 mm, purple", "22.99"),
    ("BTL-GLS-1L", "Glass bottle 1 l with sleeve", "16.49"),
    ("PHC-CLR-15", "Clear phone case, model 15", "11.99"),
    ("SCR-PRO-15", "Screen protector, 2 pack", "8.99"),
    ("PWB-20K", "Power bank 20,000 mAh", "45.00"),
    ("CAM-DASH-2K", "Dash camera 2K with parking mode", "79.00"),
    ("BRD-BAMBOO-L", "Bamboo cutting board, large", "21.50"),
    ("KNF-CHEF-20", "Chef's knife 20 cm", "49.90"),
    ("FLT-WATER-3", "Water filter cartridges, 3 pack", "26.00"),
    ("TOY-BLOCK-100", "Wooden building blocks, 100 pcs", "32.00"),
]
FIRST = {
    "en": [
        "James",
        "Mary",
        "Robert",
        "Patricia",
        "John",
        "Jennifer",
        "Michael",
        "Linda",
        "David",
        "Elizabeth",
        "William",
        "Susan",
        "Olivia",
        "Noah",
        "Emma",
        "Liam",
        "Ava",
        "Lucas",
        "Sophie",
        "Harry",
        "Amelia",
        "Jack",
        "Isla",
        "Oliver",
        "Grace",
        "Mia",
    ],
    "ru": [
        "Алексей",
        "Мария",
        "Дмитрий",
        "Анна",
        "Сергей",
        "Елена",
        "Иван",
        "Ольга",
        "Никита",
        "Татьяна",
        "Павел",
        "Наталья",
        "Андрей",
        "Ксения",
    ],
}
LAST = {
    "en": [
        "Smith",
        "Johnson",
        "Williams",
        "Brown",
        "Jones",
        "Garcia",
        "Miller",
        "Davis",
        "Wilson",
        "Taylor",
        "Clark",
        "Lewis",
        "Walker",
        "Hall",
        "Young",
        "King",
        "Wright",
        "Evans",
        "Hughes",
        "Edwards",
        "Turner",
        "Patel",
    ],
    "ru": [
        "Иванов",
        "Смирнов",
        "Кузнецов",
        "Попов",
        "Васильев",
        "Петров",
        "Соколов",
        "Михайлов",
        "Новиков",
        "Фёдоров",
        "Морозов",
        "Волков",
    ],
}

# Claim mix per platform: kind, weight.
KINDS = {
    "amazon": [("a_to_z", 55), ("chargeback", 10), ("negative_feedback", 20), ("buyer_complaint", 15)],
    "ebay": [("ebay_case", 60), ("chargeback", 8), ("negative_feedback", 17), ("buyer_complaint", 15)],
    "ozon": [("ozon_dispute", 65), ("negative_feedback", 15), ("buyer_complaint", 20)],
}
REASONS = [
    ("not_received", 34),
    ("damaged", 16),
    ("not_as_described", 22),
    ("missing_parts", 7),
    ("price", 6),
    ("refund_not_processed", 9),
    ("other", 6),
]
OPEN_STATUSES = [("new", 35), ("in_progress", 30), ("responded", 28), ("appealing", 7)]
OUTCOMES = [
    ("granted_seller", 25),
    ("granted_platform", 8),
    ("refunded", 20),
    ("denied", 30),
    ("withdrawn", 12),
    ("cancelled", 5),
]
PRIORITIES = [(2, 62), (3, 18), (1, 12), (4, 8)]
APPEALABLE = {"a_to_z", "ebay_case"}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--claims", type=int, default=200_000)
    parser.add_argument(
        "--buyers", type=int, default=None, help="default: 30 %% of --orders (300,000 for a million orders)"
    )
    parser.add_argument(
        "--messages",
        type=int,
        default=0,
        help="buyer-thread messages to add, about three per thread (2,000,000 for the design bar)",
    )
    parser.add_argument("--open-share", type=float, default=0.15, help="share of claims still open")
    parser.add_argument(
        "--reset", action="store_true", help="empty the desk's tables (and delete the bench.* users) first"
    )
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--any-database", action="store_true", help="allow a database whose name does not contain 'bench'"
    )
    return parser.parse_args()


# --- Django -------------------------------------------------------------------------------


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    import django

    django.setup()


def check_database(args) -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit(
            f"seed_scale: this benchmark needs PostgreSQL (COPY), but the database is "
            f"{connection.vendor}.\nSet DATABASE_URL, e.g.\n"
            "  psql -h 127.0.0.1 -U postgres -c 'create database bench'\n"
            "  DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python bench/seed_scale.py --reset"
        )
    name = connection.settings_dict["NAME"]
    if "bench" not in name and not args.any_database:
        sys.exit(
            f"seed_scale: refusing to fill database {name!r}: its name does not contain 'bench'. "
            "Use a dedicated database (or pass --any-database)."
        )


class Timer:
    def __init__(self) -> None:
        self.rows: list[tuple[str, int, float]] = []

    def add(self, name: str, count: int, seconds: float) -> None:
        self.rows.append((name, count, seconds))
        rate = f"{count / seconds:>10,.0f} rows/s" if count and seconds else ""
        print(f"  {name:<22} {count:>11,} rows {seconds:>8.1f} s {rate}", flush=True)


def ts(seconds: float) -> str:
    """A timestamptz literal for COPY's text format (UTC, whole seconds)."""
    return datetime.fromtimestamp(int(seconds), UTC).isoformat(" ")


def as_dt(seconds: float) -> datetime:
    return datetime.fromtimestamp(int(seconds), UTC)


def copy_text(value) -> str:
    """COPY text format: backslash, tab and newlines escaped; None is \\N."""
    if value is None:
        return r"\N"
    text = str(value)
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


class Copier:
    """COPY into one model's table: the columns named here, plus a constant for any other
    NOT NULL column the model gained since this script was written (not a generated one)."""

    def __init__(self, raw, model, columns: list[str]) -> None:
        self.raw, self.model, self.columns = raw, model, list(columns)
        fields = {f.column: f for f in model._meta.concrete_fields}
        unknown = [c for c in columns if c not in fields]
        if unknown:
            raise SystemExit(f"seed_scale: {model.__name__} has no column(s) {unknown}; update this script.")
        suffix = []
        for column, f in fields.items():
            if column in columns or f.null or f.generated:  # the database fills generated ones
                continue
            if f.has_default():
                value = f.get_default()
                extra = copy_text("t" if value is True else "f" if value is False else value)
            elif f.blank and f.get_internal_type() in ("CharField", "TextField"):
                extra = ""
            else:
                raise SystemExit(
                    f"seed_scale: {model.__name__}.{f.name} is NOT NULL without a default; "
                    "update this script."
                )
            self.columns.append(column)
            suffix.append(extra)
        self.suffix = "".join("\t" + s for s in suffix) + "\n"
        self.count = 0
        self.buffer: list[str] = []

    def __enter__(self):
        table = self.model._meta.db_table
        cols = ", ".join(f'"{c}"' for c in self.columns)
        self.cursor = self.raw.cursor()
        self.copy_cm = self.cursor.copy(f'COPY "{table}" ({cols}) FROM STDIN')
        self.copy = self.copy_cm.__enter__()
        return self

    def row(self, *values: str) -> None:
        """Values already in COPY text form (use copy_text for anything that may need escaping)."""
        self.buffer.append("\t".join(values) + self.suffix)
        if len(self.buffer) >= CHUNK_ROWS:
            self.flush()

    def flush(self) -> None:
        if self.buffer:
            self.copy.write("".join(self.buffer))
            self.count += len(self.buffer)
            self.buffer = []

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.flush()
        result = self.copy_cm.__exit__(exc_type, exc, tb)
        self.cursor.close()
        return result


# --- The steps ----------------------------------------------------------------------------


def reset(timer: Timer) -> None:
    from django.apps import apps
    from django.contrib.auth import get_user_model
    from django.db import connection

    started = time.perf_counter()
    keep = {"DeadlineRule", "Profile", "WorkerHeartbeat"}
    tables = [
        m._meta.db_table
        for app in ("disputes", "evidence", "messaging")
        for m in apps.get_app_config(app).get_models()
        if m.__name__ not in keep
    ]
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE")
    get_user_model().objects.filter(username__startswith="bench.").delete()
    timer.add("reset (truncate)", 0, time.perf_counter() - started)


def create_people(timer: Timer):
    """Stores, users (through the ORM, so their profiles are created) and memberships."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from disputes.models import Membership, Role, Store

    started = time.perf_counter()
    stores = [
        Store.objects.create(
            name=name, platform=platform, marketplace=market, time_zone=zone, currency=currency
        )
        for name, platform, market, zone, currency, *_ in STORES
    ]
    User = get_user_model()
    password = make_password(PASSWORD)  # hashed once: the same for every seeded user
    agents = []
    for n in range(20):
        username = "bench.agent" if n == 0 else f"bench.agent{n + 1:02d}"
        first = FIRST["ru" if n >= 15 else "en"][n % 14]
        agents.append(
            User.objects.create(
                username=username, password=password, first_name=first, email=f"{username}@example.com"
            )
        )
    managers = [
        User.objects.create(username=name, password=password, email=f"{name}@example.com")
        for name in ("bench.manager", "bench.manager2")
    ]
    memberships = []
    for s, store in enumerate(stores):
        memberships += [Membership(user=agents[a], store=store, role=Role.AGENT) for a in AGENTS_BY_STORE[s]]
        memberships += [
            Membership(user=managers[m], store=store, role=Role.MANAGER) for m in MANAGERS_BY_STORE[s]
        ]
    Membership.objects.bulk_create(memberships)
    timer.add(
        "stores, users, members",
        len(stores) + len(agents) + len(managers) + len(memberships),
        time.perf_counter() - started,
    )
    return stores, agents, managers


def store_weights() -> list[float]:
    return [share for _, _, _, _, _, share, *_ in STORES]


def copy_buyers(
    raw, rng: random.Random, stores, count: int, now: float, timer: Timer
) -> list[tuple[int, int]]:
    """Buyers in one id range per store; returns the ranges [first, last] by store index."""
    from disputes.models import Buyer

    started = time.perf_counter()
    shares = store_weights()
    ranges, next_id = [], 1
    for s, share in enumerate(shares):
        n = max(1, round(count * share)) if s < len(shares) - 1 else max(1, count - (next_id - 1))
        ranges.append((next_id, next_id + n - 1))
        next_id += n
    with Copier(raw, Buyer, ["id", "store_id", "alias", "name", "created_at"]) as copy:
        for s, (first, last) in enumerate(ranges):
            store, platform = stores[s], STORES[s][1]
            lang = "ru" if platform == "ozon" else "en"
            firsts, lasts = FIRST[lang], LAST[lang]
            domain = "amazon.co.uk" if STORES[s][2] == "GB" else "amazon.com"
            sid = str(store.pk)
            for bid in range(first, last + 1):
                given, family = rng.choice(firsts), rng.choice(lasts)
                if lang == "ru" and given[-1] in "ая":
                    family += "а"
                if platform == "amazon":
                    alias = f"{(bid * 2654435761) % (1 << 64):016x}@marketplace.{domain}"
                elif platform == "ebay":
                    alias = f"{given.lower()}_{family.lower()}{bid}"
                else:
                    alias = f"ozon-{bid:09d}"
                created = now - 400 * DAY - rng.random() * 600 * DAY
                copy.row(str(bid), sid, alias, f"{given} {family}", ts(created))
    timer.add("buyer", copy.count, time.perf_counter() - started)
    return ranges


def order_id_text(platform: str, s: int, oid: int) -> str:
    if platform == "amazon":
        return f"{111 + s}-{oid:07d}-{(oid * 7919) % 9_999_991:07d}"
    if platform == "ebay":
        return f"{10 + oid % 90:02d}-{oid:08d}-{(oid * 31) % 99_991:05d}"
    return f"{oid:08d}-{1 + oid % 7:04d}"


class OrderData:
    """What the later steps need to know about each order, kept compact."""

    def __init__(self, count: int) -> None:
        self.store = array("b", bytes(count + 1))  # by order id (index 0 unused)
        self.purchased = array("d", bytes(8 * (count + 1)))
        self.total = array("d", bytes(8 * (count + 1)))
        self.cancelled = bytearray(count + 1)
        self.shipment = array("l", bytes(8 * (count + 1)))  # shipment id, 0 = none
        self.shipped = array("d", bytes(8 * (count + 1)))  # 0 = no shipment record
        self.delivered = array("d", bytes(8 * (count + 1)))  # 0 = not delivered
        self.by_store_ids: list[list[int]] = []
        self.by_store_time: list[list[float]] = []


def copy_orders_and_lines(raw, rng, stores, buyer_ranges, count: int, now: float, timer: Timer) -> OrderData:
    from disputes.models import Order, OrderLine

    data = OrderData(count)
    ship_rng = random.Random(rng.random())
    data.by_store_ids = [[] for _ in STORES]
    data.by_store_time = [[] for _ in STORES]
    weights = store_weights()
    start, span = now - 400 * DAY, 400 * DAY
    line_buffer: list[str] = []
    line_copier = Copier(
        raw, OrderLine, ["id", "order_id", "line_key", "sku", "title", "quantity", "item_price"]
    )
    line_suffix = line_copier.suffix
    line_id = 0
    prices = [[Decimal(p) * Decimal(str(STORES[s][6])) for _, _, p in PRODUCTS] for s in range(len(STORES))]
    prices = [
        [p.quantize(Decimal("1")) if STORES[s][4] == "RUB" else p for p in row]
        for s, row in enumerate(prices)
    ]
    n_products = len(PRODUCTS)
    store_ids = [str(st.pk) for st in stores]
    choices = rng.choices(range(len(STORES)), weights=weights, k=count)

    started = time.perf_counter()
    with Copier(
        raw,
        Order,
        [
            "id",
            "store_id",
            "buyer_id",
            "platform_order_id",
            "status",
            "purchased_at",
            "currency",
            "total",
            "fulfilment_channel",
            "ship_by",
            "latest_delivery",
            "ship_country",
            "created_at",
            "updated_at",
            "delivered",
        ],
    ) as copy:
        for oid in range(1, count + 1):
            s = choices[oid - 1]
            platform, market, currency = STORES[s][1], STORES[s][2], STORES[s][4]
            purchased = start + (oid - 1 + rng.random()) * span / count
            age = now - purchased
            first, last = buyer_ranges[s]
            buyer = (
                r"\N" if rng.random() < 0.01 else str(first + int((last - first + 1) * rng.random() ** 1.4))
            )
            roll = rng.random()
            if roll < 0.03:
                status, cancelled = "Cancelled", True
            else:
                cancelled = False
                status = "Pending" if age < 2 * DAY and roll < 0.5 else "Shipped"
            channel = "platform" if platform == "amazon" and rng.random() < 0.55 else "seller"
            # The parcel's journey is drawn here so the order's `delivered` goes in with it
            # (recounting it afterwards rewrites every order row); the shipments step reads it.
            if not cancelled and now - purchased >= 2 * DAY and ship_rng.random() >= 0.06:
                shipped = purchased + (0.3 + ship_rng.random() * 2.5) * DAY
                arrives = shipped + (1.5 + ship_rng.random() * 6) * DAY
                data.shipped[oid] = shipped
                data.delivered[oid] = arrives if arrives < now and ship_rng.random() < 0.93 else 0.0
            # Lines: 1-3 different products.
            n_lines = 1 if roll < 0.6 else 2 if roll < 0.88 else 3
            p0 = rng.randrange(n_products)
            total = Decimal(0)
            for k in range(n_lines):
                p = (p0 + 7 * k) % n_products
                sku, title, _ = PRODUCTS[p]
                quantity = 1 if rng.random() < 0.85 else rng.randint(2, 4)
                price = prices[s][p]
                total += price * quantity
                line_id += 1
                key = f"{oid * 4 + k:014d}" if platform == "amazon" else sku
                line_buffer.append(
                    f"{line_id}\t{oid}\t{key}\t{sku}\t{title}\t{quantity}\t{price}{line_suffix}"
                )
            purchased_text = ts(purchased)
            copy.row(
                str(oid),
                store_ids[s],
                buyer,
                order_id_text(platform, s, oid),
                status,
                purchased_text,
                currency,
                str(total),
                channel,
                ts(purchased + 2 * DAY),
                ts(purchased + (7 + rng.randrange(8)) * DAY),
                market,
                ts(purchased + HOUR),
                ts(purchased + HOUR),
                "t" if data.delivered[oid] else "f",
            )
            data.store[oid] = s
            data.purchased[oid] = purchased
            data.total[oid] = float(total)
            data.cancelled[oid] = cancelled
            data.by_store_ids[s].append(oid)
            data.by_store_time[s].append(purchased)
    timer.add("order", copy.count, time.perf_counter() - started)

    started = time.perf_counter()
    with line_copier as copy:
        for i in range(0, len(line_buffer), CHUNK_ROWS):
            copy.copy.write("".join(line_buffer[i : i + CHUNK_ROWS]))
        copy.count = len(line_buffer)
    del line_buffer
    timer.add("order line", copy.count, time.perf_counter() - started)
    return data


def tracking_number(rng: random.Random, carrier: str, sid: int) -> str:
    if carrier == "UPS":
        return f"1Z{rng.randrange(16**6):06X}{sid:010d}"
    if carrier in ("USPS", "Russian Post"):
        return f"94{sid:012d}{rng.randrange(10**8):08d}"
    if carrier == "FedEx":
        return f"{sid:012d}"
    if carrier == "Royal Mail":
        return f"RM{sid:09d}GB"
    return f"{carrier[:3].upper()}{sid:011d}"


def copy_shipments(raw, rng, data: OrderData, count: int, now: float, timer: Timer) -> int:
    from disputes.models import Shipment

    started = time.perf_counter()
    sid = 0
    with Copier(
        raw,
        Shipment,
        ["id", "order_id", "carrier", "tracking_number", "shipped_at", "delivered_at", "proof_of_delivery"],
    ) as copy:
        for oid in range(1, count + 1):
            shipped = data.shipped[oid]
            if not shipped:
                continue  # cancelled, not shipped yet, or shipped without a record in the desk
            sid += 1
            s = data.store[oid]
            carrier = rng.choice(STORES[s][7])
            delivered = data.delivered[oid]
            proof = ""
            if delivered and rng.random() < 0.3:
                proof = rng.choice(
                    [
                        "Left at front door; photo on file",
                        "Signed for by resident",
                        "Handed to neighbour at no. 12",
                        "Delivered to parcel locker",
                    ]
                )
            copy.row(
                str(sid),
                str(oid),
                carrier,
                tracking_number(rng, carrier, sid),
                ts(shipped),
                ts(delivered) if delivered else r"\N",
                proof,
            )
            data.shipment[oid] = sid
    timer.add("shipment", copy.count, time.perf_counter() - started)
    return sid


def pick(rng: random.Random, table: list[tuple[str, int]]):
    values, weights = zip(*table, strict=False)
    return rng.choices(values, weights=weights)[0]


def load_rules():
    from disputes.models import DeadlineRule

    respond, appeal = {}, {}
    for rule in DeadlineRule.objects.filter(is_active=True):
        target = respond if rule.deadline == "respond" else appeal
        target[(rule.platform, rule.claim_kind)] = rule
    return respond, appeal


def nominal_length(rule) -> float:
    """A rule's length in seconds, counting a business day as 1.4 calendar days."""
    if rule.unit == "calendar_hours":
        return rule.length * HOUR
    if rule.unit == "calendar_days":
        return rule.length * DAY
    return rule.length * 1.4 * DAY


def copy_claims(
    raw,
    rng,
    stores,
    agents,
    managers,
    data: OrderData,
    count: int,
    open_share: float,
    now: float,
    timer: Timer,
) -> set[int]:
    """Claims and their timelines; returns the ids of the disputed orders."""
    from disputes import deadlines
    from disputes.models import Claim, ClaimEvent, Outcome, warnings_or_default

    try:
        from disputes import alerts
    except ImportError:  # the alert sweep is optional to this script
        alerts = None
    has_alert_columns = {"next_alert_at", "next_alert_threshold"} <= {
        f.column for f in Claim._meta.concrete_fields
    }
    try:  # since issue #18 the next alert lives in a table of its own
        from disputes.models import ClaimAlertSchedule
    except ImportError:
        ClaimAlertSchedule = None
    schedules: list[tuple[str, str, str]] = []  # (claim id, next alert, threshold) for that table
    respond_rules, appeal_rules = load_rules()
    agent_ids = [[agents[a].pk for a in AGENTS_BY_STORE[s]] for s in range(len(STORES))]
    manager_ids = [[managers[m].pk for m in MANAGERS_BY_STORE[s]] for s in range(len(STORES))]
    username = {u.pk: u.username for u in [*agents, *managers]}
    weights = store_weights()

    # 1. What each claim is and when things happened, then ids in order of opening.
    started = time.perf_counter()
    specs = []
    n_open = round(count * open_share)
    for n in range(count):
        s = rng.choices(range(len(STORES)), weights=weights)[0]
        platform = STORES[s][1]
        kind = pick(rng, KINDS[platform])
        rule = respond_rules.get((platform, kind))
        requested = extended = None
        if n < n_open:
            status = pick(rng, OPEN_STATUSES)
            if status == "appealing" and kind not in APPEALABLE:
                status = "responded"
            target = now + (rng.random() * 20 - 10) * DAY
            length = nominal_length(rule) if rule else 2 * DAY
            start = target - length
            if status == "appealing":
                # Opened weeks ago, granted, reopened: the deadline is the appeal's own.
                start, extended = now - (20 + rng.random() * 30) * DAY, target
            elif start > now - HOUR:
                # Further ahead than the rule reaches from now: the platform gave more time.
                start, extended = now - (1 + rng.random() * 24) * HOUR, target
        else:
            status = "closed"
            start = now - 3 * DAY - rng.random() * 385 * DAY
        if rule is not None and rule.starts_from == "platform_request":
            requested = start
            opened = start - rng.random() * 3 * DAY
        else:
            opened = start
        specs.append((opened, s, kind, status, rule, requested, start, extended))
    specs.sort(key=lambda spec: spec[0])
    timer.add("claim plan", len(specs), time.perf_counter() - started)

    started = time.perf_counter()
    claimed_orders: set[int] = set()
    event_rows: list[str] = []
    event_copier = Copier(raw, ClaimEvent, ["id", "claim_id", "at", "actor_id", "action", "params"])
    event_suffix = event_copier.suffix
    event_id = 0
    claim_columns = [
        "id",
        "store_id",
        "order_id",
        "kind",
        "reason",
        "platform_claim_id",
        "amount",
        "status",
        "outcome",
        "counts_toward_odr",
        "opened_at",
        "platform_requested_at",
        "respond_by",
        "respond_rule_id",
        "respond_explained",
        "closed_at",
        "appeal_by",
        "assignee_id",
        "priority",
        "version",
        "created_by_id",
        "created_at",
        "updated_at",
        "order_purchased_at",
        "decided_at",
    ]
    if has_alert_columns:
        claim_columns += ["next_alert_at", "next_alert_threshold"]
    with Copier(raw, Claim, claim_columns) as copy:
        for cid, (opened, s, kind, status, rule, requested, start, extended) in enumerate(specs, start=1):
            store = stores[s]
            platform = STORES[s][1]
            # The order: one of this store's, bought 1-60 days before the claim.
            times, ids = data.by_store_time[s], data.by_store_ids[s]
            lo = bisect_left(times, opened - 60 * DAY)
            hi = bisect_right(times, opened - DAY)
            if hi <= lo:
                hi = max(hi, 1)
                lo = hi - 1
            oid = ids[rng.randrange(lo, hi)]
            claimed_orders.add(oid)
            reason = pick(rng, REASONS)
            if kind == "chargeback" and reason in ("missing_parts", "not_as_described"):
                reason = "price"
            amount = r"\N" if kind == "negative_feedback" else f"{data.total[oid]:.2f}"
            claim_ref = {
                "a_to_z": f"AZ-{cid:09d}",
                "ebay_case": f"5{cid:09d}",
                "ozon_dispute": f"D-{cid:08d}",
                "chargeback": f"CB{cid:08d}",
            }.get(kind, "")
            respond_by = None
            explained, why = "", {}
            if extended is not None:
                respond_by, explained = extended, "Extended by the platform (benchmark data)."
                why = {"explanation": explained}
            elif rule is not None:
                start_dt = as_dt(start)
                respond_by = deadlines.compute_due(rule, start_dt, store=store).timestamp()
                why = {"rule": deadlines.explain_params(rule, start_dt, store=store)}
                explained = deadlines.explanation(why["rule"])[:300]
            elif status != "closed":
                respond_by = start + 2 * DAY  # no platform rule: the desk's own two days
            assigned = rng.random() < (0.8 if status != "closed" else 0.95)
            assignee = rng.choice(agent_ids[s]) if assigned else None
            creator = None if rng.random() < 0.5 else (assignee or rng.choice(manager_ids[s]))
            priority = pick(rng, PRIORITIES)
            closed_at = appeal_by = None
            outcome = ""
            end = now
            if status == "closed":
                outcome = pick(rng, OUTCOMES)
                closed_at = min(opened + (0.1 + rng.random() * 30) * DAY, now - HOUR)
                end = closed_at
                appeal_rule = appeal_rules.get((platform, kind))
                if outcome == "granted_seller" and appeal_rule is not None:
                    appeal_by = deadlines.compute_due(appeal_rule, as_dt(closed_at), store=store).timestamp()
            counts = not outcome or Outcome(outcome).counts_toward_odr

            # The timeline: 3-5 events in time order, each (at, actor, action, params).
            events = [(opened, creator, "opened", {"kind": kind, "reason": reason})]
            t = opened
            step = max(end - opened, 60) / 6

            def later(step=step, end=end):
                nonlocal t
                t = min(t + rng.random() * step, end)
                return t

            if respond_by is not None:
                due_iso = datetime.fromtimestamp(respond_by, UTC).isoformat()
                events.append((later(), creator, "deadline_set", {"respond_by": due_iso, **why}))
            if assignee:
                events.append((later(), creator or assignee, "assigned", {"assignee": username[assignee]}))
            actor = assignee or creator

            def moved(at, was, to, actor=actor):
                return (at, actor, "status", {"was_status": was, "status": to})

            if status == "closed":
                events.append(moved(closed_at, rng.choice(["new", "in_progress", "responded"]), "closed"))
                events.append((closed_at, actor, "outcome", {"outcome": outcome}))
            elif status == "in_progress":
                events.append(moved(later(), "new", "in_progress"))
            elif status == "responded":
                events.append(moved(later(), "new", "in_progress"))
                events.append(moved(later(), "in_progress", "responded"))
            elif status == "appealing":
                events.append(moved(later(), "responded", "closed"))
                events.append((t, actor, "outcome", {"outcome": "granted_seller"}))
                events.append(moved(later(), "closed", "appealing"))
            if len(events) < 3:
                events.append((later(), actor, "priority", {"was_priority": 2, "priority": priority}))
            while len(events) > 5:  # keep the story's start and end
                events.pop(1)
            for at, who, action, params in events:
                event_id += 1
                event_rows.append(
                    f"{event_id}\t{cid}\t{ts(at)}\t{who or NULL}\t{action}\t"
                    f"{copy_text(json.dumps(params, ensure_ascii=False))}{event_suffix}"
                )
            updated = events[-1][0]

            row = [
                str(cid),
                str(store.pk),
                str(oid),
                kind,
                reason,
                claim_ref,
                amount,
                status,
                outcome,
                "t" if counts else "f",
                ts(opened),
                ts(requested) if requested else r"\N",
                ts(respond_by) if respond_by is not None else r"\N",
                str(rule.pk) if rule else r"\N",
                copy_text(explained),
                ts(closed_at) if closed_at else r"\N",
                ts(appeal_by) if appeal_by else r"\N",
                str(assignee) if assignee else r"\N",
                str(priority),
                str(len(events) - 1),
                str(creator) if creator else r"\N",
                ts(opened),
                ts(updated),
                ts(data.purchased[oid]),
                # The platform's decision, recorded as the claim closed (services.claim_close).
                ts(closed_at) if outcome else r"\N",
            ]
            if has_alert_columns or ClaimAlertSchedule is not None:
                next_at, threshold = None, ""
                if alerts is not None and status != "closed" and respond_by is not None:
                    view = SimpleNamespace(
                        respond_by=as_dt(respond_by),
                        status=status,
                        opened_at=as_dt(opened),
                        platform_requested_at=as_dt(requested) if requested else None,
                        respond_rule=rule,
                        # Claim.warnings, which the alert thresholds read since alerts follow the rule's warnings.
                        warnings=warnings_or_default(rule.warn_hours_before if rule else None),
                    )
                    alerts.schedule(view, as_dt(now))
                    next_at, threshold = view.next_alert_at, view.next_alert_threshold
                if has_alert_columns:
                    row += [ts(next_at.timestamp()) if next_at else r"\N", threshold]
                elif next_at:
                    schedules.append((str(cid), ts(next_at.timestamp()), threshold))
            copy.row(*row)
    timer.add("claim", copy.count, time.perf_counter() - started)
    if schedules:
        started = time.perf_counter()
        with Copier(raw, ClaimAlertSchedule, ["claim_id", "next_alert_at", "next_alert_threshold"]) as copy:
            for schedule in schedules:
                copy.row(*schedule)
        timer.add("claim alert schedule", copy.count, time.perf_counter() - started)

    started = time.perf_counter()
    with event_copier as copy:
        for i in range(0, len(event_rows), CHUNK_ROWS):
            copy.copy.write("".join(event_rows[i : i + CHUNK_ROWS]))
        copy.count = len(event_rows)
    timer.add("claim event", copy.count, time.perf_counter() - started)
    return claimed_orders


def copy_tracking(raw, rng, data: OrderData, claimed_orders: set[int], now: float, timer: Timer) -> None:
    """Carrier scans for the shipments of disputed orders (what the claim page shows)."""
    from disputes.models import TrackingEvent

    started = time.perf_counter()
    eid = 0
    with Copier(raw, TrackingEvent, ["id", "shipment_id", "occurred_at", "status", "location"]) as copy:
        for oid in sorted(claimed_orders):
            sid = data.shipment[oid]
            if not sid:
                continue
            shipped, delivered = data.shipped[oid], data.delivered[oid]
            city = rng.choice(
                [
                    "Louisville, KY",
                    "Memphis, TN",
                    "Ontario, CA",
                    "Coventry",
                    "Moscow",
                    "Newark, NJ",
                    "Reno, NV",
                    "Kazan",
                ]
            )
            scans = [
                (shipped - 6 * HOUR, "Label created", ""),
                (shipped, "Picked up", city),
                (shipped + DAY * (0.5 + rng.random()), "In transit", city),
            ]
            if delivered:
                scans.append((delivered, "Delivered", ""))
            for at, status, location in scans:
                if at > now:
                    continue
                eid += 1
                copy.row(str(eid), str(sid), ts(at), status, location)
    timer.add("tracking event", copy.count, time.perf_counter() - started)


BUYER_TEXTS = [
    "Hello, where is my parcel? The tracking has not moved.",
    "The item arrived damaged, what can I do?",
    "Can I still change the delivery address?",
    "Thank you, it arrived today.",
    "The size is wrong, how do I return it?",
    "A part is missing from the box.",
]
SELLER_TEXTS = [
    "Thank you for your message. We are looking into it now.",
    "According to the carrier the parcel is on its way; it should arrive within three days.",
    "We are sorry about that. Could you send a few photos from several angles?",
    "We have sent a replacement today; the tracking number is on the order page.",
]


def seed_messages(
    raw, rng: random.Random, stores, data: OrderData, count: int, now: float, timer: Timer
) -> None:
    """Buyer threads with about three messages each, alternating buyer and seller. The last
    buyer message of a thread is still owed a reply when it is under three days old (its reply
    clock and next alert set as the desk would); older threads are answered."""
    if not count:
        return
    from messaging.models import Message, Thread

    orders = len(data.store) - 1
    threads = max(1, min(orders, count // 3))
    chosen = sorted(rng.sample(range(1, orders + 1), threads))
    store_ids = [str(store.pk) for store in stores]
    started = time.perf_counter()
    per_thread = [count // threads + (1 if n < count % threads else 0) for n in range(threads)]
    mid = 0
    awaiting = 0
    # One COPY at a time on the connection: the threads first, then their messages.
    starts = []
    with Copier(raw, Thread, ["id", "store_id", "order_id", "created_at"]) as threads_copy:
        for tid, oid in enumerate(chosen, start=1):
            at = data.purchased[oid] + HOUR * (2 + rng.randrange(48))
            starts.append(at)
            threads_copy.row(str(tid), store_ids[data.store[oid]], str(oid), ts(at))
    timer.add("thread", threads, time.perf_counter() - started)
    started = time.perf_counter()
    with Copier(
        raw,
        Message,
        [
            "id",
            "store_id",
            "thread_id",
            "direction",
            "channel",
            "author_name",
            "at",
            "body",
            "reply_state",
            "reply_by",
            "answered_at",
            "next_alert_at",
            "next_alert_threshold",
            "warn_hours_before",
        ],
    ) as copy:
        for tid, (oid, size, at) in enumerate(zip(chosen, per_thread, starts, strict=False), start=1):
            store = store_ids[data.store[oid]]
            for n in range(size):
                at = min(at + HOUR * (1 + rng.randrange(30)), now - 60)
                mid += 1
                from_buyer = n % 2 == 0
                if not from_buyer:
                    copy.row(
                        str(mid),
                        store,
                        str(tid),
                        "to_buyer",
                        "platform",
                        "",
                        ts(at),
                        rng.choice(SELLER_TEXTS),
                        "",
                        NULL,
                        NULL,
                        NULL,
                        "",
                        "[]",
                    )
                    continue
                due = at + 24 * HOUR
                last = n == size - 1
                if last and now - at < 3 * DAY:
                    awaiting += 1
                    upcoming = [
                        (due - 6 * HOUR, "warn_6h"),
                        (due - 2 * HOUR, "warn_2h"),
                        (due, "due"),
                        (due + HOUR, "overdue"),
                    ]
                    nxt = next(((t, name) for t, name in upcoming if t > now), None)
                    copy.row(
                        str(mid),
                        store,
                        str(tid),
                        "from_buyer",
                        "platform",
                        "buyer",
                        ts(at),
                        rng.choice(BUYER_TEXTS),
                        "awaiting",
                        ts(due),
                        NULL,
                        ts(nxt[0]) if nxt else NULL,
                        nxt[1] if nxt else "",
                        "[6, 2]",
                    )
                else:
                    answered = min(at + HOUR * (1 + rng.randrange(20)), now - 30)
                    copy.row(
                        str(mid),
                        store,
                        str(tid),
                        "from_buyer",
                        "platform",
                        "buyer",
                        ts(at),
                        rng.choice(BUYER_TEXTS),
                        "replied" if not last else "not_needed",
                        ts(due),
                        ts(answered),
                        NULL,
                        "",
                        "[6, 2]",
                    )
    timer.add(f"message ({awaiting:,} awaiting a reply)", mid, time.perf_counter() - started)
    started = time.perf_counter()
    with raw.cursor() as cursor:
        cursor.execute(ANSWERS_SQL)
    timer.add("answers and authors", 0, time.perf_counter() - started)


# The seller's messages get an agent of their store as author, and each answered buyer message
# the seller's message after it as its answer (and that answer's author), as the desk records a
# reply: the managers' per-agent figures then have answers to count.
ANSWERS_SQL = """
WITH agents AS (
  SELECT store_id, array_agg(user_id ORDER BY user_id) AS ids FROM disputes_membership
  WHERE role = 'agent' GROUP BY store_id
)
UPDATE messaging_message m SET author_id = a.ids[1 + (m.id % array_length(a.ids, 1))]
FROM agents a WHERE a.store_id = m.store_id AND m.direction = 'to_buyer' AND m.author_id IS NULL;
UPDATE messaging_message b SET answered_by_id = r.id, answered_by_author_id = r.author_id
FROM messaging_message r
WHERE b.reply_state = 'replied' AND r.id = b.id + 1 AND r.thread_id = b.thread_id
  AND r.direction = 'to_buyer';
"""


def recount(timer: Timer) -> None:
    """Count what the desk's triggers keep, once, from the seeded rows."""
    from django.db import transaction

    from disputes import agent_tallies, open_counts, products, store_hours, watch_columns, win_tallies
    from messaging import reply_tallies

    for name, rebuild in (
        ("hour counts", store_hours.rebuild),
        ("open claim counts", open_counts.rebuild),
        ("win tallies", win_tallies.rebuild),
        ("SKU win tallies", win_tallies.rebuild_skus),
        ("agent day tallies", agent_tallies.rebuild),
        ("watch columns", watch_columns.rebuild),
        ("products for the search", products.rebuild),
        ("reply tallies", reply_tallies.rebuild),
    ):
        started = time.perf_counter()
        with transaction.atomic():
            rebuild()
        timer.add(f"recount ({name})", 0, time.perf_counter() - started)


def finish(timer: Timer) -> None:
    from django.apps import apps
    from django.contrib.auth import get_user_model
    from django.core.management.color import no_style
    from django.db import connection

    started = time.perf_counter()
    models = [
        *apps.get_app_config("disputes").get_models(),
        *apps.get_app_config("messaging").get_models(),
        get_user_model(),
    ]
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(statement)
    timer.add("sequences (setval)", 0, time.perf_counter() - started)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        # VACUUM sets the visibility map as autovacuum would soon; ANALYZE gives the planner counts.
        cursor.execute("VACUUM (ANALYZE)")
    timer.add("vacuum + analyze", 0, time.perf_counter() - started)


def main() -> None:
    args = parse_args()
    overall = time.perf_counter()
    setup_django()
    check_database(args)

    from django.core.management import call_command
    from django.db import connection, transaction

    from disputes.models import Order

    timer = Timer()
    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    timer.add("migrate", 0, time.perf_counter() - started)
    if args.reset:
        reset(timer)
    elif Order.objects.exists():
        sys.exit("seed_scale: the database already has orders; pass --reset to empty it first.")

    rng = random.Random(args.seed)
    now = float(int(time.time()))
    buyers = args.buyers if args.buyers is not None else max(1, round(args.orders * 0.3))
    with connection.cursor() as cursor:
        raw = cursor.connection
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")
    print(
        f"seeding {connection.settings_dict['NAME']}: {args.orders:,} orders, {buyers:,} buyers, "
        f"{args.claims:,} claims ({args.open_share:.0%} open)",
        flush=True,
    )

    with transaction.atomic():
        stores, agents, managers = create_people(timer)
    # The counts the database keeps on write (hour counts, win tallies, buyers' claims…) are
    # counted once at the end instead of by their triggers row by row: with the triggers on,
    # COPY of 200,000 claims took 290 s instead of seconds. (The foreign keys' own triggers
    # are skipped too: the rows are made to point at rows made before them.)
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
    with transaction.atomic():
        buyer_ranges = copy_buyers(raw, rng, stores, buyers, now, timer)
    with transaction.atomic():
        data = copy_orders_and_lines(raw, rng, stores, buyer_ranges, args.orders, now, timer)
    with transaction.atomic():
        copy_shipments(raw, rng, data, args.orders, now, timer)
    with transaction.atomic():
        claimed = copy_claims(
            raw, rng, stores, agents, managers, data, args.claims, args.open_share, now, timer
        )
    with transaction.atomic():
        copy_tracking(raw, rng, data, claimed, now, timer)
    with transaction.atomic():
        seed_messages(raw, rng, stores, data, args.messages, now, timer)
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = origin")
    recount(timer)
    finish(timer)
    print(
        f"done in {time.perf_counter() - overall:.1f} s. Log in as bench.agent or bench.manager "
        f"(password {PASSWORD})."
    )


if __name__ == "__main__":
    main()
