from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "rexian.demo"
    verbose_name = "演示数据"
