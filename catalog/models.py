"""What can be ordered, and at what price in each subsidiary."""

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Family(models.TextChoices):
    CLOUD = "cloud", _("Public Cloud")
    PRIVATE_CLOUD = "privateCloud", _("Hosted Private Cloud")
    DEDICATED = "dedicated", _("Dedicated servers")
    WEB_HOSTING = "webHosting", _("Web hosting")
    DOMAIN = "domain", _("Domain names")
    SSL = "ssl", _("SSL certificates")


class Plan(models.Model):
    plan_code = models.CharField(max_length=64, unique=True)
    family = models.CharField(max_length=20, choices=Family)
    name_en = models.CharField(max_length=200)
    name_fr = models.CharField(max_length=200)
    excludable = models.BooleanField(
        default=False,
        help_text=_("Loses the right of withdrawal once delivered, if the customer asked and acknowledged it."),
    )
    always_validate = models.BooleanField(default=False, help_text=_("Every order of it is validated by staff."))
    renews = models.BooleanField(default=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["family", "plan_code"]

    def __str__(self) -> str:
        return self.plan_code

    def name(self, language: str | None = None) -> str:
        return self.name_fr if (language or get_language() or "en").startswith("fr") else self.name_en


class Addon(models.Model):
    """An option of a plan (OVHcloud's addon): another plan, ordered as a child item of the plan's cart item.

    Options of one `family` (e.g. backup, ip) are offered together; an exclusive family allows one of them.
    An option plan is sold only this way, never on its own.
    """

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="addons")
    option = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="option_of")
    family = models.CharField(max_length=40)
    mandatory = models.BooleanField(default=False)
    exclusive = models.BooleanField(default=False)

    class Meta:
        ordering = ["plan", "family", "option"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "option"], name="one_addon_per_plan_option"),
            models.CheckConstraint(condition=~models.Q(plan=models.F("option")), name="addon_not_its_own_plan"),
        ]

    def __str__(self) -> str:
        return f"{self.plan_id} + {self.option_id}"


class Pricing(models.Model):
    """One way to buy a plan in one subsidiary; prices exclude VAT."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="pricings")
    subsidiary = models.ForeignKey("accounts.Subsidiary", on_delete=models.CASCADE, related_name="pricings")
    duration = models.CharField(max_length=8, help_text=_("ISO 8601, e.g. P1M or P12M."))
    months = models.PositiveSmallIntegerField()
    pricing_mode = models.CharField(max_length=20, default="default")
    price = models.DecimalField(max_digits=14, decimal_places=3)
    installation_fee = models.DecimalField(max_digits=14, decimal_places=3, default=0)
    commitment = models.PositiveSmallIntegerField(default=0, help_text=_("Months of commitment."))

    class Meta:
        ordering = ["plan", "subsidiary", "months"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "subsidiary", "duration", "pricing_mode"], name="one_pricing_per_offer"
            ),
            models.CheckConstraint(condition=models.Q(price__gte=0, installation_fee__gte=0), name="pricing_positive"),
            models.CheckConstraint(condition=models.Q(months__gte=1), name="pricing_months_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.plan.plan_code} {self.subsidiary_id} {self.duration} {self.pricing_mode}"
