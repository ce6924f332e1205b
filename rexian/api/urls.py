"""The REST API: /api/v1/… (see docs/api.md). The OpenAPI document is at /api/v1/schema/, docs at /api/v1/docs/."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from rexian.api import views

app_name = "api"

v1 = [
    path("orders/", views.OrderListView.as_view(), name="order-list"),
    path("orders/<str:number>/", views.OrderDetailView.as_view(), name="order-detail"),
    path("orders/<str:number>/attachments/", views.AttachmentCreateView.as_view(), name="order-attachments"),
    path(
        "orders/<str:number>/dispatch-suggestions/",
        views.DispatchSuggestionView.as_view(),
        name="order-dispatch-suggestions",
    ),
    path("orders/<str:number>/duplicates/", views.OrderDuplicateView.as_view(), name="order-duplicates"),
    path("orders/<str:number>/sms/", views.OrderSmsView.as_view(), name="order-sms"),
    path("orders/<str:number>/sms-answer/", views.OrderSmsAnswerView.as_view(), name="order-sms-answer"),
    *[path(f"orders/<str:number>/{slug}/", view.as_view(), name=f"order-{slug}") for slug, view in views.ACTION_VIEWS],
    path("orders/<str:number>/supervisions/", views.SupervisionIssueView.as_view(), name="order-supervisions"),
    path("reports/<str:report_id>/supervisions/", views.ReportSupervisionIssueView.as_view(),
         name="report-supervisions"),
    path("supervisions/", views.SupervisionListView.as_view(), name="supervisions"),
    path("supervisions/<str:item_id>/", views.SupervisionDetailView.as_view(), name="supervision"),
    path("supervisions/<str:item_id>/<str:step>/", views.SupervisionStepView.as_view(), name="supervision-step"),
    path("quality/criteria/", views.QualityCriterionListView.as_view(), name="quality-criteria"),
    path("quality/weekly/", views.QualityWeeklyView.as_view(), name="quality-weekly"),
    path("quality/monthly/", views.QualityMonthlyView.as_view(), name="quality-monthly"),
    path("quality/inspections/", views.QualityQueueView.as_view(), name="quality-inspections"),
    path("quality/inspections/<str:inspection_id>/", views.QualityInspectionView.as_view(), name="quality-inspection"),
    path(
        "quality/inspections/<str:inspection_id>/score/",
        views.QualityScoreView.as_view(),
        name="quality-inspection-score",
    ),
    path("enterprises/", views.EnterpriseListView.as_view(), name="enterprises"),
    path("enterprises/<str:credit_code>/", views.EnterpriseDetailView.as_view(), name="enterprise"),
    path("enterprises/<str:credit_code>/orders/", views.EnterpriseOrdersView.as_view(), name="enterprise-orders"),
    path("enterprise-queue/", views.EnterpriseQueueView.as_view(), name="enterprise-queue"),
    path("policies/", views.PolicyListView.as_view(), name="policies"),
    path("policies/<str:policy_id>/", views.PolicyDetailView.as_view(), name="policy"),
    path("policies/<str:policy_id>/publish/", views.PolicyPublishView.as_view(), name="policy-publish"),
    path("policies/<str:policy_id>/withdraw/", views.PolicyWithdrawView.as_view(), name="policy-withdraw"),
    path("policies/<str:policy_id>/push/", views.PolicyPushView.as_view(), name="policy-push"),
    path(
        "policies/<str:policy_id>/push/<str:credit_code>/", views.PolicyPushOneView.as_view(), name="policy-push-one"
    ),
    path("policies/<str:policy_id>/targets/", views.PolicyTargetsView.as_view(), name="policy-targets"),
    path("policies/<str:policy_id>/pushes/", views.PolicyPushesView.as_view(), name="policy-pushes"),
    path("inbox/", views.InboxView.as_view(), name="inbox"),
    path("dispatch-queue/", views.DispatchQueueView.as_view(), name="dispatch-queue"),
    path("caller-history/", views.CallerHistoryView.as_view(), name="caller-history"),
    path("suggestions/", views.SuggestionView.as_view(), name="suggestions"),
    path("duplicates/", views.DuplicateView.as_view(), name="duplicates"),
    path("appeal-types/", views.AppealTypeListView.as_view(), name="appeal-types"),
    path("categories/", views.CategoryListView.as_view(), name="categories"),
    path("urgencies/", views.UrgencyListView.as_view(), name="urgencies"),
    path("channels/", views.ChannelListView.as_view(), name="channels"),
    path("units/", views.UnitListView.as_view(), name="units"),
    path("me/", views.MeView.as_view(), name="me"),
    path("me/shifts/", views.MyShiftsView.as_view(), name="me-shifts"),
    path("me/shift-requests/", views.MyShiftRequestsView.as_view(), name="me-shift-requests"),
    path("shift-requests/", views.ShiftRequestListView.as_view(), name="shift-requests"),
    path("shift-requests/<str:request_id>/", views.ShiftRequestDetailView.as_view(), name="shift-request"),
    path("shift-requests/<str:request_id>/answer/", views.ShiftRequestAnswerView.as_view(),
         name="shift-request-answer"),
    path("shift-requests/<str:request_id>/withdraw/", views.ShiftRequestWithdrawView.as_view(),
         name="shift-request-withdraw"),
    path("shift-requests/<str:request_id>/decide/", views.ShiftRequestDecideView.as_view(),
         name="shift-request-decide"),
    path("sms/incoming/", views.IncomingSmsListView.as_view(), name="sms-incoming"),
    path("sms/incoming/<str:incoming_id>/", views.IncomingSmsDetailView.as_view(), name="sms-incoming-detail"),
    path("sms/incoming/<str:incoming_id>/dismiss/", views.IncomingSmsDismissView.as_view(),
         name="sms-incoming-dismiss"),
    path("rosters/", views.RosterListView.as_view(), name="rosters"),
    path("rosters/<str:roster_id>/", views.RosterDetailView.as_view(), name="roster"),
    path("rosters/<str:roster_id>/execution/", views.RosterExecutionView.as_view(), name="roster-execution"),
    path("roster-shifts/<str:shift_id>/reassign/", views.RosterShiftReassignView.as_view(), name="roster-shift-reassign"),
    path(
        "schema/",
        SpectacularAPIView.as_view(custom_settings={"PREPROCESSING_HOOKS": ["rexian.api.schema.only_api_v1"]}),
        name="schema",
    ),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path(
        "redoc/",
        views.images_from_this_site(
            SpectacularRedocView.as_view(url_name="api:schema", template_name="api/redoc.html")
        ),
        name="redoc",
    ),
]

urlpatterns = [
    path("v1/", include(v1)),
    re_path(r"^", views.not_found),
]
