"""Legal copy outside the catalogue (issue 4): no page, email or code names a 30-day period, and the
withdrawal pages show the labels and texts of orders/legal.py instead of writing their own.

The withdrawal period and the refund deadline are 14 days (design.md section 4); a "30 days" left in a
template or a message would tell customers a wrong deadline. tests/unit/orders/test_legal.py checks the catalogue
itself; this module checks everything around it. No database: it reads files.
"""

import ast
import re
from pathlib import Path

import pytest

from orders import legal
from tests.support import ROOT

TEMPLATES = ROOT / "templates"
CODE_DIRS = [ROOT / d for d in ("core", "payments", "accounts", "catalog", "orders", "api", "privacy")]
PO_FILES = sorted((ROOT / "locale").glob("*/LC_MESSAGES/django.po"))

SPACE = r"[\s\u00a0\u202f]+"  # French typography puts (narrow) no-break spaces between a number and its unit
THIRTY_DAYS = re.compile(rf"\b(30|thirty|trente){SPACE}(days?|jours?)\b", re.IGNORECASE)

# Not a withdrawal or refund period: an API credential's lifetime (OVHcloud's `expiration` choices).
ALLOWED = {("api/credentials.py", '"30d": (timedelta(days=30), gettext_lazy("30 days")),')}


def files_under(directory: Path, pattern: str) -> list[Path]:
    return sorted(path for path in directory.rglob(pattern) if path.is_file())


def thirty_day_mentions(paths) -> list[str]:
    found = []
    for path in paths:
        relative = path.relative_to(ROOT).as_posix()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if THIRTY_DAYS.search(line) and (relative, line.strip()) not in ALLOWED:
                found.append(f"{relative}:{number}: {line.strip()}")
    return found


def test_the_pattern_finds_every_spelling():
    for text in ["30 days", "30 DAYS", "within 30 days", "30 jours", "30\u00a0jours", "30\u202fjours", "Thirty days"]:
        assert THIRTY_DAYS.search(text), text
    assert THIRTY_DAYS.search("trente jours") and THIRTY_DAYS.search("a thirty day period")
    for text in ["14 days", "130 days", "300 jours", "30 daysoff", "quatorze jours"]:
        assert not THIRTY_DAYS.search(text), text


def test_the_scan_reads_the_real_files():
    templates = files_under(TEMPLATES, "*")
    assert TEMPLATES / "orders" / "withdraw.html" in templates
    assert TEMPLATES / "emails" / "withdrawal_acknowledgement.txt" in templates
    code = [path for directory in CODE_DIRS for path in files_under(directory, "*.py")]
    assert ROOT / "orders" / "services" / "withdrawals.py" in code and ROOT / "catalog" / "models.py" in code
    # The allowed line is still there (else the allowance must go): the scan does see .py files.
    assert any(
        line.strip() == text
        for relative, text in ALLOWED
        for line in (ROOT / relative).read_text(encoding="utf-8").splitlines()
    )


def test_no_template_says_thirty_days():
    assert thirty_day_mentions(files_under(TEMPLATES, "*")) == []


def test_no_code_says_thirty_days():
    code = [path for directory in CODE_DIRS for path in files_under(directory, "*.py")]
    assert thirty_day_mentions(code) == []


@pytest.mark.parametrize("po", PO_FILES, ids=lambda path: path.parent.parent.name)
def test_no_translation_says_thirty_days(po):
    """What French customers read comes from the catalogue's msgstr: only the allowed message may say it."""
    allowed_sources = {relative for relative, _ in ALLOWED}
    offending = []
    for entry in po.read_text(encoding="utf-8").split("\n\n"):
        if not THIRTY_DAYS.search(entry):
            continue
        sources = {
            ref.split(":")[0] for line in entry.splitlines() if line.startswith("#:") for ref in line[2:].split()
        }
        if not sources or not sources <= allowed_sources:
            offending.append(entry)
    assert offending == []


# --- the withdrawal pages take their legal wording from orders/legal.py -----------------------------

WITHDRAWAL_PAGES = [
    "orders/withdraw.html",
    "orders/withdrawn.html",
    "orders/withdraw_start.html",
    "orders/withdraw_link_invalid.html",
    "orders/list.html",
    "orders/tracking.html",
    "orders/purchase_order.html",
]
LABEL_KEYS = ["label_withdraw_button", "label_confirm_withdrawal", "label_cancel_order", "label_checkbox"]
LONG_KEYS = ["withdrawal_information", "withdrawal_form", "refund_terms", "scope"]


def template_text(name: str) -> str:
    return (TEMPLATES / name).read_text(encoding="utf-8")


def catalogue_fragments(key: str) -> list[str]:
    """Distinctive pieces of a catalogue text in each language: each paragraph's first line, without
    the trader's placeholders."""
    fragments = []
    for text in legal.CATALOGUE[key].texts.values():
        for paragraph in text.split("\n\n"):
            first = paragraph.strip().splitlines()[0] if paragraph.strip() else ""
            first = re.split(r"[{}]", first)[0].strip()
            if len(first) >= 25:
                fragments.append(first[:60])
    return fragments


