"""The catalogue of legal copy: every customer-facing legal text, versioned, in English and French.

This is the only place legal wording lives (design.md §4: "Legal copy lives in one catalogue of
versioned EN/FR texts"). Templates, emails, the API's `contracts` and the consent evidence
(`orders.services.consents`) all read from here, so what a customer saw can be proven by key and
version. Texts are plain text; paragraphs are separated by blank lines (templates render them with
`linebreaks`), lines inside a paragraph by a single newline.

Rules for editing:
- The official texts (Annex I(A) and I(B) of Directive 2011/83/EU, the Art. 11a labels) are
  reproduced word for word; only the placeholders the directive itself asks the trader to fill in
  are filled in. Do not reword them. Every adaptation is listed in a comment beside the text.
- Changing any text means bumping its version: recorded consents keep the version they were
  given under, and a text that changes under the same version destroys the evidence.
- The withdrawal period and the refund deadline are 14 days. No text here may ever name another
  period for refunds (tests/test_legal.py checks it).

The trader's identity (name, geographical address, telephone, e-mail, the website's withdrawal
page) fills the `{...}` placeholders; it comes from `settings.TRADER_IDENTITY`, else DEFAULT_TRADER.
"""
from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

DEFAULT_TRADER: dict[str, str] = {
    "name": "Control Panel Hosting SAS (demo)",
    "address": "2 rue Kellermann, 59100 Roubaix, France",
    "email": "withdrawal@controlpanel.example",
    "phone": "+33 9 72 10 10 07",
    # The website's withdrawal page: a path is made absolute with settings.PUBLIC_BASE_URL (the
    # model text asks for an "Internet address", and the text also goes out by email).
    "withdrawal_path": "/orders/withdraw/",
}

_TRADER_KEYS = ("name", "address", "email", "phone", "withdrawal_path")

EN = "en"
FR = "fr"
LANGUAGES = (EN, FR)


@dataclass(frozen=True)
class LegalText:
    key: str
    version: str
    texts: dict[str, str]


# ---------------------------------------------------------------------------------------------
# Directive 2011/83/EU, Annex I(A) "Model instructions on withdrawal"
# Source: OJ L 304, 22.11.2011, p. 64 (Annex I, p. 85-86), official English and French versions,
# as amended by Directive (EU) 2019/2161, art. 4(14) (OJ L 328, 18.12.2019, p. 7), which removed
# the fax from the third paragraph and asks for "name, geographical address, telephone number and
# e-mail address" in note [2].
#
# Completed as the directive's "Instructions for completion" require, for a service contract:
#   [1] (a) service contract: "the conclusion of the contract." / « de la conclusion du contrat. »
#   [2] trader's name, geographical address, telephone number and e-mail address, inserted in
#       brackets after "inform us" (in French the official text has no brackets around [2]; the
#       same brackets are used there so the inserted address reads as an aside).
#   [3] included: electronic form on our website, with the acknowledgement on a durable medium;
#       "[insert Internet address]" is the absolute URL of the withdrawal page.
#   [4] omitted: sales contracts only (withholding the refund until goods come back).
#   [5] omitted: goods only (collecting/returning goods, cost of return, diminished value).
#   [6] included, for services: "the supply of water/gas/electricity/district heating [delete
#       where inapplicable]" deleted as the note instructs.
# Kept as in the official text (conservative): the reimbursement paragraph's wording on the costs
# of delivery. It does not apply to our services but takes nothing from the customer, and changing
# it would depart from the model, which is what gives the trader the presumption of correct
# information (art. 6(4)). No other word is changed.
# ---------------------------------------------------------------------------------------------
WITHDRAWAL_INFORMATION_EN = """\
Right of withdrawal

You have the right to withdraw from this contract within 14 days without giving any reason.

The withdrawal period will expire after 14 days from the day of the conclusion of the contract.

To exercise the right of withdrawal, you must inform us ({name}, {address}, {phone}, {email}) \
of your decision to withdraw from this contract by an unequivocal statement (e.g. a letter sent \
by post or e-mail). You may use the attached model withdrawal form, but it is not obligatory. \
You can also electronically fill in and submit the model withdrawal form or any other unequivocal \
statement on our website {withdrawal_url}. If you use this option, we will communicate to you an \
acknowledgement of receipt of such a withdrawal on a durable medium (e.g. by e-mail) without delay.

To meet the withdrawal deadline, it is sufficient for you to send your communication concerning \
your exercise of the right of withdrawal before the withdrawal period has expired.

Effects of withdrawal

If you withdraw from this contract, we shall reimburse to you all payments received from you, \
including the costs of delivery (with the exception of the supplementary costs resulting from \
your choice of a type of delivery other than the least expensive type of standard delivery \
offered by us), without undue delay and in any event not later than 14 days from the day on \
which we are informed about your decision to withdraw from this contract. We will carry out such \
reimbursement using the same means of payment as you used for the initial transaction, unless \
you have expressly agreed otherwise; in any event, you will not incur any fees as a result of \
such reimbursement.

If you requested to begin the performance of services during the withdrawal period, you shall \
pay us an amount which is in proportion to what has been provided until you have communicated us \
your withdrawal from this contract, in comparison with the full coverage of the contract."""

