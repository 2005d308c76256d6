"""What the admins share across apps: rows edited there that customers' pages show bump their page versions."""

from django.db import transaction


class BumpsPageVersions:
    """A ModelAdmin whose saves and deletes change what customers' pages show (core.page_versions): each one bumps
    the versions of what it touched, in the admin's transaction, after every write of it (inlines included)."""

    def pages_changed(self, objs: list) -> None:
        """Bump the versions of the pages that show these rows; each admin says which."""
        raise NotImplementedError

    def pages_deleted(self, objs: list) -> None:
        """After these rows were deleted; the same bump unless a row's own version no longer leads anywhere."""
        self.pages_changed(objs)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)  # the form's row is saved before, inlines here
        self.pages_changed([form.instance])

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        self.pages_deleted([obj])

    def delete_queryset(self, request, queryset):
        """The change list's bulk delete, which Django runs outside the view's transaction."""
        objs = list(queryset)
        with transaction.atomic(using=queryset.db):
            super().delete_queryset(request, queryset)
            self.pages_deleted(objs)
