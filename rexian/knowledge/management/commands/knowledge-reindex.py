"""`rexian knowledge-reindex`: cut every article into words again and rebuild the full-text index.

Needed after a bulk load or a restore that bypassed the services, and after upgrading
jieba (a new dictionary cuts some words differently, and queries are cut with the new one).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import transaction
from rich.progress import track

from rexian.knowledge import search
from rexian.knowledge.models import Article


class Command(BaseCommand):
    help = "重建知识库全文索引 / Re-segment every article and rebuild the knowledge base's full-text index."

    def handle(self, *args, **options):
        ids = list(Article.objects.values_list("pk", flat=True))
        with transaction.atomic():
            for pk in track(ids, description="分词 segmenting", disable=not ids):
                article = Article.objects.get(pk=pk)
                article.save(update_fields=list(Article.TEXT_FIELDS))
            indexed = search.index_rebuild()
        self.stdout.write(f"已重建索引 {indexed} 条 / reindexed {indexed} articles.")
