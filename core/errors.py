"""Errors services raise; views and the API turn them into messages (400, 409) without changing anything."""


class OrderError(Exception):
    """Base class: `str(error)` is a translated, customer-readable message."""


class InvalidInput(OrderError):
    """A parameter is missing or wrong (HTTP 400); `field` names it."""

    def __init__(self, message: str, *, field: str = ""):
        super().__init__(message)
        self.field = field


class Conflict(OrderError):
    """The object's state forbids the action (HTTP 409): cart checked out, order not payable…"""


class ProvisioningError(Exception):
    """The infrastructure could not deliver; the task retries, then the order goes to `unknown`.

    Not an OrderError: nobody is shown it. It lives here, with no import of the domain, because the
    delivery task names it for its retries (orders.tasks imports no domain module at the top)."""
