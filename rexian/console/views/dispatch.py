"""Being built: replaced by the real pages in this same change."""
from django.http import Http404


def dispatch_queue(request):
    raise Http404("not built yet")


def review_requests(request):
    raise Http404("not built yet")
