"""Being built: replaced by the real pages in this same change."""
from django.http import Http404


def intake(request):
    raise Http404("not built yet")


def caller_panel(request):
    raise Http404("not built yet")


def category_search(request):
    raise Http404("not built yet")


def knowledge_panel(request):
    raise Http404("not built yet")


def screen_pop(request):
    raise Http404("not built yet")
