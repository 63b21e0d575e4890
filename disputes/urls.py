from django.urls import path

from . import alert_views, find_views, import_views, postmortem_views, setaside_views, team_views, views

app_name = "disputes"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("views/", views.saved_view_save, name="saved_view_save"),
    path("views/<int:view_id>/delete/", views.saved_view_delete, name="saved_view_delete"),
    path("claims/assign/", views.claims_assign, name="claims_assign"),
    path("claims/<int:claim_id>/", views.claim_detail, name="claim"),
    path("claims/<int:claim_id>/move/", views.claim_move, name="claim_move"),
    path("claims/<int:claim_id>/close/", views.claim_close, name="claim_close"),
    path("claims/<int:claim_id>/appeal/", views.claim_appeal, name="claim_appeal"),
    path("claims/<int:claim_id>/assign/", views.claim_assign, name="claim_assign"),
    path("claims/<int:claim_id>/priority/", views.claim_priority, name="claim_priority"),
    path(
        "claims/<int:claim_id>/platform-request/", views.claim_platform_request, name="claim_platform_request"
    ),
    path("claims/<int:claim_id>/recompute/", views.claim_recompute, name="claim_recompute"),
    path("claims/<int:claim_id>/reopen/", views.claim_reopen, name="claim_reopen"),
    path("claims/<int:claim_id>/snooze/", views.claim_snooze, name="claim_snooze"),
    path("claims/<int:claim_id>/unsnooze/", views.claim_unsnooze, name="claim_unsnooze"),
    path("claims/<int:claim_id>/presence/", views.claim_presence, name="claim_presence"),
    path("claims/<int:claim_id>/next/", find_views.claim_step, {"direction": "next"}, name="claim_next"),
    path(
        "claims/<int:claim_id>/previous/",
        find_views.claim_step,
        {"direction": "previous"},
        name="claim_previous",
    ),
    path("search/", find_views.search, name="search"),
    path("orders/", views.order_list, name="orders"),
    path("orders/<int:order_id>/", views.order_detail, name="order"),
    path("orders/<int:order_id>/claims/new/", views.claim_open, name="claim_open"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("me/", views.my_dashboard, name="my_dashboard"),
    path("alerts/", alert_views.alert_list, name="alerts"),
    path("alerts/bell/", alert_views.alerts_bell, name="alerts_bell"),
    path("alerts/feed/", alert_views.alerts_feed, name="alerts_feed"),
    path("alerts/ack-all/", alert_views.alerts_ack_all, name="alerts_ack_all"),
    path("alerts/settings/", alert_views.alert_settings, name="alert_settings"),
    path("alerts/<int:notification_id>/ack/", alert_views.alert_ack, name="alert_ack"),
    path("stores/<int:store_id>/", views.store_detail, name="store"),
    path("stores/<int:store_id>/team/", team_views.team_time, name="team"),
    path("stores/<int:store_id>/team/hours/", team_views.schedule_set, name="team_hours"),
    path("stores/<int:store_id>/team/time-off/", team_views.time_off_add, name="time_off_add"),
    path(
        "stores/<int:store_id>/team/time-off/<int:time_off_id>/delete/",
        team_views.time_off_delete,
        name="time_off_delete",
    ),
    path("stores/<int:store_id>/team/holidays/", team_views.holiday_add, name="holiday_add"),
    path(
        "stores/<int:store_id>/team/holidays/<int:holiday_id>/delete/",
        team_views.holiday_delete,
        name="holiday_delete",
    ),
    path("coverage/", team_views.coverage, name="coverage"),
    path("imports/", import_views.import_orders, name="import_orders"),
    path("imports/<int:job_id>/", import_views.import_job, name="import_job"),
    path("actions/<int:action_id>/done/", postmortem_views.action_done, name="action_done"),
    path("post-mortems/", postmortem_views.post_mortem_report, name="post_mortems"),
    path("set-aside/", setaside_views.set_aside_list, name="set_aside"),
    path("set-aside/<int:entry_id>/retry/", setaside_views.set_aside_retry, name="set_aside_retry"),
    path("post-mortems.csv", postmortem_views.post_mortem_csv, name="post_mortems_csv"),
]
