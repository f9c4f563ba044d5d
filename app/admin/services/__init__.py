"""Workspace services: the queries and writes behind the coordinator pages.

Services take a session, flush but never commit (the view's write transaction does),
and refuse bad input with ``FormProblem``. They know nothing of requests or
templates, so the command line, the demo and the benchmarks use them too, and
importing one does not pull in the views.
"""


class FormProblem(ValueError):
    """Input a service refused; ``field`` names the form field the message belongs to."""

    def __init__(self, field: str | None, message: str):
        super().__init__(message)
        self.field = field
        self.message = message
