"""Query parameters and paths no view can use are refused before a view reads them.

* A NUL character is a 400 in a query parameter and a 404 in a path (no object's name holds one),
  on every page and endpoint: PostgreSQL refuses it in any text, so a lookup with it would be a
  server error.
* On the API, an empty value (``?exam=``) is a 400 that names the parameter. Left alone, each
  part of DRF reads one its own way: django-filter drops the filter (``?kind=`` lists every
  kind), pagination reads page 1. A client that sent it has lost a value on the way; it is told
  so, not answered as if it had asked for everything. (A page's filter form sends empty fields
  for "any": pages keep that reading.)

A method the view does not answer still gets the view's 405."""

from django.http import HttpResponseBadRequest, HttpResponseNotFound, JsonResponse

API_PREFIX = "/api/"
NUL = "\x00"
EMPTY = "an empty value: give one, or leave the parameter out"
HAS_NUL = "a NUL character is not allowed"


class RequestChecks:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not _answers(view_func, request.method):
            return None
        api = request.path.startswith(API_PREFIX)
        if NUL in request.path:
            return JsonResponse({"detail": "Not found."}, status=404) if api else _no_page()
        refused = {}
        for name, values in request.GET.lists():
            if NUL in name or any(NUL in value for value in values):
                refused[name.replace(NUL, "")] = [HAS_NUL]
            elif api and "" in values:
                refused[name] = [EMPTY]
        if not refused:
            return None
        if api:
            return JsonResponse(refused, status=400)
        return HttpResponseBadRequest(
            f"Query parameter(s) refused: {', '.join(refused)}: {HAS_NUL}"
        )


def _no_page():
    return HttpResponseNotFound("No such page.")


def _answers(view_func, method: str) -> bool:
    """Whether the (DRF) view has a handler for the method: a viewset's actions or a view's."""
    actions = getattr(view_func, "actions", None)
    if actions is not None:
        return method.lower() in actions
    view_class = getattr(view_func, "cls", None)
    return view_class is None or hasattr(view_class, method.lower())
