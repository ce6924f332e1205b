"""Being built: replaced by the real pages in this same change."""
from django.http import Http404


def review_queue(request):
    raise Http404("not built yet")


def callback_queue(request):
    raise Http404("not built yet")
