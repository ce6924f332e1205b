from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "rexian.catalog"
    verbose_name = "基础数据"

    def ready(self):
        from rexian.catalog import signals  # noqa: F401
