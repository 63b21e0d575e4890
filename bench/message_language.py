"""Cost of telling a buyer message's language (messaging/language.py), run by the rule condition
"the buyer's message is written in" on every buyer message a store with such a rule receives.

    .venv/bin/python bench/message_language.py [--messages 20000]

Prints the one-off load of the identifier's model (once per worker process) and the CPU and wall
time per message over a mix of real-looking messages (nine languages, short and mixed texts),
with how many came out "unknown". Goal: well under a millisecond a message once loaded.
"""

import argparse
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MESSAGES = [
    "Hi, I ordered the blue kettle two weeks ago and it still hasn't arrived. Can you check the tracking please?",
    "Guten Tag, meine Bestellung ist noch nicht angekommen. Können Sie bitte beim Versand nachfragen?",
    "Bonjour, le produit est arrivé cassé, je souhaite être remboursé s'il vous plaît.",
    "Hola, pedí este artículo hace dos semanas y todavía no ha llegado. ¿Pueden revisar el seguimiento?",
    "Buongiorno, il prodotto è arrivato rotto, vorrei un rimborso per favore.",
    "Olá, encomendei este artigo há duas semanas e ainda não chegou. Podem verificar o rastreamento?",
    "Здравствуйте, заказ до сих пор не пришёл, трек-номер не обновляется уже неделю.",
    "你好，我两周前下的订单到现在还没有收到，请帮我查一下物流。",
    "商品が壊れて届きました。返金をお願いします。",
    "Thanks!",
    "Hallo, my package is not here yet, bitte helfen Sie mir schnell, thank you",
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=20000)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from messaging import language

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    cpu, wall = time.process_time(), time.perf_counter()
    language.language_of(MESSAGES[0])
    print(
        f"model load and first message: {time.process_time() - cpu:.2f} s CPU, {time.perf_counter() - wall:.2f} s wall"
    )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with open("/proc/self/status") as status:
        resident = next(int(line.split()[1]) / 1024 for line in status if line.startswith("VmRSS:"))
    texts = [MESSAGES[n % len(MESSAGES)] for n in range(args.messages)]
    cpu, wall = time.process_time(), time.perf_counter()
    unknown = sum(1 for text in texts if language.language_of(text) == language.UNKNOWN)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    print(
        f"{args.messages} messages: {cpu * 1e6 / args.messages:.0f} µs CPU, {wall * 1e6 / args.messages:.0f} µs wall each"
    )
    print(f"unknown: {unknown} ({unknown * 100 / args.messages:.0f} %)")
    print(f"RSS: peak {rss:.0f} MB ({rss - before:.0f} MB while loading the model), {resident:.0f} MB after")
    print(f"load: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
