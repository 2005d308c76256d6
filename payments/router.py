"""Routes the sandbox gateway's ledger to its own database alias, and nothing else there."""

SANDBOX_MODELS = {"sandboxinstrument", "sandboxtransaction", "sandboxapproval"}
# orders' migrations created the ledger's tables before this app took them (orders/0001): they go there too.
LEDGER_APPS = {"payments", "orders"}


def _is_sandbox(app_label: str, model_name: str | None) -> bool:
    return app_label in LEDGER_APPS and (model_name or "") in SANDBOX_MODELS


class SandboxRouter:
    def db_for_read(self, model, **hints):
        return "sandbox" if _is_sandbox(model._meta.app_label, model._meta.model_name) else None

    db_for_write = db_for_read

    def allow_relation(self, obj1, obj2, **hints):
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        if _is_sandbox(app_label, model_name):
            return db == "sandbox"
        return db != "sandbox"
