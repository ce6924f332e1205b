from django.urls import path

from rexian.telephony import views

app_name = "telephony"

urlpatterns = [
    path("events/", views.events_receive, name="events"),
]
