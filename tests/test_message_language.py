"""The language of a buyer's message (`messaging/language.py`): real-looking messages in each
language the stores' buyers write are told apart, and short or mixed texts are "unknown" rather
than a wrong guess."""

import pytest

from messaging.language import CODES, UNKNOWN, language_of

BUYER_MESSAGES = {
    "en": [
        "Hi, I ordered the blue kettle two weeks ago and it still hasn't arrived. Can you check the tracking please?",
        "Order 114-2233445-5566778 arrived damaged, the glass is cracked. Photos: https://example.com/a.jpg",
    ],
    "de": [
        "Guten Tag, meine Bestellung 302-1234567 ist noch nicht angekommen. Laut Sendungsverfolgung liegt "
        "das Paket seit Tagen im Verteilzentrum. Können Sie bitte nachfragen? Danke, Jürgen",
        "Der Wasserkocher ist defekt angekommen, bitte erstatten Sie mir den Kaufpreis.",
    ],
    "fr": [
        "Bonjour, j'ai commandé cet article il y a deux semaines et je ne l'ai toujours pas reçu. "
        "Pouvez-vous vérifier ?",
        "Le produit est arrivé cassé, je souhaite être remboursé s'il vous plaît.",
    ],
    "es": [
        "Hola, pedí este artículo hace dos semanas y todavía no ha llegado. ¿Pueden revisar el seguimiento?",
        "El producto llegó roto, quiero un reembolso por favor.",
    ],
    "it": [
        "Buongiorno, ho ordinato questo articolo due settimane fa e non è ancora arrivato. "
        "Potete controllare la spedizione?",
        "Il prodotto è arrivato rotto, vorrei un rimborso per favore.",
    ],
    "pt": [
        "Olá, encomendei este artigo há duas semanas e ainda não chegou. Podem verificar o rastreamento?",
        "O produto chegou quebrado, gostaria de um reembolso por favor.",
    ],
    "ru": [
        "Здравствуйте, заказ 0412-5567 до сих пор не пришёл, трек-номер не обновляется уже неделю.",
        "Товар пришёл разбитым, прошу вернуть деньги.",
    ],
    "zh": [
        "你好，我两周前下的订单到现在还没有收到，请帮我查一下物流。",
        "你好，我买的 iPhone 15 Pro 手机壳到现在还没收到，请帮我查一下",
    ],
    "ja": [
        "こんにちは、二週間前に注文した商品がまだ届いていません。追跡番号を確認していただけますか。",
        "商品が壊れて届きました。返金をお願いします。",
    ],
}


@pytest.mark.parametrize(
    ("language", "text"), [(language, text) for language, texts in BUYER_MESSAGES.items() for text in texts]
)
def test_a_buyer_message_is_told_in_its_language(language, text):
    assert language in CODES
    assert language_of(text) == language


@pytest.mark.parametrize(
    "text",
    [
        "ok",
        "Thanks!",
        "Danke",  # German, but one word: the identifier alone would call it Danish or German by chance
        "merci",  # which it calls Spanish
        "Hello",  # which it calls Italian
        "B07XYZ123",
        "?!",
        "",
    ],
)
def test_a_short_text_is_unknown(text):
    assert language_of(text) == UNKNOWN


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("Hello 你好 where is my order 我的订单", ("where is my order", "我的订单在哪里")),
        (
            "Hallo, my package is not here yet, bitte helfen Sie mir schnell, thank you",
            ("my package is not here yet", "bitte helfen Sie mir schnell"),
        ),
    ],
)
def test_a_mixed_text_is_unknown_though_each_part_is_known(text, parts):
    # Each part alone is told: the "unknown" comes from the mixture, not from too little text.
    told = [language_of(part) for part in parts]
    assert UNKNOWN not in told and told[0] != told[1]
    assert language_of(text) == UNKNOWN
