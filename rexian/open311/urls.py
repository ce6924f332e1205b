"""Open311 GeoReport v2, mounted at /open311/: discovery beside the v2 endpoint, as the spec places them."""

from django.urls import re_path

from rexian.open311 import views

app_name = "open311"

FMT = r"\.(?P<fmt>xml|json)$"

urlpatterns = [
    re_path(r"^discovery" + FMT, views.discovery, name="discovery"),
    re_path(r"^v2/?$", views.root, name="root"),
    re_path(r"^$", views.root),
    re_path(r"^v2/services" + FMT, views.services_list, name="services"),
    re_path(r"^v2/services/(?P<service_code>[^/]{1,50})" + FMT, views.service_definition, name="service"),
    re_path(r"^v2/requests" + FMT, views.requests, name="requests"),
    re_path(r"^v2/requests/(?P<service_request_id>[^/]{1,50})" + FMT, views.request_detail, name="request"),
    re_path(r"^v2/tokens/(?P<token>[^/]{1,100})" + FMT, views.token, name="token"),
    re_path(r"^(?P<path>.*)$", views.not_found),
]
