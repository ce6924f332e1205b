"""The staff console under /console/: one module of views per area of work."""

from django.urls import path

from rexian.console.views import (
    auth,
    board,
    dashboards,
    dispatch,
    enterprise,
    home,
    hotspots,
    inbox,
    intake,
    notifications,
    orders,
    quality,
    queues,
    reports,
    search,
    shift_requests,
    sms,
    staffing,
    supervision,
    unit_staff,
)

app_name = "console"

urlpatterns = [
    path("", home.home, name="home"),
    path("login/", auth.login_view, name="login"),
    path("logout/", auth.logout_view, name="logout"),
    path("language/", auth.language_switch, name="language"),
    # Operators: intake (受理) with its live panels, the review queue, callbacks (回访) and missed calls (漏接回拨).
    path("intake/", intake.intake, name="intake"),
    path("intake/caller/", intake.caller_panel, name="intake-caller"),
    path("intake/duplicates/", intake.duplicates_panel, name="intake-duplicates"),
    path("intake/categories/", intake.category_search, name="intake-categories"),
    path("intake/knowledge/", intake.knowledge_panel, name="intake-knowledge"),
    path("intake/suggestions/", intake.suggestions_panel, name="intake-suggestions"),
    path("intake/screen-pop/", intake.screen_pop, name="screen-pop"),
    path("intake/screen-pop/number/", intake.screen_pop_number, name="screen-pop-number"),
    path("intake/areas/", intake.area_options, name="intake-areas"),
    path("intake/enterprise/", intake.enterprise_panel, name="intake-enterprise"),
    path("intake/knowledge/article/", intake.knowledge_article, name="intake-article"),
    path("review/", queues.review_queue, name="review"),
    path("callbacks/", queues.callback_queue, name="callbacks"),
    path("missed-calls/", queues.missed_calls, name="missed-calls"),
    path("missed-calls/<int:pk>/number/", queues.missed_call_number, name="missed-call-number"),
    path("missed-calls/<int:pk>/callback/", queues.missed_call_callback, name="missed-call-callback"),
    # 短信来信: callers' texts to register as orders (on the intake page, ?sms=<id>) or set aside.
    path("sms/", sms.incoming_sms, name="incoming-sms"),
    path("sms/<int:pk>/dismiss/", sms.incoming_sms_dismiss, name="incoming-sms-dismiss"),
    # Dispatchers (派遣): the pending queue and the requests awaiting review.
    path("dispatch/", dispatch.dispatch_queue, name="dispatch"),
    path("dispatch/requests/", dispatch.review_requests, name="requests"),
    # Units (承办).
    path("inbox/", inbox.inbox, name="inbox"),
    # Every role: order detail with its actions, search, notifications.
    path("orders/<str:number>/", orders.detail, name="order"),
    path("orders/<str:number>/attachments/<int:pk>/", orders.attachment, name="order-attachment"),
    path("orders/<str:number>/sms-answer/", sms.order_sms_answer, name="order-sms-answer"),  # 知识答复
    path("orders/<str:number>/<slug:slug>/", orders.act, name="order-action"),
    path("search/", search.search, name="search"),
    path("search/export/", search.export, name="search-export"),
    path("notifications/", notifications.notification_list, name="notifications"),
    path("notifications/bell/", notifications.bell, name="bell"),
    path("notifications/read/", notifications.mark_read, name="notifications-read"),
    # Supervisors and leaders: the live board (值班看板); supervisors and admins: staffing (排班).
    path("board/", board.board, name="board"),
    path("board/figures/", board.figures, name="board-figures"),
    path("staffing/", staffing.staffing_page, name="staffing"),
    path("staffing/publish/", staffing.staffing_publish, name="staffing-publish"),
    path("staffing/rosters/", staffing.roster_list, name="rosters"),
    path("staffing/rosters/<int:pk>/", staffing.roster_detail, name="roster"),
    path("staffing/rosters/<int:pk>/reassign/", staffing.roster_reassign, name="roster-reassign"),
    path("staffing/requests/", shift_requests.shift_requests, name="shift-requests"),
    path("staffing/requests/<int:pk>/decide/", shift_requests.shift_request_decide, name="shift-request-decide"),
    path("my-shifts/", staffing.my_shifts, name="my-shifts"),  # 我的排班, anyone on a roster
    path("my-shifts/<int:shift_id>/request/", shift_requests.shift_request_new, name="shift-request-new"),
    path("shift-requests/<int:pk>/answer/", shift_requests.shift_request_answer, name="shift-request-answer"),
    path("shift-requests/<int:pk>/withdraw/", shift_requests.shift_request_withdraw, name="shift-request-withdraw"),
    # Supervisors, leaders, inspectors and admins: dashboards (统计分析), unit ranking (部门考评), big screen (大屏).
    path("dashboard/", dashboards.dashboard, name="dashboard"),
    path("dashboard/units/", dashboards.dashboard_units, name="dashboard-units"),
    path("dashboard/data/", dashboards.dashboard_data, name="dashboard-data"),
    path("dashboard/export/", dashboards.dashboard_export, name="dashboard-export"),
    # Unit admins: their own unit's figures and rank (本单位考评).
    path("my-unit/", dashboards.my_unit, name="my-unit"),
    path("my-unit/staff/", unit_staff.unit_staff, name="unit-staff"),  # and its handlers (本单位人员)
    path("bigscreen/", dashboards.bigscreen, name="bigscreen"),
    # Reports (报告): the report centre for supervisors and admins, the reading list for leaders.
    path("reports/", reports.report_list, name="reports"),
    path("reports/inbox/", reports.inbox, name="report-inbox"),
    path("reports/new/", reports.report_new, name="report-new"),
    path("reports/<int:pk>/", reports.report_detail, name="report"),
    path("reports/<int:pk>/download/<str:fmt>/", reports.report_download, name="report-download"),
    path("reports/<int:pk>/supervise/new/", supervision.report_supervision_new, name="report-supervise"),
    # Supervisors, leaders, inspectors and admins: hot spots and surges (热点与舆情预警).
    path("hotspots/", hotspots.hotspots, name="hotspots"),
    path("hotspots/recompute/", hotspots.hotspots_recompute, name="hotspots-recompute"),
    # Supervision and leaders' instructions (督办批示): issued on an order, answered by its unit.
    path("supervision/", supervision.supervision_list, name="supervisions"),
    path("supervision/<int:pk>/", supervision.supervision_detail, name="supervision"),
    path("supervision/<int:pk>/<slug:step>/", supervision.supervision_step, name="supervision-step"),
    path("orders/<str:number>/supervise/new/", supervision.supervision_new, name="supervision-new"),
    # 一企来: enterprises' requests, enterprise profiles (企业档案) and policies for enterprises (涉企政策).
    path("enterprises/", enterprise.enterprise_queue, name="enterprise-queue"),
    path("enterprises/profiles/", enterprise.enterprise_list, name="enterprises"),
    path("enterprises/profiles/new/", enterprise.enterprise_new, name="enterprise-new"),
    path("enterprises/profiles/<str:code>/", enterprise.enterprise_detail, name="enterprise"),
    path("enterprises/profiles/<str:code>/contact/", enterprise.enterprise_contact, name="enterprise-contact"),
    path("enterprises/profiles/<str:code>/tell/<int:policy_pk>/", enterprise.enterprise_tell, name="enterprise-tell"),
    path("enterprises/policies/", enterprise.policy_list, name="policies"),
    path("enterprises/policies/new/", enterprise.policy_new, name="policy-new"),
    path("enterprises/policies/<int:pk>/", enterprise.policy_detail, name="policy"),
    path("enterprises/policies/<int:pk>/edit/", enterprise.policy_edit, name="policy-edit"),
    path("enterprises/policies/<int:pk>/<slug:step>/", enterprise.policy_step, name="policy-step"),
    # 质检: the inspectors' queue, scoring one sampled order, the weekly review and the monthly assessment.
    path("quality/", quality.quality_queue, name="quality"),
    path("quality/weekly/", quality.quality_weekly, name="quality-weekly"),
    path("quality/weekly/export/", quality.quality_weekly_export, name="quality-weekly-export"),
    path("quality/monthly/", quality.quality_monthly, name="quality-monthly"),
    path("quality/monthly/export/", quality.quality_monthly_export, name="quality-monthly-export"),
    path("quality/<int:pk>/", quality.quality_detail, name="quality-inspection"),
]
