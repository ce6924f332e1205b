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


def test_health_answers(db):
    assert Client().get("/health/").json() == {"status": "ok"}


def test_the_home_page_links_the_public_and_staff_entrances(db):
    page = Client().get("/").content.decode()
    for link in ("/portal/", "/admin/", "/api/v1/docs/", "/open311/discovery.json"):
        assert f'href="{link}"' in page
