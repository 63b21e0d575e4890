"""Time of the policy check (messaging/policy.py) on 100,000 characters of several shapes.

    .venv/bin/python bench/policy_check.py [--chars 100000] [--runs 5]

The checker runs on every keyup of the composer and on every view of an appeal, so its time
must grow with the length of the text, never with its square. Each shape is checked in the
appeal context (every rule) and the best and median of the runs are printed, with the number
of findings. Goal: 100,000 characters checked in under 50 ms. The desk itself refuses texts over
policy.MAX_CHARS (20,000) before checking them; this measures the checker beyond that cap.
"""

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

REPLY = (
    "Hello Alex, thank you for your message. We are sorry the lamp arrived late; according to "
    "the carrier it was delivered on 3 May. Could you check with your neighbours and let us "
    "know? We will help either way. "
)


def varied(chars: int, piece) -> str:
    """Pieces made one after another (each different, as in a real text) up to `chars`."""
    rng = random.Random(1)
    parts, length = [], 0
    while length < chars:
        parts.append(piece(rng))
        length += len(parts[-1])
    return "".join(parts)[:chars]


def digits(rng: random.Random, count: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(count))


def order_reply(rng: random.Random) -> str:
    return (
        f"Order {digits(rng, 3)}-{digits(rng, 7)}-{digits(rng, 7)} shipped on 2026-{rng.randint(1, 12):02}-"
        f"{rng.randint(1, 28):02} for ${rng.randint(5, 900)}.{digits(rng, 2)}, tracking 1Z{digits(rng, 16)}. "
    )


def phone_line(rng: random.Random) -> str:
    import phonenumbers

    region = rng.choice(["US", "GB", "DE", "CN", "RU", "JP"])
    number = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    national = str(number.national_number)
    number.national_number = int(national[:-4] + digits(rng, 4))
    style = rng.choice(
        [phonenumbers.PhoneNumberFormat.INTERNATIONAL, phonenumbers.PhoneNumberFormat.NATIONAL]
    )
    return f"{rng.choice(['Call', 'Tel.', 'Mobile:', 'or'])} {phonenumbers.format_number(number, style)}\n"


def shapes(chars: int) -> dict[str, str]:
    def repeat(unit: str) -> str:
        return (unit * (chars // len(unit) + 1))[:chars]

    return {
        "one long token": "a" * chars,
        "many short words": repeat("we are so sorry about the lamp and the box "),
        "a reply, repeated": repeat(REPLY),
        "a long URL-ish run": repeat("shop.example-lamps.co/"),
        "host name run (a.a.a…)": repeat("a."),
        "digits and commas": repeat("1,"),
        "CJK text": repeat("您好，我们已经为您发货了，请注意查收。如有问题请随时联系我们。"),
        "a reply with order ids and dates": repeat("Order 113-4567890-1234567 shipped on 2026-05-03. "),
        "order ids, dates, prices, tracking (all different)": varied(chars, order_reply),
        "digits and spaces (1 1 1…)": repeat("1 "),
        "a page of phone numbers (all different)": varied(chars, phone_line),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chars", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from messaging import policy

    print(f"{args.chars:,} characters, best / median of {args.runs} runs (appeal context, Amazon)")
    for name, text in shapes(args.chars).items():
        times = []
        for _ in range(args.runs):
            started = time.perf_counter()
            findings = policy.check(text, "amazon", "appeal")
            times.append(time.perf_counter() - started)
        print(
            f"  {name:34} {min(times) * 1000:8.1f} ms {statistics.median(times) * 1000:8.1f} ms"
            f"   {len(findings):>6} findings"
        )


if __name__ == "__main__":
    main()
