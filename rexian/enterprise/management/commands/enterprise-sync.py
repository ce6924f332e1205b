"""`rexian enterprise-sync`: a profile (企业档案) for every enterprise the orders name that the 一企来 desk has none of.

Orders registered through the services make their enterprise's profile as they commit; orders loaded in bulk
(`rexian import-orders`, a restore) do not, and this catches them up. Safe to run again: it adds only the missing.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from rexian.enterprise.services import enterprises_sync


class Command(BaseCommand):
    help = "为工单中出现的企业补建企业档案 / Make the missing enterprise profiles from the orders' credit codes."

    def handle(self, *args, **options):
        made = enterprises_sync()
        self.stdout.write(f"已补建企业档案 {made} 家 / {made} enterprise profiles made.")