# Same source, official French version (JO L 304 du 22.11.2011, annexe I, partie A), as amended by
# directive (UE) 2019/2161 (JO L 328 du 18.12.2019); same completion as the English text above.
WITHDRAWAL_INFORMATION_FR = """\
Droit de rétractation

Vous avez le droit de vous rétracter du présent contrat sans donner de motif dans un délai de \
quatorze jours.

Le délai de rétractation expire quatorze jours après le jour de la conclusion du contrat.

Pour exercer le droit de rétractation, vous devez nous notifier ({name}, {address}, {phone}, \
{email}) votre décision de rétractation du présent contrat au moyen d'une déclaration dénuée \
d'ambiguïté (par exemple, lettre envoyée par la poste ou courrier électronique). Vous pouvez \
utiliser le modèle de formulaire de rétractation mais ce n'est pas obligatoire. Vous pouvez \
également remplir et transmettre le modèle de formulaire de rétractation ou toute autre \
déclaration dénuée d'ambiguïté sur notre site internet {withdrawal_url}. Si vous utilisez cette \
option, nous vous enverrons sans délai un accusé de réception de la rétractation sur un support \
durable (par exemple, par courriel).

Pour que le délai de rétractation soit respecté, il suffit que vous transmettiez votre \
communication relative à l'exercice du droit de rétractation avant l'expiration du délai de \
rétractation.

Effets de la rétractation

En cas de rétractation de votre part du présent contrat, nous vous rembourserons tous les \
paiements reçus de vous, y compris les frais de livraison (à l'exception des frais \
supplémentaires découlant du fait que vous avez choisi, le cas échéant, un mode de livraison \
autre que le mode moins coûteux de livraison standard proposé par nous) sans retard excessif et, \
en tout état de cause, au plus tard quatorze jours à compter du jour où nous sommes informés de \
votre décision de rétractation du présent contrat. Nous procéderons au remboursement en \
utilisant le même moyen de paiement que celui que vous aurez utilisé pour la transaction \
initiale, sauf si vous convenez expressément d'un moyen différent; en tout état de cause, ce \
remboursement n'occasionnera pas de frais pour vous.

Si vous avez demandé de commencer la prestation de services pendant le délai de rétractation, \
vous devez nous payer un montant proportionnel à ce qui vous a été fourni jusqu'au moment où \
vous nous avez informé de votre rétractation du présent contrat, par rapport à l'ensemble des \
prestations prévues par le contrat."""

