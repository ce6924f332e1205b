"""Being built: replaced by the real pages in this same change."""
from django.http import Http404


def inbox(request):
    raise Http404("not built yet")
