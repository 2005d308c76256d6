"""The account's data export and closure, under /account/ next to the accounts app's pages."""

from django.urls import path

from . import views

app_name = "privacy"
urlpatterns = [
    path("data-export/", views.data_export, name="data_export"),
    path("close/", views.close_account, name="close"),
]