@pytest.mark.parametrize("name", WITHDRAWAL_PAGES)
def test_withdrawal_pages_hard_code_no_legal_label(name):
    text = template_text(name)
    for key in LABEL_KEYS:
        for language, label in legal.CATALOGUE[key].texts.items():
            assert label.lower() not in text.lower(), f"{name} hard-codes {key} ({language}): {label!r}"


@pytest.mark.parametrize("name", WITHDRAWAL_PAGES)
def test_withdrawal_pages_hard_code_no_legal_text(name):
    text = " ".join(template_text(name).split())
    for key in LONG_KEYS:
        fragments = catalogue_fragments(key)
        assert fragments, key
        for fragment in fragments:
            assert " ".join(fragment.split()) not in text, f"{name} copies {key}: {fragment!r}"


def test_the_sentence_naming_the_button_quotes_the_catalogue_label():
    """withdraw_start.html names the button through the view's `withdraw_label`, never a copy of it."""
    assert "{{ label }}" in template_text("orders/withdraw_start.html")
    assert legal.LABEL_WITHDRAW_BUTTON_EN not in template_text("orders/withdraw_start.html")


def test_the_withdrawal_form_renders_the_catalogue_labels_and_texts():
    """withdraw.html shows the checkbox, the confirm button and the legal texts from context variables…"""
    text = template_text("orders/withdraw.html")
    assert re.search(r'<label class="inline" for="id_confirm">\{\{ checkbox_label \}\}</label>', text)
    assert re.search(r"<button[^>]*>\{\{ confirm_label \}\}</button>", text)
    for key in LONG_KEYS:
        assert re.search(rf"\{{\{{ {key}(\|linebreaks)? \}}\}}", text), key
    for name, variable in [
        ("orders/list.html", "menu.withdraw_label"),
        ("orders/tracking.html", "menu.withdraw_label"),
        ("orders/purchase_order.html", "withdraw_label"),
        ("orders/withdraw_start.html", "label"),
    ]:
        assert f"{{{{ {variable} }}}}" in template_text(name), (name, variable)


def test_the_order_menu_labels_its_cancel_entry_from_the_catalogue():
    from django.template import Context
    from django.utils import translation

    from orders.models import Order, OrderStatus
    from orders.templatetags.panel import order_menu as order_menu_tag
    from orders.views.menu import order_menu

    order = Order(pk=7, status=OrderStatus.DELIVERED)
    order.is_expired = False
    for language in ("en", "fr"):
        with translation.override(language):
            menu = order_menu(order, can_withdraw=True)
            html = order_menu_tag(Context(), menu)
        assert legal.legal_text("label_cancel_order", language) in [link.label for link in menu.links]
        assert f">{legal.legal_text('label_cancel_order', language)}</a>" in html  # the tag renders the entries
        assert menu.withdraw_label == legal.legal_text("label_withdraw_button", language)


def legal_text_calls(path: Path) -> dict[str, str]:
    """Names given a legal_text(<key>, …) value in a module: keyword arguments, dict keys and comprehensions."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: dict[str, str] = {}

    def key_of(call) -> str | None:
        if isinstance(call, ast.Call) and getattr(call.func, "id", None) == "legal_text" and call.args:
            first = call.args[0]
            return first.value if isinstance(first, ast.Constant) else None
        return None

    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and key_of(node.value):
            names[node.arg] = key_of(node.value)
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and key_of(value):
                    names[key.value] = key_of(value)
        elif (
            isinstance(node, ast.DictComp)
            and isinstance(node.value, ast.Call)
            and getattr(node.value.func, "id", None) == "legal_text"
            and isinstance(node.generators[0].iter, ast.Tuple)
        ):
            for element in node.generators[0].iter.elts:
                names[element.value] = element.value
    for node in ast.walk(tree):  # context["withdraw_label"] = legal_text(...)
        if isinstance(node, ast.Assign) and key_of(node.value):
            for target in node.targets:
                if isinstance(target, ast.Subscript) and isinstance(target.slice, ast.Constant):
                    names[target.slice.value] = key_of(node.value)
    return names


def test_the_views_fill_those_variables_from_the_catalogue():
    """…and the views fill each of them with legal_text(<the right key>)."""
    views = ROOT / "orders" / "views"
    withdrawal = legal_text_calls(views / "withdrawal.py")
    assert withdrawal["confirm_label"] == "label_confirm_withdrawal"
    assert withdrawal["checkbox_label"] == "label_checkbox"
    for key in LONG_KEYS:
        assert withdrawal[key] == key
    menu = legal_text_calls(views / "menu.py")
    assert (menu["withdraw_label"], menu["cancel_label"]) == ("label_withdraw_button", "label_cancel_order")
    assert legal_text_calls(views / "documents.py")["withdraw_label"] == "label_withdraw_button"


def test_the_catalogue_labels_are_the_seeds():
    assert legal.legal_text("label_withdraw_button", "en") == "Withdraw from contract here"
    assert legal.legal_text("label_confirm_withdrawal", "en") == "Confirm withdrawal"
    assert legal.legal_text("label_cancel_order", "en") == "Cancel the order"
    assert legal.legal_text("label_checkbox", "en") == "Yes, I want to cancel that order"
