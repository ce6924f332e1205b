from django.urls import path

from rexian.sms import views

app_name = "sms"

urlpatterns = [
    path("incoming/", views.incoming_receive, name="incoming"),
    path("delivery/", views.delivery_report, name="delivery"),
]