# ---------------------------------------------------------------------------------------------
# Directive 2011/83/EU, Annex I(B) "Model withdrawal form"
# Source: OJ L 304, 22.11.2011, p. 64 (Annex I, p. 87), official English and French versions; the
# first indent as replaced by Directive (EU) 2019/2161, art. 4(14) (trader's name, geographical
# address and e-mail address).
# Only the trader's placeholder is filled in. Everything else is kept word for word, including the
# "(*)" alternatives (goods/service, ordered/received): the directive gives no instruction to
# adapt the form, and the consumer deletes what does not apply ("(*) Delete as appropriate.").
# ---------------------------------------------------------------------------------------------
WITHDRAWAL_FORM_EN = """\
Model withdrawal form

(complete and return this form only if you wish to withdraw from the contract)

— To {name}, {address}, {email}:
— I/We (*) hereby give notice that I/We (*) withdraw from my/our (*) contract of sale of the \
following goods (*)/for the provision of the following service (*),
— Ordered on (*)/received on (*),
— Name of consumer(s),
— Address of consumer(s),
— Signature of consumer(s) (only if this form is notified on paper),
— Date

(*) Delete as appropriate."""

WITHDRAWAL_FORM_FR = """\
Modèle de formulaire de rétractation

(veuillez compléter et renvoyer le présent formulaire uniquement si vous souhaitez vous \
rétracter du contrat)

— À l'attention de {name}, {address}, {email}:
— Je/Nous (*) vous notifie/notifions (*) par la présente ma/notre (*) rétractation du contrat \
portant sur la vente du bien (*)/pour la prestation de services (*) ci-dessous:
— Commandé le (*)/reçu le (*):
— Nom du (des) consommateur(s):
— Adresse du (des) consommateur(s):
— Signature du (des) consommateur(s) (uniquement en cas de notification du présent formulaire \
sur papier):
— Date:

(*) Rayez la mention inutile."""

# ---------------------------------------------------------------------------------------------
# Art. 11a of Directive 2011/83/EU, inserted by Directive (EU) 2023/2673, art. 1(2)
# (OJ L, 2023/2673, 28.11.2023; applies from 19 June 2026): the withdrawal function is labelled
# "withdraw from contract here", the confirmation function "confirm withdrawal"; French version
# « se rétracter du contrat ici » / « confirmer la rétractation ». Shown capitalised as buttons.
# ---------------------------------------------------------------------------------------------
LABEL_WITHDRAW_BUTTON_EN = "Withdraw from contract here"
LABEL_WITHDRAW_BUTTON_FR = "Se rétracter du contrat ici"
LABEL_CONFIRM_WITHDRAWAL_EN = "Confirm withdrawal"
LABEL_CONFIRM_WITHDRAWAL_FR = "Confirmer la rétractation"

# The OVHcloud guides' labels ("Managing OVHcloud orders" / « Gérer mes commandes OVHcloud »,
# /work/shared/seeds): the "…" menu entry and the confirmation checkbox.
LABEL_CANCEL_ORDER_EN = "Cancel the order"
LABEL_CANCEL_ORDER_FR = "Annuler la commande"
LABEL_CHECKBOX_EN = "Yes, I want to cancel that order"
LABEL_CHECKBOX_FR = "Oui, je désire annuler cette commande"

# ---------------------------------------------------------------------------------------------
# Consents, recorded as evidence per order (orders.services.consents): our own wording, written
# to say exactly what the directive requires to be requested or acknowledged.
# ---------------------------------------------------------------------------------------------
# Art. 6(1)(h) and 6(4): the withdrawal information and the model form were given before the
# contract was concluded (if not, art. 10 extends the period by 12 months).
CONSENT_INFORMATION_GIVEN_EN = (
    "We have given you the information on the right of withdrawal and the model withdrawal form "
    "before you place this order."
)
CONSENT_INFORMATION_GIVEN_FR = (
    "Nous vous avons fourni les informations concernant l'exercice du droit de rétractation et le "
    "modèle de formulaire de rétractation avant que vous ne passiez cette commande."
)

