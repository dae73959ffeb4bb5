"""The project's OpenAPI schema class: drf-spectacular documents what each view declares; this
adds the error answers DRF gives on its own, before or around the view, so that the schema lists
every status the API can answer (schemathesis checks it in tests/contract), and the
Idempotency-Key header of the writes that take one."""

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema

from reviewer.core.idempotency import PARAMETER as IDEMPOTENCY_KEY

# Session authentication comes first, and it names no WWW-Authenticate challenge, so DRF answers
# a missing, wrong or expired credential with 403, the same as a role that may not.
REFUSED = "not signed in, an expired or unknown token, or a role that may not"
NOT_FOUND = "no such object, or one you may not see; or a page past the last"
INVALID = "an invalid parameter or field, named in the answer"
UNREADABLE = "a body that is not of the documented media types, or malformed"


class AutoSchema(SpectacularAutoSchema):
    def get_override_parameters(self):
        parameters = super().get_override_parameters()
        handler = getattr(self.view, self.method.lower(), None)
        if getattr(handler, "idempotent", False):  # reviewer.core.idempotency.idempotent
            return [*parameters, IDEMPOTENCY_KEY]
        return parameters

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code, description in self._framework_errors():
            responses.setdefault(code, {"description": description})
        return responses

    def _framework_errors(self) -> list[tuple[str, str]]:
        errors = []
        if {} not in self.get_auth():  # an operation open to anyone has no {} requirement
            errors.append(("403", REFUSED))
        if "{" in self.path or self._is_paginated_list():
            errors.append(("404", NOT_FOUND))
        if self.method in ("POST", "PUT", "PATCH") or self._get_parameters():
            errors.append(("400", INVALID))
        if self.method in ("POST", "PUT", "PATCH"):
            errors.append(("415", UNREADABLE))
        return errors

    def _is_paginated_list(self) -> bool:
        return self._is_list_view() and self._get_paginator() is not None
