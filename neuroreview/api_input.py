"""Query parameters and paths the API cannot use are refused before a view reads them.

* An empty value (``?exam=``) is a 400 that names the parameter. Left alone, each part of DRF
  reads one its own way: django-filter drops the filter (``?kind=`` lists every kind), pagination
  reads page 1. A client that sent it has lost a value on the way; it is told so, not answered
  as if it had asked for everything.
* A NUL character is a 400 in a query value and a 404 in a path (no object's name holds one):
  PostgreSQL refuses it in any text, so a lookup with it would be a server error.

A method the view does not answer still gets the view's 405."""

from django.http import JsonResponse

API_PREFIX = "/api/"
NUL = "\x00"


class ApiInputChecks:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not request.path.startswith(API_PREFIX) or not _answers(view_func, request.method):
            return None
        if NUL in request.path:
            return JsonResponse({"detail": "Not found."}, status=404)
        refused = {}
        for name, values in request.GET.lists():
            if "" in values:
                refused[name] = ["an empty value: give one, or leave the parameter out"]
            elif any(NUL in value for value in values) or NUL in name:
                refused[name] = ["a NUL character is not allowed"]
        return JsonResponse(refused, status=400) if refused else None


def _answers(view_func, method: str) -> bool:
    """Whether the (DRF) view has a handler for the method: a viewset's actions or a view's."""
    actions = getattr(view_func, "actions", None)
    if actions is not None:
        return method.lower() in actions
    view_class = getattr(view_func, "cls", None)
    return view_class is None or hasattr(view_class, method.lower())
