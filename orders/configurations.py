"""How a cart item or an order line keeps its configurations (OVHcloud's `label` and `value` per item)."""


def configurations_list(configurations) -> list[dict]:
    """[{id, label, value}] from a CartItem/OrderLine `configurations` dict.

    The API stores `{"<id>": {"label", "value"}}`; a plain `{label: value}` (the panel's) also reads.
    """
    result = []
    for key, value in (configurations or {}).items():
        if isinstance(value, dict) and "label" in value:
            try:
                ident = int(key)
            except ValueError:
                ident = len(result) + 1
            result.append({"id": ident, "label": str(value["label"]), "value": str(value.get("value", ""))})
        else:
            result.append({"id": len(result) + 1, "label": str(key), "value": str(value)})
    return result
