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


# Each subsidiary is its own legal seller (design.md §2, "Invoice and credit note"). These are the
# demo's plainly fictitious identities; staff edit the real ones in the admin. The IBANs are
# ISO 13616's documentation examples (valid checksums, no real account).
SELLERS = {
    "FR": {
        "legal_name": "Control Panel Hosting France SAS (demo)",
        "address": "2 rue de l'Exemple\n59100 Roubaix\nFrance",
        "vat_number": "FR40900000001",
        "registration": "RCS Lille Métropole 900 000 001 — SIREN 900 000 001",
        "share_capital": "10 000 €",
        "contact_email": "billing.fr@controlpanel.example",
        "contact_phone": "+33 9 00 00 00 01",
        "bank_name": "Banque Exemple (demo)",
        "bank_iban": "FR7630004000031234567890143",
        "bank_bic": "BNPAFRPPXXX",
    },
    "DE": {
        "legal_name": "Control Panel Hosting Deutschland GmbH (demo)",
        "address": "Beispielstraße 1\n10115 Berlin\nDeutschland",
        "vat_number": "DE900000002",
        "registration": "Amtsgericht Berlin-Charlottenburg HRB 000002 B",
        "share_capital": "25.000 €",
        "contact_email": "billing.de@controlpanel.example",
        "contact_phone": "+49 30 0000 0002",
        "bank_name": "Beispielbank (demo)",
        "bank_iban": "DE89370400440532013000",
        "bank_bic": "COBADEFFXXX",
    },
    "ES": {
        "legal_name": "Control Panel Hosting España S.L.U. (demo)",
        "address": "Calle del Ejemplo 1\n28001 Madrid\nEspaña",
        "vat_number": "ESB90000003",
        "registration": "Registro Mercantil de Madrid, Tomo 00000, Folio 1, Hoja M-000003",
        "share_capital": "3.000 €",
        "contact_email": "billing.es@controlpanel.example",
        "contact_phone": "+34 900 000 003",
        "bank_name": "Banco Ejemplo (demo)",
        "bank_iban": "ES9121000418450200051332",
        "bank_bic": "CAIXESBBXXX",
    },
    "IT": {
        "legal_name": "Control Panel Hosting Italia S.r.l. (demo)",
        "address": "Via dell'Esempio 1\n20121 Milano\nItalia",
        "vat_number": "IT09000000004",
        "registration": "Registro delle Imprese di Milano, REA MI-0000004",
        "share_capital": "10.000 €",
        "contact_email": "billing.it@controlpanel.example",
        "contact_phone": "+39 02 0000 0004",
        "bank_name": "Banca Esempio (demo)",
        "bank_iban": "IT60X0542811101000000123456",
        "bank_bic": "BPMOIT22XXX",
    },
    "IE": {
        "legal_name": "Control Panel Hosting Ireland Limited (demo)",
        "address": "1 Example Street\nDublin 2, D02 X000\nIreland",
        "vat_number": "IE9000005S",
        "registration": "Registered in Ireland, CRO no. 900005",
        "share_capital": "",
        "contact_email": "billing.ie@controlpanel.example",
        "contact_phone": "+353 1 000 0005",
        "bank_name": "Example Bank Ireland (demo)",
        "bank_iban": "IE29AIBK93115212345678",
        "bank_bic": "AIBKIE2DXXX",
    },
    "NL": {
        "legal_name": "Control Panel Hosting Nederland B.V. (demo)",
        "address": "Voorbeeldstraat 1\n1012 AB Amsterdam\nNederland",
        "vat_number": "NL900000006B01",
        "registration": "KvK 90000006",
        "share_capital": "",
        "contact_email": "billing.nl@controlpanel.example",
        "contact_phone": "+31 20 000 0006",
        "bank_name": "Voorbeeldbank (demo)",
        "bank_iban": "NL91ABNA0417164300",
        "bank_bic": "ABNANL2AXXX",
    },
    "PT": {
        "legal_name": "Control Panel Hosting Portugal, Unipessoal Lda. (demo)",
        "address": "Rua do Exemplo 1\n1000-001 Lisboa\nPortugal",
        "vat_number": "PT900000007",
        "registration": "Conservatória do Registo Comercial de Lisboa, NIPC 900000007",
        "share_capital": "5.000 €",
        "contact_email": "billing.pt@controlpanel.example",
        "contact_phone": "+351 21 000 0007",
        "bank_name": "Banco Exemplo (demo)",
        "bank_iban": "PT50000201231234567890154",
        "bank_bic": "CGDIPTPLXXX",
    },
    "PL": {
        "legal_name": "Control Panel Hosting Polska sp. z o.o. (demo)",
        "address": "ul. Przykładowa 1\n00-001 Warszawa\nPolska",
        "vat_number": "PL9000000008",
        "registration": "KRS 0000900008, Sąd Rejonowy dla m.st. Warszawy",
        "share_capital": "5 000 zł",
        "contact_email": "billing.pl@controlpanel.example",
        "contact_phone": "+48 22 000 00 08",
        "bank_name": "Bank Przykładowy (demo)",
        "bank_iban": "PL61109010140000071219812874",
        "bank_bic": "WBKPPLPPXXX",
    },
    "GB": {
        "legal_name": "Control Panel Hosting UK Limited (demo)",
        "address": "1 Example Street\nLondon EC1A 1AA\nUnited Kingdom",
        "vat_number": "GB900000009",
        "registration": "Registered in England and Wales, company no. 09000009",
        "share_capital": "",
        "contact_email": "billing.uk@controlpanel.example",
        "contact_phone": "+44 20 0000 0009",
        "bank_name": "Example Bank plc (demo)",
        "bank_iban": "GB29NWBK60161331926819",
        "bank_bic": "NWBKGB2LXXX",
    },
    "CA": {
        "legal_name": "Control Panel Hosting Canada Inc. (demo)",
        "address": "1 Example Street\nToronto ON M5H 0A0\nCanada",
        "vat_number": "900000010 RT0001",
        "registration": "Ontario Corporation No. 9000010",
        "share_capital": "",
        "contact_email": "billing.ca@controlpanel.example",
        "contact_phone": "+1 416 000 0010",
        "bank_name": "Example Bank of Canada (demo)",
        "bank_account": "Institution 000, transit 00010, account 9000010",
        "bank_bic": "ROYCCAT2XXX",
    },
    "US": {
        "legal_name": "Control Panel Hosting US, Inc. (demo)",
        "address": "1 Example Street\nNew York, NY 10001\nUnited States",
        "vat_number": "",
        "registration": "Delaware corporation, EIN 90-0000011",
        "share_capital": "",
        "contact_email": "billing.us@controlpanel.example",
        "contact_phone": "+1 212 000 0011",
        "bank_name": "Example Bank, N.A. (demo)",
        "bank_account": "ABA routing 000000011, account 9000011",
        "bank_bic": "CHASUS33XXX",
    },
    "TN": {
        "legal_name": "Control Panel Hosting Tunisie SARL (demo)",
        "address": "1 rue de l'Exemple\n1000 Tunis\nTunisie",
        "vat_number": "9000012/A/M/000",
        "registration": "RNE 9000012A",
        "share_capital": "10 000 TND",
        "contact_email": "billing.tn@controlpanel.example",
        "contact_phone": "+216 70 000 012",
        "bank_name": "Banque Exemple de Tunisie (demo)",
        "bank_iban": "TN5910006035183598478831",
        "bank_bic": "BTBKTNTTXXX",
    },
    "SN": {
        "legal_name": "Control Panel Hosting Sénégal SUARL (demo)",
        "address": "1 avenue de l'Exemple\nDakar\nSénégal",
        "vat_number": "NINEA 009000013 2G3",
        "registration": "RCCM SN-DKR-2026-B-00013",
        "share_capital": "1 000 000 FCFA",
        "contact_email": "billing.sn@controlpanel.example",
        "contact_phone": "+221 33 000 00 13",
        "bank_name": "Banque Exemple du Sénégal (demo)",
        "bank_iban": "SN08SN0100152000048500003035",
        "bank_bic": "SGSNSNDAXXX",
    },
}


def seller_values(code: str) -> dict[str, str]:
    """A subsidiary's seller identity; the account holder is the legal name itself."""
    values = {"bank_iban": "", "bank_account": "", **SELLERS[code]}
    values["bank_holder"] = values["legal_name"]
    return values
