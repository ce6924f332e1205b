from django.contrib import admin
from django.views.generic import TemplateView
from django.urls import include, path

from rexian.console.views import auth as console_auth
from rexian.core import views as core_views

admin.site.site_header = "热线 Rexian 管理后台"
admin.site.site_title = "热线 Rexian"
admin.site.index_title = "基础数据与系统管理"

urlpatterns = [
    path("", TemplateView.as_view(template_name="home.html"), name="home"),
    path("health/", core_views.health, name="health"),
    path("health/ready/", core_views.health_ready, name="health-ready"),
    path("favicon.ico", core_views.favicon, name="favicon"),
    # The admin signs in through the console's throttled login (PRODUCT.md: logins are throttled).
    path("admin/login/", console_auth.login_view, name="admin-login"),
    path("admin/", admin.site.urls),
    path("api/", include("rexian.api.urls")),
    path("open311/", include("rexian.open311.urls")),
    path("portal/", include("rexian.portal.urls")),
    path("telephony/", include("rexian.telephony.urls")),
    path("sms/", include("rexian.sms.urls")),
    path("console/", include("rexian.console.urls")),
]

handler403 = "rexian.core.views.permission_denied"
handler404 = "rexian.core.views.page_not_found"
