"""The one error type that imaging input raises: it names the offending file and the reason."""


class ImagingInputError(ValueError):
    """Input that cannot be imported. ``source`` is the file, folder or zip member at fault."""

    def __init__(self, source: object, reason: str) -> None:
        self.source = str(source)
        self.reason = reason
        super().__init__(f"{self.source}: {reason}")
