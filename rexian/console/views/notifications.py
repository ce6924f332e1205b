"""Being built: replaced by the real pages in this same change."""
from django.http import Http404


def notification_list(request):
    raise Http404("not built yet")


def bell(request):
    raise Http404("not built yet")


def mark_read(request):
    raise Http404("not built yet")
