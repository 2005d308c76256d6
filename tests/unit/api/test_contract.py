"""The contract's generation rules that no request shows: OVHcloud's component names, one schema per name,
and parameter errors worded as OVHcloud's."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from pydantic import BaseModel

from api.contract import _check_unique_names, ovh_component_names
from api.errors import parameter_message


def test_components_take_their_titles_references_follow_and_field_titles_go():
    document = {
        "paths": {"/x": {"get": {"responses": {"200": {"schema": {"$ref": "#/components/schemas/Price"}}}}}},
        "components": {
            "schemas": {
                "Price": {"title": "order.Price", "type": "object"},
                "Error": {"title": "Error", "type": "object"},
                "Bill": {
                    "title": "billing.Bill",
                    "properties": {"p": {"$ref": "#/components/schemas/Price"}, "billId": {"title": "Billid"}},
                },
            }
        },
    }
    renamed = ovh_component_names(document)
    assert set(renamed["components"]["schemas"]) == {"order.Price", "Error", "billing.Bill"}
    assert renamed["components"]["schemas"]["billing.Bill"]["properties"]["p"] == {
        "$ref": "#/components/schemas/order.Price"
    }
    assert renamed["paths"]["/x"]["get"]["responses"]["200"]["schema"]["$ref"] == "#/components/schemas/order.Price"
    assert renamed["components"]["schemas"]["billing.Bill"]["properties"]["billId"] == {}
    assert renamed["components"]["schemas"]["billing.Bill"]["title"] == "billing.Bill"


def test_two_schemas_of_one_name_are_refused():
    class Base(BaseModel):
        pass

    class Same(Base):
        pass

    _check_unique_names(Base)
    first = Same

    class Same(Base):
        pass

    with pytest.raises(ImproperlyConfigured, match="Same"):
        _check_unique_names(Base)
    assert first is not Same


@pytest.mark.parametrize(
    ("error", "message"),
    [
        ({"loc": ("reason",), "type": "missing", "msg": "Field required"}, "Missing parameter reason"),
        (
            {"loc": ("paymentMethod", "id"), "type": "int_type", "msg": "Input should be a valid integer"},
            "Invalid parameter paymentMethod.id: Input should be a valid integer",
        ),
        (
            {"loc": ("accessRules", 0, "method"), "type": "literal_error", "msg": "x"},
            "Invalid parameter accessRules.0.method: x",
        ),
    ],
)
def test_parameter_errors_name_the_parameter(error, message):
    assert parameter_message(error) == message
