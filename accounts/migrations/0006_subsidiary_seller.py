from django.db import migrations, models

# (field name, field) in the order the admin shows them; every one starts empty and is filled below.
FIELDS = [
    ("legal_name", models.CharField(max_length=200, verbose_name="legal name")),
    ("address", models.TextField(help_text="One line per address line.", verbose_name="registered address")),
    ("vat_number", models.CharField(blank=True, max_length=32, verbose_name="VAT number")),
    (
        "registration",
        models.CharField(
            blank=True,
            help_text="Register and number, e.g. RCS and SIREN.",
            max_length=200,
            verbose_name="company registration",
        ),
    ),
    ("share_capital", models.CharField(blank=True, max_length=64, verbose_name="share capital")),
    ("contact_email", models.EmailField(max_length=254, verbose_name="contact email")),
    ("contact_phone", models.CharField(max_length=32, verbose_name="contact phone")),
    ("bank_holder", models.CharField(max_length=200, verbose_name="account holder")),
    ("bank_name", models.CharField(max_length=200, verbose_name="bank")),
    ("bank_iban", models.CharField(blank=True, max_length=34, verbose_name="IBAN")),
    (
        "bank_account",
        models.CharField(
            blank=True, help_text="Where the country uses no IBAN (CA, US).", max_length=100, verbose_name="account number"
        ),
    ),
    ("bank_bic", models.CharField(max_length=11, verbose_name="BIC / SWIFT")),
]


def load(apps, schema_editor):
    from accounts.subsidiaries import SELLERS, seller_values

    Subsidiary = apps.get_model("accounts", "Subsidiary")
    for code in SELLERS:
        Subsidiary.objects.filter(code=code).update(**seller_values(code))


def add_empty(name, field):
    """Existing rows start empty (filled by `load`); the field itself keeps no default."""
    field.default = ""
    return migrations.AddField("subsidiary", name, field, preserve_default=False)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0005_api_credentials_to_api")]
    operations = [
        *(add_empty(name, field) for name, field in FIELDS),
        migrations.RunPython(load, migrations.RunPython.noop),
    ]
