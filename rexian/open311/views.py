"""Open311 GeoReport v2 endpoints (docs/open311.md). Each view parses, calls one selector or
service, and renders XML or JSON after the URL's extension; every refusal is the spec's error
list with a 4xx status.
"""

from __future__ import annotations

import functools

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.http import HttpResponseRedirect
from django.http.multipartparser import MultiPartParserError
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from rexian.catalog.models import Line
from rexian.open311 import forms, selectors, services
from rexian.open311.errors import Open311Error
from rexian.open311.renderers import render, render_error

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# When the service list or the attributes last changed shape; clients use it to refresh cached definitions.
CHANGESET = "2026-11-27T00:00:00+08:00"
FORMATS = ["text/xml", "application/json"]


def _params(request):
    """The request's arguments: the form body for POST, the query string otherwise."""
    try:
        return request.POST if request.method == "POST" else request.GET
    except (SuspiciousOperation, MultiPartParserError):
        raise Open311Error(400, _("请求格式无效或内容过大。")) from None


def _check_jurisdiction(params) -> None:
    """One jurisdiction is served; a jurisdiction_id naming another one is not found (the spec's 404)."""
    expected = getattr(settings, "OPEN311_JURISDICTION_ID", "")
    given = (params.get("jurisdiction_id") or "").strip()
    if expected and given and given != expected:
        raise Open311Error(404, _("jurisdiction_id「%(id)s」不存在。") % {"id": given[:100]})


def endpoint(*methods: str):
    """Method check, jurisdiction check and error rendering shared by every Open311 view."""

    allowed = [*methods, "HEAD"] if "GET" in methods else list(methods)

    def decorate(view):
        @csrf_exempt
        @functools.wraps(view)
        def wrapper(request, *args, fmt: str = "xml", **kwargs):
            try:
                if request.method not in allowed:
                    raise Open311Error(405, _("不支持 %(method)s 方法。") % {"method": request.method})
                params = _params(request)
                _check_jurisdiction(params)
                response = view(request, params, fmt, *args, **kwargs)
            except Open311Error as error:
                response = render_error(fmt, error)
                if error.status == 405:
                    response["Allow"] = ", ".join(allowed)
            if request.method in ("GET", "HEAD"):
                # Reads are public and carry no credentials: let browser-based 311 apps fetch them.
                response["Access-Control-Allow-Origin"] = "*"
            return response

        return wrapper

    return decorate


def _extensions(params) -> bool:
    return (params.get("extensions") or "").strip().lower() == "true"


# --- Discovery -------------------------------------------------------------------------------


@endpoint("GET")
def discovery(request, params, fmt):
    main_line = Line.objects.filter(mode=Line.Mode.MAIN, is_active=True).first()
    contact = f"{main_line.name} {main_line.number}" if main_line else _("12345政务服务便民热线")
    url = request.build_absolute_uri(reverse("open311:root")).rstrip("/")
    data = {
        "changeset": CHANGESET,
        "contact": contact,
        "key_service": _("提交诉求需要API密钥，由热线中心系统管理员在管理后台（Open311接口 › Open311 API密钥）签发；查询无需密钥。"),
        "endpoints": [
            {
                "specification": SPECIFICATION, "url": url, "changeset": CHANGESET, "type": "production",
                "formats": FORMATS,
            }
        ],
    }
    return render(fmt, "discovery", data)


def root(request):
    """The endpoint's root serves nothing in the spec: send people to the discovery document."""
    return HttpResponseRedirect(reverse("open311:discovery", kwargs={"fmt": "xml"}))


# --- Services --------------------------------------------------------------------------------


@endpoint("GET")
def services_list(request, params, fmt):
    data = [
        {
            "service_code": s.service_code,
            "service_name": s.service_name,
            "description": s.description,
            "metadata": s.metadata,
            "type": s.type,
            "keywords": s.keywords,
            "group": s.group,
        }
        for s in selectors.services_list()
    ]
    return render(fmt, "services", data)


@endpoint("GET")
def service_definition(request, params, fmt, service_code: str):
    if selectors.service_category(service_code) is None:
        raise Open311Error(404, _("service_code「%(code)s」不存在。") % {"code": service_code[:50]})
    data = {
        "service_code": service_code,
        "attributes": [
            {
                "variable": a.variable,
                "code": a.code,
                "datatype": a.datatype,
                "required": a.required,
                "datatype_description": a.datatype_description or None,
                "order": a.order,
                "description": a.description,
                "values": [{"key": v.key, "name": v.name} for v in a.values],
            }
            for a in selectors.service_attributes()
        ],
    }
    return render(fmt, "service_definition", data)


# --- Requests --------------------------------------------------------------------------------


def _request_data(item: selectors.PublicRequest, extensions: bool) -> dict:
    data = {
        "service_request_id": item.service_request_id,
        "status": item.status,
        "status_notes": item.status_notes,
        "service_name": item.service_name,
        "service_code": item.service_code,
        "description": item.description,
        "agency_responsible": item.agency_responsible,
        "service_notice": None,
        "requested_datetime": item.requested_datetime,
        "updated_datetime": item.updated_datetime,
        "expected_datetime": item.expected_datetime,
        "address": item.address or None,
        "address_id": None,
        "zipcode": None,
        "lat": item.lat,
        "long": item.long,
    }
    if extensions:
        data["extended_attributes"] = {
            "detailed_status": item.detailed_status,
            "detailed_status_label": item.detailed_status_label,
            "channel": item.channel,
        }
    return data


@endpoint("GET", "POST")
def requests(request, params, fmt):
    if request.method == "POST":
        return _create_request(request, params, fmt)
    query = forms.parse_request_filter(params)
    extensions = _extensions(params)
    data = [_request_data(item, extensions) for item in selectors.public_requests(query)]
    return render(fmt, "service_requests", data)


def _create_request(request, params, fmt):
    api_key = services.api_key_check(params.get("api_key") or request.GET.get("api_key") or "")
    submitted = services.request_submit(api_key=api_key, data=forms.parse_service_request(params))
    item = {
        "service_request_id": submitted.order.number,
        "service_notice": submitted.service_notice,
        "account_id": None,
    }
    if _extensions(params) or _extensions(request.GET):
        item["token"] = submitted.submission.token
    return render(fmt, "service_requests", [item])


@endpoint("GET")
def request_detail(request, params, fmt, service_request_id: str):
    item = selectors.public_request(service_request_id)
    if item is None:
        raise Open311Error(404, _("service_request_id「%(id)s」不存在或不公开。") % {"id": service_request_id[:50]})
    return render(fmt, "service_requests", [_request_data(item, _extensions(params))])


@endpoint("GET")
def token(request, params, fmt, token: str):
    number = selectors.token_request_id(token)
    if number is None:
        raise Open311Error(404, _("token 不存在。"))
    return render(fmt, "service_requests", [{"service_request_id": number, "token": token}])


@csrf_exempt
def not_found(request, path: str = ""):
    """Anything else under /open311/: the spec's 404, in the format the path asks for."""
    fmt = "json" if path.endswith(".json") else "xml"
    return render_error(fmt, Open311Error(404, _("地址无效：Open311 接口说明见 /open311/discovery.xml。")))
