from django.apps import AppConfig


class TelephonyConfig(AppConfig):
    name = "rexian.telephony"
    verbose_name = "话务"