# Art. 8(8) (express request made on a durable medium), art. 7(3) for off-premises contracts, and
# art. 14(3): the proportionate amount. Without this request nothing is due for the days used
# (art. 14(4)(a)(ii)).
CONSENT_EXPRESS_REQUEST_EN = (
    "I expressly request that you begin providing the services in this order during the 14-day "
    "withdrawal period. I acknowledge that if I then withdraw from the contract, I will pay you an "
    "amount in proportion to the service provided until I inform you of my withdrawal, in "
    "comparison with the full coverage of the contract; you refund the rest."
)
CONSENT_EXPRESS_REQUEST_FR = (
    "Je demande expressément que vous commenciez à fournir les services de cette commande pendant "
    "le délai de rétractation de quatorze jours. Je reconnais que, si je me rétracte ensuite du "
    "contrat, je vous paierai un montant proportionnel au service fourni jusqu'au moment où je "
    "vous informe de ma rétractation, par rapport à l'ensemble des prestations prévues par le "
    "contrat ; vous me remboursez le reste."
)

# Art. 16(a) (service fully performed) and 16(m) (digital content not supplied on a tangible
# medium): the right is lost only where performance began with the consumer's prior express
# consent and acknowledgement that the right is then lost. For excludable lines only (domain
# names, SSL certificates); every other line keeps its right for the whole period.
CONSENT_EXCLUDABLE_ACK_EN = (
    "For the domain names and SSL certificates in this order, I expressly request that you begin "
    "providing them during the 14-day withdrawal period, and I acknowledge that I lose my right of "
    "withdrawal for each of them once you have fully performed it, that is once the domain name "
    "has been registered or the certificate issued (delivered)."
)
CONSENT_EXCLUDABLE_ACK_FR = (
    "Pour les noms de domaine et les certificats SSL de cette commande, je demande expressément "
    "que vous commenciez à les fournir pendant le délai de rétractation de quatorze jours, et je "
    "reconnais que je perds mon droit de rétractation pour chacun d'eux dès que vous l'avez "
    "pleinement exécuté, c'est-à-dire dès que le nom de domaine a été enregistré ou le certificat "
    "émis (livré)."
)

# ---------------------------------------------------------------------------------------------
# Our own customer copy (design.md §4).
# ---------------------------------------------------------------------------------------------
# Scope: which law we apply where. The EU clause is stated so that customers in the EU are not
# told that rights they have by law are merely contractual (Directive 2005/29/EC, Annex I,
# point 10, forbids presenting rights given by law as a feature of the offer).
SCOPE_EN = (
    "We apply these rules in every subsidiary: in the European Union under Directive 2011/83/EU "
    "on consumer rights as transposed in your country, in the United Kingdom under the Consumer "
    "Contracts (Information, Cancellation and Additional Charges) Regulations 2013, elsewhere by "
    "contract; where a local rule is shorter, ours applies."
)
SCOPE_FR = (
    "Nous appliquons ces règles dans toutes nos filiales : dans l'Union européenne en vertu de la "
    "directive 2011/83/UE relative aux droits des consommateurs telle que transposée dans votre "
    "pays, au Royaume-Uni en vertu des Consumer Contracts (Information, Cancellation and "
    "Additional Charges) Regulations 2013, ailleurs par contrat ; lorsqu'une règle locale est "
    "plus courte, ce sont nos règles qui s'appliquent."
)

# Refund terms: art. 13(1) (14 days, same means of payment, no fees), art. 14(3) (proportionate
# amount) and 14(4) (nothing due without the express request or the information).
REFUND_TERMS_EN = """\
We refund you within 14 days of your withdrawal request, using the same means of payment as you \
used for the order (back to your card, a SEPA refund, or, if you paid by bank transfer, a \
transfer to the IBAN you give us), unless you expressly agree otherwise. The refund costs you \
no fees.

If you asked for a service to begin during the withdrawal period, we keep only the part for the \
days used, in proportion to the service period you paid for, and refund the rest: days used \
include the delivery day and today. A service that was never delivered, or that you did not ask \
to begin during the withdrawal period, is refunded in full."""
REFUND_TERMS_FR = """\
Nous vous remboursons au plus tard quatorze jours après votre demande de rétractation, par le \
même moyen de paiement que celui utilisé pour la commande (sur votre carte, par remboursement \
SEPA ou, si vous avez payé par virement, par virement vers l'IBAN que vous nous indiquez), sauf \
si vous convenez expressément d'un autre moyen. Ce remboursement ne vous occasionne aucun frais.

Si vous avez demandé qu'un service commence pendant le délai de rétractation, nous ne conservons \
que la part correspondant aux jours utilisés, au prorata de la période de service payée, et vous \
remboursons le reste : les jours utilisés comprennent le jour de la livraison et aujourd'hui. Un \
service jamais livré, ou dont vous n'avez pas demandé qu'il commence pendant le délai de \
rétractation, est remboursé intégralement."""


