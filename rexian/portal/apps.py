from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "rexian.portal"
    verbose_name = "市民门户"
