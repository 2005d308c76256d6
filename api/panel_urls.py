"""The panel's API pages under /account/api/: applications, consumer keys, validation, contract texts."""

from django.urls import path

from . import panel_views
from .urls import SegmentConverter  # noqa: F401 - registers `segment` (no slash, no NUL: PostgreSQL refuses NUL)

app_name = "api_panel"
urlpatterns = [
    path("", panel_views.applications, name="applications"),
    path("applications/<int:application_id>/revoke/", panel_views.application_revoke, name="application_revoke"),
    path("keys/<int:key_id>/revoke/", panel_views.consumer_key_revoke, name="consumer_key_revoke"),
    path("credential/<segment:token>/", panel_views.validate, name="validate"),
    path("contracts/<slug:key>/", panel_views.contract, name="contract"),
]
