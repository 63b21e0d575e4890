from django.urls import path

from . import macro_views, views

app_name = "messaging"

urlpatterns = [
    path("orders/<int:order_id>/thread/templates/", views.template_search, name="template_search"),
    path(
        "orders/<int:order_id>/thread/templates/<int:template_id>/", views.template_fill, name="template_fill"
    ),
    path(
        "orders/<int:order_id>/thread/templates/<int:template_id>/favourite/",
        views.template_favourite,
        name="template_favourite",
    ),
    path("orders/<int:order_id>/thread/check/", views.policy_check, name="check"),
    path("orders/<int:order_id>/thread/send/", views.reply_send, name="send"),
    path("orders/<int:order_id>/thread/note/", views.note_add, name="note"),
    path("orders/<int:order_id>/thread/off-platform/", views.off_platform_start, name="off_platform"),
    path("orders/<int:order_id>/thread/close/", views.thread_close, name="close"),
    path("orders/<int:order_id>/thread/tags/", views.thread_tags, name="thread_tags"),
    path("threads/", views.thread_list, name="threads"),
    path("messages/<int:message_id>/no-response/", views.no_response, name="no_response"),
    path("messages/<int:message_id>/retry/", views.reply_retry, name="retry"),
    path("messages/attachments/<int:attachment_id>/", views.attachment_download, name="attachment"),
    path("stores/<int:store_id>/macros/", macro_views.macro_list, name="macros"),
    path("stores/<int:store_id>/macros/add/", macro_views.macro_add, name="macro_add"),
    path(
        "stores/<int:store_id>/macros/<int:macro_id>/delete/", macro_views.macro_delete, name="macro_delete"
    ),
    path("claims/<int:claim_id>/macros/<int:macro_id>/", macro_views.macro_apply, name="macro_apply"),
    path("messages/unmatched/", views.unmatched_list, name="unmatched"),
    path("claims-coming/", views.claims_coming, name="coming"),
    path("messages/unmatched/<int:mail_id>/file/", views.unmatched_file, name="unmatched_file"),
]
