from django.apps import AppConfig


class Open311Config(AppConfig):
    name = "rexian.open311"
    verbose_name = "Open311接口"
