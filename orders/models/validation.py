"""The manual validation queue: a staff view of the orders that needed a human decision."""

from django.utils.translation import gettext_lazy as _

from .order import Order, OrderStatus

# A case waits in the queue while it is in one of these statuses.
OPEN_CASE_STATUSES = (OrderStatus.CHECKING, OrderStatus.DOCUMENTS_REQUESTED)


class ValidationCase(Order):
    """An order that went to manual review (it has a validation due date); its own admin, same table."""

    class Meta:
        proxy = True
        verbose_name = _("validation case")
        verbose_name_plural = _("validation cases")
