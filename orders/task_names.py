"""The names of the tasks in orders.tasks that services publish through core.publish.

Services publish by name so that no domain module imports orders.tasks (which imports the services);
tests check that each name here is a registered task.
"""

DELIVER_ORDER = "orders.tasks.deliver_order"
ISSUE_INVOICE = "orders.tasks.issue_invoice"
PAY_REFUND = "orders.tasks.pay_refund"
SUSPEND_ORDER_SERVICES = "orders.tasks.suspend_order_services"
