"""`rexian worker`: run background tasks from the database queue and the periodic jobs."""

from __future__ import annotations

import logging
import threading
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection
from django.utils.crypto import get_random_string
from django_tasks import task_backends
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.management.commands.db_worker import Worker

from rexian.core.scheduler import scheduler_tick

logger = logging.getLogger("rexian.worker")


def run_scheduler(stop: threading.Event, *, tick_seconds: float = 5.0) -> None:
    """Tick the periodic-job scheduler until `stop` is set (runs in a thread of its own)."""
    while not stop.is_set():
        try:
            close_old_connections()
            for name in scheduler_tick():
                logger.info("enqueued periodic job %s", name)
        except Exception:  # a database hiccup must not kill the scheduler
            logger.exception("scheduler tick failed")
        finally:
            connection.close()
        stop.wait(tick_seconds)


def make_worker(*, batch: bool = False, interval: float = 1.0) -> Worker:
    return Worker(
        queue_names=["*"],
        interval=interval,
        batch=batch,
        backend_name="default",
        startup_delay=not batch,
        max_tasks=None,
        worker_id=f"rexian-{get_random_string(12)}",
        excluded_queue_names=[],
    )


class Command(BaseCommand):
    help = "运行后台任务与定时任务（超期扫描每分钟一次）/ Run background tasks and periodic jobs."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Tick the scheduler once, run every ready task, exit.")
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between queue polls when idle.")

    def handle(self, *args, once: bool = False, interval: float = 1.0, **options):
        if once:
            enqueued = scheduler_tick()
            # With the database backend the tasks wait in the queue: drain it. Other backends
            # (the immediate one in tests) have already run them.
            if isinstance(task_backends["default"], DatabaseBackend):
                make_worker(batch=True, interval=0).run()
            self.stdout.write(f"enqueued: {', '.join(enqueued) or '-'}; queue drained")
            return
        stop = threading.Event()
        scheduler = threading.Thread(target=run_scheduler, args=(stop,), name="rexian-scheduler", daemon=True)
        scheduler.start()
        worker = make_worker(interval=interval)
        worker.configure_signals()
        self.stdout.write("Rexian worker started (Ctrl+C to stop).")
        try:
            worker.run()
        finally:
            stop.set()
            time.sleep(0)
