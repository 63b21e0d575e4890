"""The reply library in Russian for the Ozon stores: 16 templates for the situations the
English library covers (returns and refunds through the order on Ozon). This migration holds its
own copy of the texts; a template that already exists (by code) is left as the admin has it."""

from django.db import migrations

FIELDS = ("code", "stage", "platform", "language", "purpose", "title", "note_en", "note_zh", "body")

TEMPLATES = [
    (
        "ozon-order-processing-ru",
        "before_shipping",
        "ozon",
        "ru",
        "",
        "Заказ собирается",
        "Ozon buyer in Russian asks when the order ships; it is still within the handling time.",
        "Ozon 俄语买家询问何时发货、订单仍在处理时间内时使用。",
        "Здравствуйте!\n"
        "\n"
        "Спасибо за заказ {order_id}. Мы собираем товар «{item}» и передадим его в доставку до {ship_by}. "
        "Трек-номер появится в заказе, как только посылку примут в доставку.\n"
        "\n"
        "С уважением,\n"
        "{store_name}",
    ),
    (
        "ozon-out-of-stock-ru",
        "before_shipping",
        "ozon",
        "ru",
        "",
        "Товар закончился после заказа",
        "Ozon, Russian: the item sold out after the order; cancel with a full refund.",
        "Ozon 俄语：买家下单后商品缺货时使用，取消订单并全额退款。",
        "Здравствуйте!\n"
        "\n"
        "К сожалению, товар «{item}» из заказа {order_id} закончился до отправки. Мы не хотим, чтобы вы ждали без "
        "срока, поэтому отменим заказ, и {amount} вернутся тем же способом, которым вы платили.\n"
        "\n"
        "Приносим извинения за неудобства.\n"
        "\n"
        "С уважением,\n"
        "{store_name}",
    ),
    (
        "ozon-shipped-tracking-ru",
        "after_shipping",
        "ozon",
        "ru",
        "",
        "Отправлен: трек-номер",
        "Ozon, Russian: the order has shipped; give the carrier and tracking number in plain text.",
        "Ozon 俄语：订单已发货，以纯文本告知承运商和运单号。",
        "Здравствуйте!\n"
        "\n"
        "Заказ {order_id} отправлен {ship_date} службой {carrier}. Трек-номер: {tracking_number}. Ориентировочная "
        "дата доставки: {expected_delivery}.\n"
        "\n"
        "Если при получении что-то окажется не так, напишите нам в этом чате, и мы поможем.\n"
        "\n"
        "С уважением,\n"
        "{store_name}",
    ),
    (
        "ozon-in-transit-wait-ru",
        "after_shipping",
        "ozon",
        "ru",
        "",
        "В пути, срок ещё не прошёл",
        "Ozon, Russian: the parcel is moving and still within the delivery estimate.",
        "Ozon 俄语：包裹正常运输中、仍在预计送达时间内时使用。",
        "Здравствуйте!\n"
        "\n"
        "Спасибо, что следите за заказом {order_id}. По данным службы {carrier}, посылка {tracking_number} в пути "
        "и должна прибыть до {expected_delivery}. Мы тоже следим за ней; если к этой дате посылка не придёт, "
        "напишите нам здесь, и мы всё решим.\n"
        "\n"
        "С уважением,\n"
        "{store_name}",
    ),
    (
        "ozon-lost-in-transit-ru",
        "after_shipping",
        "ozon",
        "ru",
        "",
        "Посылка не движется: поиск или отмена с возвратом денег",
        "Ozon, Russian: tracking has not moved for days; the carrier is tracing it, offer a refund through Ozon.",
        "Ozon 俄语：物流多日未更新时使用，已请承运商查找，并可通过 Ozon 退款。",
        "Здравствуйте!\n"
        "\n"
        "Спасибо за терпение. Отслеживание посылки {tracking_number} по заказу {order_id} давно не обновлялось, и "
        "мы попросили службу {carrier} её найти. Если вы не хотите ждать, оформите отмену или возврат в заказе на "
        "Ozon: мы сразу одобрим заявку, и {amount} вернутся полностью.\n"
        "\n"
        "Как только появятся новости о посылке, мы напишем в этом чате.\n"
        "\n"
        "С уважением,\n"
        "{store_name}",
    ),
    (
        "ozon-delivered-check-ru",
        "after_shipping",
        "ozon",
        "ru",
        "",
        "Доставлен: всё ли в порядке?",
        "Ozon, Russian: right after a delivery scan, a short check that the item arrived in good condition.",
        "Ozon 俄语：物流显示签收后，简短确认商品完好。",
        "Здравствуйте!\n"
        "\n"
        "Заказ {order_id} доставлен {delivery_date}. Надеемся, товар «{item}» пришёл в хорошем состоянии. Если "
        "чего-то не хватает или есть повреждения, напишите в этом чате, и мы быстро всё решим.\n"
        "\n"
        "С уважением,\n"
        "{store_name}",
    ),
    (
        "ozon-delivered-not-found-ru",
        "after_shipping",
        "ozon",
        "ru",
        "",
        "Доставлен, но покупатель не нашёл",
        "Ozon, Russian: tracking says delivered but the buyer cannot find it; suggest the pick-up point first.",
        "Ozon 俄语：物流显示已签收但买家找不到包裹时使用，先建议到自提点查询。",
        "Здравствуйте!\n"
        "\n"
        "Нам жаль, что заказ {order_id} не удаётся найти. Служба {carrier} отметила доставку посылки "
        "{tracking_number} {delivery_date}. Если заказ ехал в пункт выдачи, уточните, пожалуйста, у его "
        "сотрудников; если курьером, спросите у соседей или на ресепшене. Мы уже отправили запрос в службу "
        "доставки.\n"
        "\n"
        "Если посылка не найдётся за два дня, напишите нам здесь, и мы предложим замену или возврат денег.\n"
        "\n"
        "С уважением,\n"
        "{store_name}",
    ),
    (
        "ozon-not-as-described-ru",
        "dispute",
        "ozon",
        "ru",
        "",
        "Не соответствует описанию: уточнить детали",
        "Ozon, Russian: the buyer says the item differs from the listing; ask exactly what differs.",
        "Ozon 俄语：买家称商品与描述不符时使用，询问具体差异。",
        "Здравствуйте!\n"
        "\n"
        "Спасибо, что сообщили, и нам жаль, что товар «{item}» оказался не таким, как вы ожидали. Чтобы "
        "разобраться, напишите, пожалуйста, чем именно он отличается от описания, и приложите несколько чётких "
        "фотографий. Как только получим их, предложим решение.\n"
        "\n"
        "С уважением,\n"
        "{store_name}",
    ),
    (
        "ozon-damaged-photos-ru",
        "dispute",
        "ozon",
        "ru",
        "",
        "Пришёл повреждённым: попросить фото",
        "Ozon, Russian: the buyer reports damage; ask for photos of the damage and the packaging.",
        "Ozon 俄语：买家反映商品损坏时使用，请买家拍摄损坏处和包装的照片。",
        "Здравствуйте!\n"
        "\n"
        "Нам очень жаль, что товар «{item}» из заказа {order_id} пришёл повреждённым, и спасибо, что сообщили. "
        "Чтобы быстро помочь, пришлите, пожалуйста, в этот чат фотографии повреждения, коробки и упаковки внутри с "
        "нескольких сторон. После этого мы предложим замену или возврат денег.\n"
        "\n"
        "С уважением,\n"
        "{store_name}",
    ),
    (
        "ozon-partial-delivery-ru",
        "dispute",
        "ozon",
        "ru",
        "",
        "Неполный комплект: что пришло",
        "Ozon, Russian: only part of the order arrived; ask what arrived before acting.",
        "Ozon 俄语：买家只收到部分商品时使用，先确认收到了哪些。",
        "Здравствуйте!\n"
        "\n"
        "Спасибо за сообщение по заказу {order_id}, и простите, что он пришёл неполным. Напишите, пожалуйста, "
        "какие товары или детали вы получили, и по возможности пришлите фото содержимого посылки. Недостающее мы "
        "отправим сразу.\n"
        "\n"
        "С уважением,\n"
        "{store_name}",
    ),
    (
        "ozon-seller-fault-apology-ru",
        "dispute",
        "ozon",
        "ru",
        "",
        "Наша ошибка: извинение и возврат",
        "Ozon, Russian: the seller was at fault (wrong item or size); apologise and approve the return at once.",
        "Ozon 俄语：卖家出错（发错货、尺码错误）时使用，道歉并立即同意退货。",
        "Здравствуйте!\n"
        "\n"
        "Вы правы, и мы приносим извинения: ошибка с заказом {order_id} произошла по нашей вине. Оформите, "
        "пожалуйста, возврат в заказе на Ozon с причиной «получен не тот товар»: мы сразу одобрим заявку, доставка "
        "для вас бесплатна, и {amount} вернутся полностью.\n"
        "\n"
        "С уважением,\n"
        "{store_name}",
    ),
    (
        "ozon-upset-buyer-first-ru",
        "dispute",
        "ozon",
        "ru",
        "",
        "Недовольный покупатель: первый ответ",
        "Ozon, Russian: the buyer is angry; acknowledge the feeling first, then say what you are doing.",
        "Ozon 俄语：买家情绪激动时的第一次回复：先安抚情绪，再说明处理措施。",
        "Здравствуйте!\n"
        "\n"
        "Спасибо, что написали, и простите, что так вышло: мы понимаем, как это неприятно. Мы уже разбираемся с "
        "заказом {order_id} и в течение 24 часов ответим в этом чате, что выяснили и как всё исправим.\n"
        "\n"
        "С уважением,\n"
        "{store_name}",
    ),
    (
        "ozon-return-terms-ru",
        "return",
        "ozon",
        "ru",
        "",
        "Возврат по желанию покупателя",
        "Ozon, Russian: the buyer changed their mind; returns go through the order page on Ozon.",
        "Ozon 俄语：买家无理由退货时使用，退货通过 Ozon 订单页面办理。",
        "Здравствуйте!\n"
        "\n"
        "Конечно, товар «{item}» из заказа {order_id} можно вернуть. Оформите, пожалуйста, заявку на возврат в "
        "заказе на Ozon и выберите удобный пункт выдачи. Товар должен быть без следов использования и в "
        "оригинальной упаковке. Деньги вернутся, как только возврат поступит к нам.\n"
        "\n"
        "С уважением,\n"
        "{store_name}",
    ),
    (
        "ozon-return-received-refund-ru",
        "return",
        "ozon",
        "ru",
        "",
        "Возврат получен, деньги возвращены",
        "Ozon, Russian: the return arrived; confirm the refund.",
        "Ozon 俄语：已收到退货并退款时使用。",
        "Здравствуйте!\n"
        "\n"
        "Ваш возврат по заказу {order_id} поступил к нам, и мы одобрили возврат {amount}. Обычно деньги приходят в "
        "течение 3–5 рабочих дней, в зависимости от банка.\n"
        "\n"
        "Спасибо за терпение.\n"
        "\n"
        "С уважением,\n"
        "{store_name}",
    ),
    (
        "ozon-negative-review-recovery-ru",
        "review",
        "ozon",
        "ru",
        "",
        "После негативного отзыва: помощь с проблемой",
        "Ozon, Russian: after a poor review, offer help with the problem only; never mention the review.",
        "Ozon 俄语：买家留下差评后使用，只提供问题的解决方案，不要提及评价。",
        "Здравствуйте!\n"
        "\n"
        "Нам жаль, что заказ {order_id} не оправдал ваших ожиданий. Мы хотим понять, что пошло не так с товаром "
        "«{item}», и помочь. Если он неисправен или повреждён, мы предложим замену или возврат денег: просто "
        "напишите в этом чате.\n"
        "\n"
        "С уважением,\n"
        "{store_name}",
    ),
    (
        "ozon-claim-not-received-facts-ru",
        "claim",
        "ozon",
        "ru",
        "",
        "Претензия «не получен»: данные отслеживания",
        "Ozon, Russian: a not-received dispute where tracking shows delivery; share the facts neutrally.",
        "Ozon 俄语：“未收到货”纠纷但物流显示已签收时使用，中立陈述事实。",
        "Здравствуйте!\n"
        "\n"
        "Спасибо за терпение. По данным службы {carrier}, посылка {tracking_number} по заказу {order_id} "
        "доставлена {delivery_date}. Понимаем, что у вас её может не быть: уточните, пожалуйста, в пункте выдачи "
        "или у соседей. Мы отправили запрос в службу доставки и сообщим результат в этом чате.\n"
        "\n"
        "С уважением,\n"
        "{store_name}",
    ),
]


def forwards(apps, schema_editor):
    ReplyTemplate = apps.get_model("messaging", "ReplyTemplate")
    for row in TEMPLATES:
        values = dict(zip(FIELDS, row, strict=True))
        ReplyTemplate.objects.get_or_create(code=values.pop("code"), defaults=values)


def backwards(apps, schema_editor):
    ReplyTemplate = apps.get_model("messaging", "ReplyTemplate")
    ReplyTemplate.objects.filter(code__in=[row[0] for row in TEMPLATES]).delete()


class Migration(migrations.Migration):
    dependencies = [("messaging", "0006_template_favourites_and_recent_use")]

    operations = [migrations.RunPython(forwards, backwards)]
