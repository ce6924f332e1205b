from django.test import Client


def test_a_failed_csrf_check_gets_a_chinese_page(db):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/admin/login/", {"username": "x", "password": "y"})
    assert response.status_code == 403
    assert "页面已过期" in response.content.decode()


def test_an_unknown_page_gets_a_chinese_404(db):
    response = Client().get("/no-such-page/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()



def test_the_home_page_links_the_public_and_staff_entrances(db):
    page = Client().get("/").content.decode()
    for link in ("/console/", "/portal/", "/admin/", "/api/v1/docs/", "/open311/discovery.json"):
        assert f'href="{link}"' in page


def test_a_403_page_shows_the_reason_the_code_gave(db):
    from django.core.exceptions import PermissionDenied
    from django.test import RequestFactory

    from rexian.core.views import permission_denied

    response = permission_denied(RequestFactory().get("/"), PermissionDenied("您无权查看该工单。"))
    assert response.status_code == 403
    assert "您无权查看该工单。" in response.content.decode()


def test_a_404_page_never_shows_a_resolver_report(db):
    page = Client().get("/no-such-page/").content.decode()
    assert "Resolver404" not in page and "tried" not in page


def test_favicon_ico_leads_to_the_site_icon(db):
    response = Client().get("/favicon.ico")
    assert (response.status_code, response["Location"]) == (302, "/static/rexian/favicon.svg")


def test_the_console_pages_name_their_icon(db):
    page = Client().get("/console/login/").content.decode()
    assert '<link rel="icon" href="/static/rexian/favicon.svg" type="image/svg+xml">' in page