def _entry(key: str, version: str, en: str, fr: str) -> tuple[str, LegalText]:
    return key, LegalText(key=key, version=version, texts={EN: en, FR: fr})


CATALOGUE: dict[str, LegalText] = dict([
    _entry("withdrawal_information", "2026-11-01", WITHDRAWAL_INFORMATION_EN, WITHDRAWAL_INFORMATION_FR),
    _entry("withdrawal_form", "2026-11-01", WITHDRAWAL_FORM_EN, WITHDRAWAL_FORM_FR),
    _entry("consent_information_given", "2026-11-01", CONSENT_INFORMATION_GIVEN_EN,
           CONSENT_INFORMATION_GIVEN_FR),
    _entry("consent_express_request", "2026-11-01", CONSENT_EXPRESS_REQUEST_EN, CONSENT_EXPRESS_REQUEST_FR),
    _entry("consent_excludable_ack", "2026-11-01", CONSENT_EXCLUDABLE_ACK_EN, CONSENT_EXCLUDABLE_ACK_FR),
    _entry("scope", "2026-11-01", SCOPE_EN, SCOPE_FR),
    _entry("refund_terms", "2026-11-01", REFUND_TERMS_EN, REFUND_TERMS_FR),
    _entry("label_withdraw_button", "2026-11-01", LABEL_WITHDRAW_BUTTON_EN, LABEL_WITHDRAW_BUTTON_FR),
    _entry("label_confirm_withdrawal", "2026-11-01", LABEL_CONFIRM_WITHDRAWAL_EN, LABEL_CONFIRM_WITHDRAWAL_FR),
    _entry("label_cancel_order", "2026-11-01", LABEL_CANCEL_ORDER_EN, LABEL_CANCEL_ORDER_FR),
    _entry("label_checkbox", "2026-11-01", LABEL_CHECKBOX_EN, LABEL_CHECKBOX_FR),
])


def language_of(language: str | None) -> str:
    """"fr", "fr-be", "fr_CA" → "fr"; anything else (including None) → "en"."""
    code = (language or "").strip().lower().replace("_", "-")
    return FR if code == FR or code.startswith(FR + "-") else EN


def trader_identity() -> dict[str, str]:
    """The trader's details for the placeholders, with `withdrawal_url` made absolute."""
    trader = getattr(settings, "TRADER_IDENTITY", DEFAULT_TRADER)
    missing = [key for key in _TRADER_KEYS if not trader.get(key)]
    if missing:
        raise ImproperlyConfigured(f"TRADER_IDENTITY lacks {', '.join(missing)}")
    values = {key: str(trader[key]) for key in _TRADER_KEYS}
    path = values["withdrawal_path"]
    if path.startswith("/"):
        path = getattr(settings, "PUBLIC_BASE_URL", "").rstrip("/") + path
    values["withdrawal_url"] = path
    return values


def _get(key: str) -> LegalText:
    try:
        return CATALOGUE[key]
    except KeyError:
        raise KeyError(f"no legal text {key!r}") from None


def legal_text(key: str, language: str) -> str:
    """The text shown to the customer: French for "fr"/"fr-xx", English otherwise, trader filled in."""
    return _get(key).texts[language_of(language)].format_map(trader_identity())


def legal_version(key: str) -> str:
    return _get(key).version
