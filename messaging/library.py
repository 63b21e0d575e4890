"""The reply library the desk ships with: one template per situation a customer-service team
meets, each with a note (English and Chinese) saying when to use it.

Admins edit the rows in Django admin; these are starting values. A new database gets them from
the migrations messaging/migrations/0002_squashed_reply_library.py, 0004 (one fact per
placeholder) and 0006 (the Russian set), which hold their own copies (tests/test_migrations.py
checks they agree with this list); the tests, whose database flushes remove
migration data, and the demo install them from here. Every text passes the policy
checker (`manage.py lint_templates`)."""

# code, stage, platform ("" = all), language, purpose, title, note_en, note_zh, body
TEMPLATES = [
    (
        "payment-pending",
        "payment",
        "",
        "en",
        "",
        "Payment still pending",
        "The platform shows the payment as pending; the buyer asks why the order has not moved.",
        "平台显示付款待处理，买家询问订单为何没有进展时使用。",
        "Hello {buyer_name},\n\nThank you for your order {order_id}. According to our records the payment "
        "is still being confirmed by the platform, so the order cannot ship yet. This usually clears within "
        "a day; nothing is needed from you unless the platform asks you to update your payment method.\n\n"
        "We will ship {item} as soon as the payment is confirmed.\n\nKind regards,\n{store_name}",
    ),
    (
        "payment-unpaid",
        "payment",
        "",
        "en",
        "",
        "Order not paid",
        "The order was placed but never paid; send once, do not chase again.",
        "订单已下但未付款时发送一次，不要反复催促。",
        "Hello {buyer_name},\n\nWe noticed that order {order_id} for {item} has not been paid yet. If you "
        "still want it, the platform's order page lets you complete the payment. If you changed your mind, "
        "no action is needed and the order will be cancelled automatically.\n\nKind regards,\n{store_name}",
    ),
    (
        "out-of-stock",
        "before_shipping",
        "",
        "en",
        "",
        "Out of stock after the order",
        "The item sold out after the buyer ordered; offer cancellation with a full refund.",
        "买家下单后商品缺货时使用，提供取消订单并全额退款。",
        "Hello {buyer_name},\n\nWe are sorry: {item} from order {order_id} sold out before we could ship it, "
        "and we do not want to keep you waiting without a date. We will cancel the order and the full "
        "amount of {amount} will be returned to your original payment method.\n\nWe apologise for the "
        "inconvenience.\n\nKind regards,\n{store_name}",
    ),
    (
        "remote-area-surcharge",
        "before_shipping",
        "",
        "en",
        "",
        "Remote-area delivery",
        "The address is in a remote area the carrier charges more for; explain the options before shipping.",
        "收货地址属于偏远地区、承运商加收费用时，发货前说明可选方案。",
        "Hello {buyer_name},\n\nThank you for order {order_id}. The delivery address is in an area our "
        "carrier treats as remote, which adds a few days to the delivery time. We will cover the carrier's "
        "surcharge ourselves. If the longer delivery time does not suit you, reply in this thread and we will "
        "cancel the order with a full refund.\n\nKind regards,\n{store_name}",
    ),
    (
        "slower-carrier",
        "before_shipping",
        "",
        "en",
        "",
        "Shipped with a slower carrier",
        "The chosen shipping service was not available and a slower one had to be used.",
        "买家选择的物流服务不可用、改用较慢的物流时使用。",
        "Hello {buyer_name},\n\nWe want to let you know about a change to order {order_id}: the shipping "
        "service you chose was not available from our warehouse this week, so {item} is travelling with "
        "{carrier} instead, tracking number {tracking_number}. The expected delivery date is {expected_delivery}. "
        "We are sorry for the slower service; if the new date is a problem, please tell us here.\n\n"
        "Kind regards,\n{store_name}",
    ),
    (
        "holiday-delay",
        "before_shipping",
        "",
        "en",
        "",
        "Holiday delay",
        "Public holidays slow down dispatch or the carrier; set expectations early.",
        "节假日导致发货或物流变慢时，提前告知买家。",
        "Hello {buyer_name},\n\nThank you for order {order_id}. Because of the public holidays, carriers are "
        "collecting less often this week. We expect {item} to leave our warehouse by {ship_by} and we will "
        "send you the tracking number as soon as it has one.\n\nThank you for your patience.\n\n"
        "Kind regards,\n{store_name}",
    ),
    (
        "order-processing",
        "before_shipping",
        "",
        "en",
        "",
        "Order being prepared",
        "The buyer asks when the order will ship and it is still within the handling time.",
        "买家询问何时发货、订单仍在处理时间内时使用。",
        "Hello {buyer_name},\n\nThank you for your message about order {order_id}. {item} is being prepared "
        "and will ship by {ship_by}. You will see the tracking number on the order page once the carrier "
        "has scanned the parcel.\n\nKind regards,\n{store_name}",
    ),
    (
        "shipped-tracking",
        "after_shipping",
        "",
        "en",
        "",
        "Shipped, with tracking",
        "The order has shipped; give the carrier and tracking number in plain text.",
        "订单已发货，以纯文本告知承运商和运单号。",
        "Hello {buyer_name},\n\nGood news: order {order_id} shipped on {ship_date} with {carrier}. The "
        "tracking number is {tracking_number}, and the expected delivery date is {expected_delivery}.\n\n"
        "If anything is not right when {item} arrives, reply in this thread and we will help.\n\n"
        "Kind regards,\n{store_name}",
    ),
    (
        "lost-in-transit",
        "after_shipping",
        "",
        "en",
        "",
        "Lost in transit: resend or refund",
        "Tracking has not moved for a long time or the carrier confirms the parcel is lost.",
        "物流长时间未更新或承运商确认包裹丢失时使用，提供重发或退款。",
        "Hello {buyer_name},\n\nThank you for your patience with order {order_id}. The tracking for "
        "{tracking_number} has not moved for several days, and we have asked {carrier} to trace the parcel. "
        "We do not want you to wait any longer, so please choose what suits you best:\n\n"
        "1. We send a new {item} today, at our cost.\n2. We refund {amount} in full.\n\n"
        "Reply in this thread with your choice and we will act the same day.\n\nKind regards,\n{store_name}",
    ),
    (
        "in-transit-wait",
        "after_shipping",
        "",
        "en",
        "",
        "In transit, please wait",
        "The parcel is moving and still within the delivery estimate.",
        "包裹正常运输中、仍在预计送达时间内时使用。",
        "Hello {buyer_name},\n\nThank you for checking on order {order_id}. According to {carrier}, the "
        "parcel ({tracking_number}) is on its way and is expected by {expected_delivery}. We are watching the "
        "tracking too; if it has not arrived by then, tell us here and we will put it right.\n\n"
        "Kind regards,\n{store_name}",
    ),
    (
        "held-at-customs",
        "after_shipping",
        "",
        "en",
        "",
        "Held at customs",
        "Tracking shows the parcel held by customs; explain and say what the buyer may need to do.",
        "物流显示包裹被海关扣留时使用，说明情况及买家可能需要做的事。",
        "Hello {buyer_name},\n\nThe tracking for order {order_id} ({tracking_number}) shows the parcel is "
        "being checked by customs. This is routine and usually takes a few working days. If customs contacts "
        "you for details, the invoice value is {amount}. We are following it with {carrier} and will update "
        "you in this thread as soon as it moves.\n\nKind regards,\n{store_name}",
    ),
    (
        "delivered-not-found",
        "after_shipping",
        "",
        "en",
        "",
        "Delivered but not found",
        "Tracking says delivered but the buyer cannot find the parcel; suggest the usual places first.",
        "物流显示已签收但买家找不到包裹时使用，先建议常见的查找方式。",
        "Hello {buyer_name},\n\nWe are sorry you have not found order {order_id}. {carrier} recorded the "
        "delivery of {tracking_number} on {delivery_date}. Parcels are often left with a neighbour, in a "
        "safe place such as a porch or mailroom, or kept at the local post office. Could you check those "
        "places? We have also opened an inquiry with {carrier}.\n\nIf it does not turn up within two days, "
        "tell us here and we will send a replacement or refund you.\n\nKind regards,\n{store_name}",
    ),
    (
        "delivered-check",
        "after_shipping",
        "",
        "en",
        "",
        "Delivered: is everything all right?",
        "Right after delivery, a short check that the item arrived in good condition.",
        "签收后简短确认商品完好。",
        "Hello {buyer_name},\n\nOrder {order_id} was delivered on {delivery_date}. We hope {item} arrived in "
        "good condition. If anything is missing or damaged, reply in this thread and we will sort it out "
        "quickly.\n\nKind regards,\n{store_name}",
    ),
    (
        "not-as-described",
        "dispute",
        "",
        "en",
        "",
        "Not as described: ask for details",
        "The buyer says the item differs from the listing; thank them and ask exactly what differs.",
        "买家称商品与描述不符时使用，先感谢再询问具体差异。",
        "Hello {buyer_name},\n\nThank you for telling us, and we are sorry {item} is not what you expected. "
        "We are looking into it now. To understand what went wrong, could you tell us what differs from the "
        "listing, and send a few clear photos that show it? As soon as we have them we will offer you a "
        "solution.\n\nKind regards,\n{store_name}",
    ),
    (
        "damaged-photos",
        "dispute",
        "",
        "en",
        "",
        "Arrived damaged: ask for photos",
        "The buyer reports damage; ask for photos or a short video from several angles, packaging included.",
        "买家反映商品损坏时使用，请买家从多个角度拍照或录视频，包括包装。",
        "Hello {buyer_name},\n\nWe are sorry that {item} from order {order_id} arrived damaged, and thank you "
        "for letting us know. So that we can help quickly and report it to {carrier}, please send clear "
        "photos or a short video from several angles, showing the damage, the outer box and the packing "
        "inside. We will then offer you a replacement or a refund.\n\nKind regards,\n{store_name}",
    ),
    (
        "partial-delivery",
        "dispute",
        "",
        "en",
        "",
        "Partial delivery: ask what arrived",
        "The buyer received only part of the order; ask what arrived before acting.",
        "买家只收到部分商品时使用，先确认收到了哪些。",
        "Hello {buyer_name},\n\nThank you for your message about order {order_id}. We are sorry it did not "
        "arrive complete. Could you tell us which items or parts you received, and send a photo of the "
        "contents with the packing slip if you still have it? We will send whatever is missing straight "
        "away.\n\nKind regards,\n{store_name}",
    ),
    (
        "missing-part-resend",
        "dispute",
        "",
        "en",
        "",
        "Missing part: we are resending it",
        "The missing part is confirmed; tell the buyer it is on its way.",
        "已确认缺少配件时使用，告知买家补发中。",
        "Hello {buyer_name},\n\nThank you for the details. We are sending the missing part for {item} today "
        "with {carrier}; the tracking number is {tracking_number}. You do not need to return anything. We "
        "apologise for the trouble.\n\nKind regards,\n{store_name}",
    ),
    (
        "dispute-escalated",
        "dispute",
        "",
        "en",
        "",
        "Dispute escalated: still offering to resolve",
        "The buyer opened a case with the platform; stay calm and repeat the offer to resolve it.",
        "买家已向平台升级纠纷时使用，保持冷静并再次提出解决方案。",
        "Hello {buyer_name},\n\nWe have seen that you contacted the platform about order {order_id}. We "
        "understand, and we would still like to resolve this with you directly and quickly. We can send a "
        "replacement of {item} or refund {amount}, whichever you prefer. Reply in this thread and we will "
        "act the same day.\n\nKind regards,\n{store_name}",
    ),
    (
        "evidence-options",
        "dispute",
        "",
        "en",
        "",
        "Photos received: offer options",
        "The buyer's photos confirm the problem; offer clear options.",
        "买家的照片确认了问题时使用，提供明确选项。",
        "Hello {buyer_name},\n\nThank you for the photos; they make the problem clear and we are sorry about "
        "it. Please choose the option that suits you:\n\n1. Keep {item} and receive a partial refund.\n"
        "2. Return it for a replacement.\n3. Return it for a full refund of {amount}.\n\n"
        "Return shipping is on us. Reply here with your choice.\n\nKind regards,\n{store_name}",
    ),
    (
        "partial-refund-done",
        "dispute",
        "",
        "en",
        "",
        "Partial refund accepted and issued",
        "The buyer accepted a partial refund; confirm it was issued.",
        "买家接受部分退款后确认已退款。",
        "Hello {buyer_name},\n\nThank you for agreeing to this solution. We have issued the partial refund "
        "of {amount} for order {order_id} today. Depending on your bank it appears within 3 to 5 working "
        "days. You may keep {item}.\n\nKind regards,\n{store_name}",
    ),
    (
        "seller-fault-apology",
        "dispute",
        "",
        "en",
        "",
        "Our mistake: apology and fix",
        "The seller was at fault (wrong item, wrong size, late dispatch); apologise and make it right fast.",
        "卖家出错（发错货、尺码错误、发货延迟）时使用，道歉并尽快补救。",
        "Hello {buyer_name},\n\nYou are right, and we apologise: the mistake with order {order_id} was ours. "
        "We are sending the correct {item} today with {carrier}, and you do not need to send anything back. "
        "If you would rather have a refund of {amount}, tell us here and we will issue it at once.\n\n"
        "Kind regards,\n{store_name}",
    ),
    (
        "upset-buyer-first",
        "dispute",
        "",
        "en",
        "",
        "Upset buyer: first reply",
        "The buyer is angry; acknowledge the feeling first, then say what you are doing.",
        "买家情绪激动时的第一次回复：先安抚情绪，再说明处理措施。",
        "Hello {buyer_name},\n\nThank you for writing to us, and we are sorry this has been so frustrating. "
        "We take it seriously and are looking into order {order_id} now. You will hear from us in this "
        "thread within 24 hours with what we found and how we will put it right.\n\nKind regards,\n"
        "{store_name}",
    ),
    (
        "return-terms",
        "return",
        "",
        "en",
        "",
        "Buyer's remorse: return terms and address",
        "The buyer changed their mind; give the return terms and the return address.",
        "买家无理由退货时使用，说明退货条件并提供退货地址。",
        "Hello {buyer_name},\n\nNo problem, you can return {item} from order {order_id}. Please send it unused "
        "and in its original packaging to:\n\n{return_address}\n\nPlease use a tracked service and tell us "
        "the tracking number in this thread. We refund the item price as soon as the return arrives; the "
        "return postage is yours, as the item is not faulty.\n\nKind regards,\n{store_name}",
    ),
    (
        "return-not-received",
        "return",
        "",
        "en",
        "",
        "Return not yet received: ask for tracking",
        "The buyer says they sent the return but it has not arrived; ask for the tracking number.",
        "买家称已寄回但尚未收到退货时使用，询问退货运单号。",
        "Hello {buyer_name},\n\nThank you for sending {item} back. It has not reached us yet. Could you share "
        "the return tracking number in this thread? We will follow it and refund you as soon as it arrives.\n\n"
        "Kind regards,\n{store_name}",
    ),
    (
        "return-received-refund",
        "return",
        "",
        "en",
        "",
        "Return received, refund issued",
        "The return arrived; confirm the refund.",
        "已收到退货并退款时使用。",
        "Hello {buyer_name},\n\nYour return for order {order_id} arrived today and we have issued the refund "
        "of {amount}. It usually shows on your statement within 3 to 5 working days.\n\nThank you for your "
        "patience.\n\nKind regards,\n{store_name}",
    ),
    (
        "replacement-shipped",
        "return",
        "",
        "en",
        "",
        "Replacement shipped",
        "A replacement went out; give its tracking.",
        "补发商品已寄出时使用，告知运单号。",
        "Hello {buyer_name},\n\nYour replacement {item} for order {order_id} left our warehouse today with "
        "{carrier}; the tracking number is {tracking_number}. We are sorry again for the trouble with the "
        "first one.\n\nKind regards,\n{store_name}",
    ),
    (
        "negative-review-recovery",
        "review",
        "",
        "en",
        "",
        "After a negative review: service recovery",
        "A buyer left a poor review; offer help with the problem only. Never mention the review with a refund or ask to change it.",
        "买家留下差评后使用：只提供问题的解决方案，切勿将退款与评价挂钩，也不要要求修改评价。",
        "Hello {buyer_name},\n\nWe are sorry that order {order_id} did not meet your expectations. We would "
        "like to understand what went wrong with {item} and help. If it is faulty or damaged, we can send a "
        "replacement or refund you; just tell us in this thread.\n\nKind regards,\n{store_name}",
    ),
    (
        "review-request",
        "review",
        "",
        "en",
        "review_request",
        "Neutral review request (once per order)",
        "After a problem-free delivery; send at most once per order, never after a complaint.",
        "顺利签收后使用；每个订单最多发送一次，买家投诉后不要发送。",
        "Hello {buyer_name},\n\nWe hope you are happy with {item}. If you have a moment, please share your "
        "honest experience of order {order_id} on the platform; it helps other buyers.\n\n"
        "Kind regards,\n{store_name}",
    ),
    (
        "claim-first-reply",
        "claim",
        "",
        "en",
        "",
        "Claim filed: first calm reply",
        "The buyer filed a claim; reply calmly, state the known facts and offer to resolve.",
        "买家已提交索赔时的第一次回复：语气平和，陈述已知事实并提出解决方案。",
        "Hello {buyer_name},\n\nThank you for contacting us about order {order_id}. We are sorry for the "
        "trouble and are investigating now. According to our records, {item} shipped on {ship_date} with "
        "{carrier}, tracking number {tracking_number}. We would like to resolve this with you: tell us what "
        "happened and we will offer a replacement or a refund.\n\nKind regards,\n{store_name}",
    ),
    (
        "claim-not-received-facts",
        "claim",
        "",
        "en",
        "",
        "Claim, not received: the tracking facts",
        "An item-not-received claim where tracking shows delivery; share the facts neutrally.",
        "“未收到货”索赔但物流显示已签收时使用，中立陈述事实。",
        "Hello {buyer_name},\n\nThank you for your patience. According to {carrier}, parcel {tracking_number} "
        "for order {order_id} was delivered on {delivery_date}. We understand it may still be missing for "
        "you: please check with neighbours and your local post office. We have opened an inquiry with "
        "{carrier} and will share the result here.\n\nKind regards,\n{store_name}",
    ),
    (
        "chargeback-reply",
        "claim",
        "",
        "en",
        "",
        "Chargeback: reach out to the buyer",
        "The buyer disputed the charge with the bank; ask what went wrong and offer a solution.",
        "买家向银行发起拒付时使用，询问原因并提出解决方案。",
        "Hello {buyer_name},\n\nWe were told that the payment for order {order_id} was disputed with your "
        "bank. We are sorry if something went wrong with {item}. Please tell us in this thread what "
        "happened; we can refund {amount} directly, which is usually quicker for you than the bank's "
        "process.\n\nKind regards,\n{store_name}",
    ),
    (
        "ozon-claim-first-reply-ru",
        "claim",
        "ozon",
        "ru",
        "",
        "Претензия: первый ответ",
        "Ozon buyer in Russian: first calm reply to a dispute.",
        "Ozon 俄语买家：纠纷的第一次平和回复。",
        "Здравствуйте, {buyer_name}!\n\nСпасибо, что написали нам по заказу {order_id}. Нам жаль, что возникла "
        "проблема, и мы уже разбираемся. По нашим данным, товар «{item}» отправлен {ship_date} службой "
        "{carrier}, трек-номер {tracking_number}. Опишите, пожалуйста, что произошло, и мы предложим замену "
        "или возврат денег.\n\nС уважением,\n{store_name}",
    ),
    (
        "off-platform-notice-file",
        "off_platform",
        "",
        "en",
        "off_platform_notice",
        "Off-platform notice: a file too large for the platform",
        "Only after the internal note: a file (defect video, drawing) cannot go through the platform.",
        "必须先写内部备注：文件（缺陷视频、图纸）无法通过平台传送时使用。",
        "Hello {buyer_name},\n\nThe video you would like to send about order {order_id} is larger than the "
        "platform's messages can carry. For that file only, we will send you a secure upload link by e-mail "
        "from our authorised address. Everything else stays here, and our final answer will come back in "
        "this thread.\n\nKind regards,\n{store_name}",
    ),
    (
        "off-platform-notice-safety",
        "off_platform",
        "",
        "en",
        "off_platform_notice",
        "Off-platform notice: an urgent safety matter",
        "Only after the internal note: an urgent safety or regulatory matter (for example a recall).",
        "必须先写内部备注：紧急的安全或法规事项（如召回）时使用。",
        "Hello {buyer_name},\n\nThis is an important safety notice about {item} from order {order_id}. "
        "Because it is urgent, our safety team will also call you by phone. Please stop using the item until "
        "then. The outcome and everything we agree will be confirmed in this thread.\n\nKind regards,\n"
        "{store_name}",
    ),
    (
        "off-platform-summary",
        "off_platform",
        "",
        "en",
        "closing_summary",
        "Closing summary in the thread",
        "After any contact outside the platform: say here what was done, so the thread is complete.",
        "在平台外沟通之后使用：在平台会话中总结处理结果，使记录完整。",
        "Hello {buyer_name},\n\nTo close the loop on order {order_id}: we received the file you sent outside "
        "the platform and reviewed it. Today we refunded {amount} to your original payment method. "
        "Thank you for your help; if you have any other question, please ask in this thread.\n\n"
        "Kind regards,\n{store_name}",
    ),
    # Russian, for the Ozon stores (their buyers write Russian). Returns and refunds go through the
    # order on Ozon; a Russian greeting needs no name, which Ozon rarely shares.
    (
        "ozon-order-processing-ru",
        "before_shipping",
        "ozon",
        "ru",
        "",
        "Заказ собирается",
        "Ozon buyer in Russian asks when the order ships; it is still within the handling time.",
        "Ozon 俄语买家询问何时发货、订单仍在处理时间内时使用。",
        "Здравствуйте!\n\nСпасибо за заказ {order_id}. Мы собираем товар «{item}» и передадим его в доставку "
        "до {ship_by}. Трек-номер появится в заказе, как только посылку примут в доставку.\n\n"
        "С уважением,\n{store_name}",
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
        "Здравствуйте!\n\nК сожалению, товар «{item}» из заказа {order_id} закончился до отправки. Мы не хотим, "
        "чтобы вы ждали без срока, поэтому отменим заказ, и {amount} вернутся тем же способом, которым вы "
        "платили.\n\nПриносим извинения за неудобства.\n\nС уважением,\n{store_name}",
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
        "Здравствуйте!\n\nЗаказ {order_id} отправлен {ship_date} службой {carrier}. Трек-номер: "
        "{tracking_number}. Ориентировочная дата доставки: {expected_delivery}.\n\nЕсли при получении что-то "
        "окажется не так, напишите нам в этом чате, и мы поможем.\n\nС уважением,\n{store_name}",
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
        "Здравствуйте!\n\nСпасибо, что следите за заказом {order_id}. По данным службы {carrier}, посылка "
        "{tracking_number} в пути и должна прибыть до {expected_delivery}. Мы тоже следим за ней; если к этой "
        "дате посылка не придёт, напишите нам здесь, и мы всё решим.\n\nС уважением,\n{store_name}",
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
        "Здравствуйте!\n\nСпасибо за терпение. Отслеживание посылки {tracking_number} по заказу {order_id} "
        "давно не обновлялось, и мы попросили службу {carrier} её найти. Если вы не хотите ждать, оформите "
        "отмену или возврат в заказе на Ozon: мы сразу одобрим заявку, и {amount} вернутся полностью.\n\n"
        "Как только появятся новости о посылке, мы напишем в этом чате.\n\nС уважением,\n{store_name}",
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
        "Здравствуйте!\n\nЗаказ {order_id} доставлен {delivery_date}. Надеемся, товар «{item}» пришёл в "
        "хорошем состоянии. Если чего-то не хватает или есть повреждения, напишите в этом чате, и мы быстро "
        "всё решим.\n\nС уважением,\n{store_name}",
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
        "Здравствуйте!\n\nНам жаль, что заказ {order_id} не удаётся найти. Служба {carrier} отметила доставку "
        "посылки {tracking_number} {delivery_date}. Если заказ ехал в пункт выдачи, уточните, пожалуйста, у "
        "его сотрудников; если курьером, спросите у соседей или на ресепшене. Мы уже отправили запрос в "
        "службу доставки.\n\nЕсли посылка не найдётся за два дня, напишите нам здесь, и мы предложим замену "
        "или возврат денег.\n\nС уважением,\n{store_name}",
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
        "Здравствуйте!\n\nСпасибо, что сообщили, и нам жаль, что товар «{item}» оказался не таким, как вы "
        "ожидали. Чтобы разобраться, напишите, пожалуйста, чем именно он отличается от описания, и приложите "
        "несколько чётких фотографий. Как только получим их, предложим решение.\n\nС уважением,\n{store_name}",
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
        "Здравствуйте!\n\nНам очень жаль, что товар «{item}» из заказа {order_id} пришёл повреждённым, и "
        "спасибо, что сообщили. Чтобы быстро помочь, пришлите, пожалуйста, в этот чат фотографии повреждения, "
        "коробки и упаковки внутри с нескольких сторон. После этого мы предложим замену или возврат денег.\n\n"
        "С уважением,\n{store_name}",
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
        "Здравствуйте!\n\nСпасибо за сообщение по заказу {order_id}, и простите, что он пришёл неполным. "
        "Напишите, пожалуйста, какие товары или детали вы получили, и по возможности пришлите фото "
        "содержимого посылки. Недостающее мы отправим сразу.\n\nС уважением,\n{store_name}",
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
        "Здравствуйте!\n\nВы правы, и мы приносим извинения: ошибка с заказом {order_id} произошла по нашей "
        "вине. Оформите, пожалуйста, возврат в заказе на Ozon с причиной «получен не тот товар»: мы сразу "
        "одобрим заявку, доставка для вас бесплатна, и {amount} вернутся полностью.\n\nС уважением,\n"
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
        "Здравствуйте!\n\nСпасибо, что написали, и простите, что так вышло: мы понимаем, как это неприятно. "
        "Мы уже разбираемся с заказом {order_id} и в течение 24 часов ответим в этом чате, что выяснили и как "
        "всё исправим.\n\nС уважением,\n{store_name}",
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
        "Здравствуйте!\n\nКонечно, товар «{item}» из заказа {order_id} можно вернуть. Оформите, пожалуйста, "
        "заявку на возврат в заказе на Ozon и выберите удобный пункт выдачи. Товар должен быть без следов "
        "использования и в оригинальной упаковке. Деньги вернутся, как только возврат поступит к нам.\n\n"
        "С уважением,\n{store_name}",
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
        "Здравствуйте!\n\nВаш возврат по заказу {order_id} поступил к нам, и мы одобрили возврат {amount}. "
        "Обычно деньги приходят в течение 3–5 рабочих дней, в зависимости от банка.\n\nСпасибо за терпение."
        "\n\nС уважением,\n{store_name}",
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
        "Здравствуйте!\n\nНам жаль, что заказ {order_id} не оправдал ваших ожиданий. Мы хотим понять, что "
        "пошло не так с товаром «{item}», и помочь. Если он неисправен или повреждён, мы предложим замену или "
        "возврат денег: просто напишите в этом чате.\n\nС уважением,\n{store_name}",
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
        "Здравствуйте!\n\nСпасибо за терпение. По данным службы {carrier}, посылка {tracking_number} по заказу "
        "{order_id} доставлена {delivery_date}. Понимаем, что у вас её может не быть: уточните, пожалуйста, в "
        "пункте выдачи или у соседей. Мы отправили запрос в службу доставки и сообщим результат в этом чате."
        "\n\nС уважением,\n{store_name}",
    ),
]


def install_reply_library(ReplyTemplate) -> None:
    """Create the templates that are missing; never overwrite an admin's edit."""
    for code, stage, platform, language, purpose, title, note_en, note_zh, body in TEMPLATES:
        ReplyTemplate.objects.get_or_create(
            code=code,
            defaults={
                "stage": stage,
                "platform": platform,
                "language": language,
                "purpose": purpose,
                "title": title,
                "note_en": note_en,
                "note_zh": note_zh,
                "body": body,
            },
        )
