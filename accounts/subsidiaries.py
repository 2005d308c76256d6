"""The subsidiaries the panel serves (design.md section 2), loaded by a data migration."""

EUR_COUNTRIES = {
    "FR": "Europe/Paris",
    "DE": "Europe/Berlin",
    "ES": "Europe/Madrid",
    "IT": "Europe/Rome",
    "IE": "Europe/Dublin",
    "NL": "Europe/Amsterdam",
    "PT": "Europe/Lisbon",
}
NAMES = {
    "FR": "France",
    "DE": "Deutschland",
    "ES": "España",
    "IT": "Italia",
    "IE": "Ireland",
    "NL": "Nederland",
    "PT": "Portugal",
    "PL": "Polska",
    "GB": "United Kingdom",
    "CA": "Canada",
    "US": "United States",
    "TN": "Tunisie",
    "SN": "Sénégal",
}
OTHERS = {
    "PL": ("PLN", "Europe/Warsaw", "en"),
    "GB": ("GBP", "Europe/London", "en"),
    "CA": ("CAD", "America/Toronto", "en"),
    "US": ("USD", "America/New_York", "en"),
    "TN": ("TND", "Africa/Tunis", "fr"),
    "SN": ("XOF", "Africa/Dakar", "fr"),
}
FRENCH_SPEAKING = {"FR", "TN", "SN"}


def subsidiary_rows() -> list[dict]:
    """Card everywhere; SEPA in EUR; PayPal except TN and SN; bank transfer (for businesses) everywhere."""
    rows = []
    for code, tz in EUR_COUNTRIES.items():
        rows.append(
            {"code": code, "currency": "EUR", "time_zone": tz, "language": "fr" if code in FRENCH_SPEAKING else "en"}
        )
    for code, (currency, tz, language) in OTHERS.items():
        rows.append({"code": code, "currency": currency, "time_zone": tz, "language": language})
    for row in rows:
        kinds = ["card"]
        if row["currency"] == "EUR":
            kinds.append("sepaDirectDebit")
        if row["code"] not in {"TN", "SN"}:
            kinds.append("paypal")
        kinds.append("bankTransfer")
        row.update(name=NAMES[row["code"]], country=row["code"], payment_kinds=kinds)
    return rows
