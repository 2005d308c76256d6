"""The OpenAPI 3.1 document of /1.0/, served at /1.0/openapi.json, with OVHcloud's model and field names.

Every route of `api.urls` is here (tests/test_api_openapi.py checks it), with its parameters,
request body and response schema; errors share one schema, `{"message", "errorCode"?, "httpCode"?}`.
"""

from copy import deepcopy
from functools import cache

from django.conf import settings

from catalog.models import Family
from orders.models import OrderStatus, RetractionReason

from .paging import MAX_NUMBER, MAX_SIZE, MODE
from .serializers_billing import PAYMENT_MEANS, REUSABLE_MEAN_VALUES

API_VERSION = "1.0"


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: dict) -> dict:
    if "$ref" in schema:
        return {"anyOf": [schema, {"type": "null"}]}
    schema = dict(schema)
    kind = schema.get("type")
    schema["type"] = [kind, "null"] if isinstance(kind, str) else [*kind, "null"]
    if "enum" in schema:
        schema["enum"] = [*schema["enum"], None]
    return schema


def obj(properties: dict, required: list[str] | None = None, description: str = "") -> dict:
    schema = {"type": "object", "properties": properties}
    if required is not None:
        schema["required"] = required
    if description:
        schema["description"] = description
    return schema


def array(items: dict) -> dict:
    return {"type": "array", "items": items}


STRING = {"type": "string"}
INTEGER = {"type": "integer"}
BOOLEAN = {"type": "boolean"}
NUMBER = {"type": "number"}
DATETIME = {"type": "string", "format": "date-time"}
ID = {"type": "integer", "minimum": 0, "maximum": 999_999_999_999_999_999}
SUBSIDIARIES = ["CA", "DE", "ES", "FR", "GB", "IE", "IT", "NL", "PL", "PT", "SN", "TN", "US"]
FOLLOW_UP_LABELS = [
    "ORDER_STARTED",
    "PAYMENT_INITIATED",
    "REGISTERED_PAYMENT_INITIATED",
    "PAYMENT_RECEIVED",
    "PAYMENT_CONFIRMED",
    "FRAUD_CHECK",
    "FRAUD_MANUAL_REVIEW",
    "FRAUD_DOCS_REQUESTED",
    "FRAUD_REFUSED",
    "ORDER_ACCEPTED",
    "DELIVERY",
    "INVOICE_IN_PROGRESS",
    "INVOICE_SENT",
]
PAYMENT_TYPES = ["BANK_TRANSFER", "CREDIT_CARD", "PAYPAL", "SEPA_DIRECT_DEBIT"]
PAYMENT_STATUSES = ["EXPIRED", "PAUSED", "VALID"]
PRODUCTS = [family.value for family in Family]

PRICE = obj(
    {"currencyCode": STRING, "text": STRING, "value": NUMBER, "priceInUcents": INTEGER},
    ["currencyCode", "text", "value"],
    "order.Price",
)
OFFER_PRICE = obj(
    {
        "capacities": array({"type": "string", "enum": ["installation", "renew"]}),
        "description": STRING,
        "duration": STRING,
        "interval": INTEGER,
        "minimumQuantity": INTEGER,
        "maximumQuantity": nullable(INTEGER),
        "minimumRepeat": INTEGER,
        "maximumRepeat": nullable(INTEGER),
        "price": ref("order.Price"),
        "priceInUcents": INTEGER,
        "pricingMode": STRING,
        "pricingType": {"type": "string", "enum": ["consumption", "purchase", "rental"]},
    },
    ["capacities", "duration", "interval", "price", "priceInUcents", "pricingMode", "pricingType"],
)
QUOTE_DETAIL = obj(
    {
        "cartItemID": nullable(INTEGER),
        "description": STRING,
        "detailType": {"type": "string", "enum": ["DURATION", "INSTALLATION"]},
        "domain": STRING,
        "quantity": NUMBER,
        "unitPrice": ref("order.Price"),
        "totalPrice": ref("order.Price"),
        "originalTotalPrice": ref("order.Price"),
        "reductionTotalPrice": ref("order.Price"),
        "reductions": array({"type": "object"}),
    },
    ["description", "domain", "quantity", "unitPrice", "totalPrice", "originalTotalPrice", "reductionTotalPrice"],
    "order.OrderDetail",
)
FORMATTED_PRICING = obj(
    {
        "capacities": array(STRING),
        "commitment": INTEGER,
        "description": STRING,
        "interval": INTEGER,
        "intervalUnit": {"type": "string", "enum": ["day", "hour", "month", "none"]},
        "minimumQuantity": INTEGER,
        "maximumQuantity": nullable(INTEGER),
        "minimumRepeat": INTEGER,
        "maximumRepeat": nullable(INTEGER),
        "mustBeCompleted": BOOLEAN,
        "price": ref("order.Price"),
        "priceInUcents": INTEGER,
        "pricingStrategy": STRING,
    },
    ["capacities", "commitment", "interval", "intervalUnit", "price", "priceInUcents"],
    "order.catalog.Pricing",
)
PRODUCT_PLAN = obj(
    {
        "planCode": STRING,
        "invoiceName": STRING,
        "pricingType": STRING,
        "familyName": STRING,
        "addonsFamily": array({"type": "object"}),
        "details": obj(
            {
                "pricings": obj({"default": array(FORMATTED_PRICING)}, ["default"]),
                "product": obj(
                    {
                        "name": STRING,
                        "description": STRING,
                        "internalType": STRING,
                        "configurations": array({"type": "object"}),
                    },
                    ["name", "description"],
                ),
            },
            ["pricings", "product"],
        ),
        "prices": array(obj({"region": STRING, "price": ref("order.Price")}, ["region", "price"])),
    },
    ["planCode", "invoiceName", "pricingType", "details"],
    "order.catalog.ProductPlan",
)

SCHEMAS = {
    "Error": obj(
        {"message": STRING, "errorCode": STRING, "httpCode": STRING},
        ["message"],
        "Every error: errorCode INVALID_KEY, INVALID_CREDENTIAL, NOT_CREDENTIAL, NOT_GRANTED_CALL, FORBIDDEN "
        "(403), INVALID_SIGNATURE, QUERY_TIME_OUT (400).",
    ),
    "order.Price": PRICE,
    "auth.AccessRule": obj(
        {
            "method": {"type": "string", "enum": ["GET", "POST", "PUT", "DELETE"]},
            "path": {"type": "string", "pattern": "^/", "maxLength": 500},
        },
        ["method", "path"],
    ),
    "auth.Credential": obj(
        {
            "validationUrl": STRING,
            "consumerKey": STRING,
            "state": {"type": "string", "enum": ["pendingValidation"]},
        },
        ["validationUrl", "consumerKey", "state"],
    ),
    "api.Credential": obj(
        {
            "credentialId": INTEGER,
            "applicationId": INTEGER,
            "creation": DATETIME,
            "expiration": nullable(DATETIME),
            "lastUse": nullable(DATETIME),
            "ovhSupport": BOOLEAN,
            "status": {"type": "string", "enum": ["validated"]},
            "rules": array(ref("auth.AccessRule")),
            "allowedIPs": nullable(array(STRING)),
        },
        ["credentialId", "applicationId", "creation", "status", "rules"],
    ),
    "nichandle.Nichandle": obj(
        {
            "nichandle": STRING,
            "customerCode": STRING,
            "email": STRING,
            "ovhSubsidiary": STRING,
            "ovhCompany": {"type": "string", "enum": ["kimsufi", "ovh", "soyoustart"]},
            "legalform": {
                "type": "string",
                "enum": ["administration", "association", "corporation", "individual", "other", "personalcorporation"],
            },
            "country": STRING,
            "language": STRING,
            "firstname": STRING,
            "name": STRING,
            "organisation": STRING,
            "corporationType": nullable(STRING),
            "address": STRING,
            "complementaryAddress": nullable(STRING),
            "city": STRING,
            "zip": STRING,
            "area": nullable(STRING),
            "phone": STRING,
            "vat": STRING,
            "spareEmail": nullable(STRING),
            "currency": obj({"code": STRING, "symbol": STRING}, ["code", "symbol"]),
            "state": {"type": "string", "enum": ["complete", "incomplete"]},
            "kycValidated": nullable(BOOLEAN),
        },
        ["nichandle", "email", "ovhSubsidiary", "legalform", "country", "language", "currency", "state"],
    ),
    "billing.Order": obj(
        {
            "orderId": INTEGER,
            "date": nullable(DATETIME),
            "expirationDate": nullable(DATETIME),
            "retractionDate": nullable(DATETIME),
            "password": STRING,
            "url": STRING,
            "pdfUrl": STRING,
            "priceWithTax": ref("order.Price"),
            "priceWithoutTax": ref("order.Price"),
            "tax": ref("order.Price"),
        },
        [
            "orderId",
            "date",
            "expirationDate",
            "retractionDate",
            "password",
            "url",
            "pdfUrl",
            "priceWithTax",
            "priceWithoutTax",
            "tax",
        ],
    ),
    "billing.order.OrderStatusEnum": {"type": "string", "enum": list(OrderStatus.values)},
    "billing.order.FollowUp": obj(
        {
            "step": {"type": "string", "enum": ["VALIDATING", "VALIDATED", "DELIVERING", "AVAILABLE"]},
            "status": {"type": "string", "enum": ["DOING", "DONE", "ERROR", "TODO"]},
            "history": array(
                obj(
                    {"date": DATETIME, "description": STRING, "label": {"type": "string", "enum": FOLLOW_UP_LABELS}},
                    ["date", "description", "label"],
                )
            ),
        },
        ["step", "status", "history"],
    ),
    "billing.OrderDetail": obj(
        {
            "orderDetailId": INTEGER,
            "description": STRING,
            "domain": STRING,
            "quantity": STRING,
            "unitPrice": ref("order.Price"),
            "totalPrice": ref("order.Price"),
            "cancelled": BOOLEAN,
            "detailType": {"type": "string", "enum": ["DURATION", "INSTALLATION"]},
        },
        ["orderDetailId", "description", "domain", "quantity", "unitPrice", "totalPrice", "cancelled"],
    ),
    "billing.ItemDetail": obj(
        {
            "order": obj(
                {
                    "action": {"type": "string", "enum": ["installation", "renew"]},
                    "type": {"type": "string", "enum": ["plan", "product"]},
                    "plan": obj(
                        {
                            "code": STRING,
                            "duration": STRING,
                            "pricingMode": STRING,
                            "quantity": INTEGER,
                            "product": obj({"name": STRING}),
                        },
                        ["code", "duration", "pricingMode", "quantity", "product"],
                    ),
                    "configurations": array(obj({"label": STRING, "value": STRING}, ["label", "value"])),
                },
                ["plan", "configurations"],
            )
        },
        ["order"],
    ),
    "billing.order.AssociatedObject": obj(
        {"id": STRING, "type": {"type": "string", "enum": ["Bill", "Deposit", "Refund", "ReverseBill", "Withdrawal"]}},
        ["id", "type"],
    ),
    "billing.order.AvailablePaymentMethod": obj(
        {
            "paymentType": STRING,
            "paymentSubType": nullable(STRING),
            "integration": {"type": "string", "enum": ["GET_FORM", "POST_FORM", "REDIRECT"]},
            "oneshot": BOOLEAN,
            "registerable": BOOLEAN,
        },
        ["paymentType", "integration", "oneshot", "registerable"],
    ),
    "me.payment.method.PaymentMethod": obj(
        {
            "paymentMethodId": INTEGER,
            "paymentType": {"type": "string", "enum": PAYMENT_TYPES},
            "paymentSubType": nullable(STRING),
            "label": STRING,
            "description": STRING,
            "default": BOOLEAN,
            "status": {"type": "string", "enum": PAYMENT_STATUSES},
            "expirationDate": nullable({"type": "string", "format": "date"}),
            "creationDate": DATETIME,
        },
        ["paymentMethodId", "paymentType", "label", "default", "status", "creationDate"],
    ),
    "billing.order.PaymentMethods": obj(
        {
            "available": array(ref("billing.order.AvailablePaymentMethod")),
            "paymentMethods": array(ref("me.payment.method.PaymentMethod")),
            "registered": array(INTEGER),
        },
        ["available", "paymentMethods", "registered"],
    ),
    "billing.Refund": obj(
        {
            "refundId": STRING,
            "orderId": INTEGER,
            "originalBillId": nullable(STRING),
            "date": DATETIME,
            "password": STRING,
            "url": STRING,
            "pdfUrl": STRING,
            "priceWithTax": ref("order.Price"),
            "priceWithoutTax": ref("order.Price"),
            "tax": ref("order.Price"),
        },
        ["refundId", "orderId", "date", "password", "url", "pdfUrl", "priceWithTax", "priceWithoutTax", "tax"],
    ),
    "billing.Bill": obj(
        {
            "billId": STRING,
            "orderId": INTEGER,
            "date": DATETIME,
            "password": STRING,
            "category": STRING,
            "url": STRING,
            "pdfUrl": STRING,
            "priceWithTax": ref("order.Price"),
            "priceWithoutTax": ref("order.Price"),
            "tax": ref("order.Price"),
        },
        [
            "billId",
            "orderId",
            "date",
            "password",
            "category",
            "url",
            "pdfUrl",
            "priceWithTax",
            "priceWithoutTax",
            "tax",
        ],
    ),
    "auth.Details": obj(
        {
            "account": STRING,
            "allowedRoutes": array(ref("auth.AccessRule")),
            "description": STRING,
            "identities": array(STRING),
            "method": {"type": "string", "enum": ["account", "provider", "user"]},
            "roles": array(STRING),
            "user": nullable(STRING),
        },
        ["account", "allowedRoutes", "identities", "method"],
    ),
    "billing.PaymentMeanEnum": {"type": "string", "enum": sorted(set(PAYMENT_MEANS.values()))},
    "billing.ReusablePaymentMeanEnum": {"type": "string", "enum": REUSABLE_MEAN_VALUES},
    "billing.order.RegisteredPaymentMean": obj(
        {"paymentMean": ref("billing.ReusablePaymentMeanEnum")}, ["paymentMean"]
    ),
    "billing.Payment": obj(
        {
            "paymentDate": DATETIME,
            "paymentIdentifier": nullable(STRING),
            "paymentType": ref("billing.PaymentMeanEnum"),
        },
        ["paymentDate", "paymentType"],
    ),
    "debt.Debt": obj(
        {
            "orderId": INTEGER,
            "amount": ref("order.Price"),
            "dueAmount": ref("order.Price"),
            "dueDate": nullable(DATETIME),
            "pendingAmount": ref("order.Price"),
            "todoAmount": ref("order.Price"),
            "unmaturedAmount": ref("order.Price"),
        },
        ["orderId", "amount", "dueAmount", "pendingAmount", "todoAmount", "unmaturedAmount"],
    ),
    "billing.BillDetail": obj(
        {
            "billDetailId": STRING,
            "description": STRING,
            "domain": STRING,
            "periodStart": nullable({"type": "string", "format": "date"}),
            "periodEnd": nullable({"type": "string", "format": "date"}),
            "quantity": STRING,
            "unitPrice": ref("order.Price"),
            "totalPrice": ref("order.Price"),
            "originalBillDetailId": nullable(STRING),
            "planCode": nullable(STRING),
            "serviceId": nullable(INTEGER),
        },
        ["billDetailId", "description", "domain", "quantity", "unitPrice", "totalPrice"],
    ),
    "order.cart.Cart": obj(
        {
            "cartId": STRING,
            "description": STRING,
            "expire": nullable(DATETIME),
            "items": array(INTEGER),
            "readOnly": BOOLEAN,
        },
        ["cartId", "description", "expire", "items", "readOnly"],
    ),
    "order.cart.Item": obj(
        {
            "cartId": STRING,
            "itemId": INTEGER,
            "productId": STRING,
            "duration": STRING,
            "options": array(INTEGER),
            "parentItemId": INTEGER,
            "configurations": array(INTEGER),
            "prices": array(
                obj(
                    {
                        "label": {"type": "string", "enum": ["DISCOUNT", "FEE", "PRICE", "RENEW", "TOTAL"]},
                        "price": ref("order.Price"),
                    },
                    ["label", "price"],
                )
            ),
            "settings": obj(
                {"planCode": STRING, "pricingMode": STRING, "quantity": INTEGER},
                ["planCode", "pricingMode", "quantity"],
            ),
        },
        ["cartId", "itemId", "productId", "options", "prices", "settings"],
    ),
    "order.cart.ConfigurationItem": obj({"id": INTEGER, "label": STRING, "value": STRING}, ["id", "label", "value"]),
    "order.cart.ConfigurationRequirements": obj(
        {"label": STRING, "type": STRING, "required": BOOLEAN, "fields": nullable(array(STRING))},
        ["label", "type", "required"],
    ),
    "order.cart.GenericProductDefinition": obj(
        {"planCode": STRING, "productName": STRING, "productType": STRING, "prices": array(OFFER_PRICE)},
        ["planCode", "productName", "productType", "prices"],
    ),
    "order.cart.GenericOptionDefinition": obj(
        {
            "planCode": STRING,
            "productName": STRING,
            "productType": STRING,
            "family": STRING,
            "mandatory": BOOLEAN,
            "exclusive": BOOLEAN,
            "prices": array(OFFER_PRICE),
        },
        ["planCode", "productName", "productType", "family", "mandatory", "exclusive", "prices"],
    ),
    "order.Contract": obj({"name": STRING, "url": STRING, "content": STRING}, ["name", "url", "content"]),
    "order.Order": obj(
        {
            "orderId": nullable(INTEGER),
            "url": nullable(STRING),
            "prices": obj(
                {
                    "withoutTax": ref("order.Price"),
                    "withTax": ref("order.Price"),
                    "tax": ref("order.Price"),
                    "originalWithoutTax": ref("order.Price"),
                    "reduction": ref("order.Price"),
                },
                ["withoutTax", "withTax", "tax"],
            ),
            "details": array(QUOTE_DETAIL),
            "contracts": array(ref("order.Contract")),
        },
        ["orderId", "url", "prices", "details", "contracts"],
    ),
    "order.catalog.Catalog": obj(
        {"catalogId": INTEGER, "merchantCode": STRING, "plans": array(PRODUCT_PLAN)},
        ["catalogId", "merchantCode", "plans"],
    ),
    "order.catalog.pcc.Catalog": obj(
        {
            "active": BOOLEAN,
            "catalogId": INTEGER,
            "catalogName": STRING,
            "commercialRanges": array({"type": "object"}),
            "merchantCode": STRING,
            "plans": array(PRODUCT_PLAN),
        },
        ["active", "catalogId", "catalogName", "commercialRanges", "merchantCode", "plans"],
    ),
    "order.catalog.dedicated.Catalog": obj(
        {
            "families": array(obj({"name": STRING, "products": array(STRING)}, ["name", "products"])),
            "metadatas": obj(
                {
                    "catalog": STRING,
                    "currency": obj({"code": STRING, "description": STRING, "symbol": STRING}),
                    "datacenters": array(STRING),
                    "merchant": STRING,
                },
                ["catalog", "currency", "merchant"],
            ),
            "products": array(
                obj(
                    {
                        "code": STRING,
                        "family": STRING,
                        "invoiceName": STRING,
                        "datacenters": array(STRING),
                        "prices": array(FORMATTED_PRICING),
                        "specifications": {"type": "object"},
                        "addonsFamily": array({"type": "object"}),
                    },
                    ["code", "family", "invoiceName", "prices"],
                )
            ),
            "techDetails": array({"type": "object"}),
        },
        ["families", "metadatas", "products", "techDetails"],
    ),
    "order.catalog.publik.Catalog": obj(
        {
            "catalogId": INTEGER,
            "locale": obj(
                {"currencyCode": STRING, "subsidiary": STRING, "taxRate": NUMBER},
                ["currencyCode", "subsidiary", "taxRate"],
            ),
            "planFamilies": array(obj({"name": STRING}, ["name"])),
            "plans": array(
                obj(
                    {
                        "planCode": STRING,
                        "invoiceName": STRING,
                        "product": STRING,
                        "family": nullable(STRING),
                        "pricingType": STRING,
                        "pricings": array(
                            obj(
                                {
                                    "phase": INTEGER,
                                    "capacities": array(STRING),
                                    "commitment": INTEGER,
                                    "description": STRING,
                                    "interval": INTEGER,
                                    "intervalUnit": STRING,
                                    "mode": STRING,
                                    "mustBeCompleted": BOOLEAN,
                                    "price": INTEGER,
                                    "tax": INTEGER,
                                    "quantity": obj({"min": INTEGER, "max": nullable(INTEGER)}, ["min"]),
                                    "repeat": obj({"min": INTEGER, "max": nullable(INTEGER)}, ["min"]),
                                    "strategy": STRING,
                                    "type": STRING,
                                    "promotions": array({"type": "object"}),
                                    "engagementConfiguration": nullable({"type": "object"}),
                                },
                                ["phase", "capacities", "interval", "intervalUnit", "mode", "price", "tax", "type"],
                            )
                        ),
                        "addonFamilies": array({"type": "object"}),
                        "configurations": array({"type": "object"}),
                    },
                    ["planCode", "invoiceName", "product", "pricingType", "pricings"],
                )
            ),
            "addons": array({"type": "object"}),
            "products": array(obj({"name": STRING, "description": STRING}, ["name", "description"])),
        },
        ["catalogId", "locale", "planFamilies", "plans", "addons", "products"],
    ),
}

# --- operations ----------------------------------------------------------------------------------------------

ERROR_RESPONSE = {"description": "Error", "content": {"application/json": {"schema": ref("Error")}}}
SIGNED = [{"application": [], "consumer": [], "timestamp": [], "signature": []}]
APP_ONLY = [{"application": []}]
ANYONE = [{}]
OPTIONAL = [{}, *SIGNED]


def path_param(name: str, schema: dict, description: str = "") -> dict:
    param = {"name": name, "in": "path", "required": True, "schema": schema}
    if description:
        param["description"] = description
    return param


def query_param(name: str, schema: dict, required: bool = False, description: str = "") -> dict:
    param = {"name": name, "in": "query", "required": required, "schema": schema}
    if description:
        param["description"] = description
    return param


ORDER_ID = path_param("orderId", ID)
DETAIL_ID = path_param("orderDetailId", ID)
CART_ID = path_param("cartId", {"type": "string", "format": "uuid"})
ITEM_ID = path_param("itemId", ID)
BILL_ID = path_param("billId", STRING)
CONFIGURATION_ID = path_param("configurationId", ID)
PRODUCT = path_param("product", {"type": "string", "enum": PRODUCTS}, "Product family; unknown ones are 404")
SUBSIDIARY = query_param("ovhSubsidiary", {"type": "string", "enum": SUBSIDIARIES}, required=True)
NULL = {"type": "null"}


def body(schema: dict, required: bool = True) -> dict:
    if not required:
        schema = {"anyOf": [schema, {"type": "null"}]}
    return {"required": required, "content": {"application/json": {"schema": schema}}}


NO_BODY = body(obj({}), required=False)
PAGES = [
    {"name": "X-Pagination-Mode", "in": "header", "required": False, "schema": {"type": "string", "enum": [MODE]}},
    {"name": "X-Pagination-Sort", "in": "header", "required": False, "schema": STRING},
    {
        "name": "X-Pagination-Sort-Order",
        "in": "header",
        "required": False,
        "schema": {"type": "string", "enum": ["ASC", "DESC"]},
    },
    {
        "name": "X-Pagination-Number",
        "in": "header",
        "required": False,
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_NUMBER},
    },
    {
        "name": "X-Pagination-Size",
        "in": "header",
        "required": False,
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_SIZE},
    },
]


def ids_or_pages(ids: dict, model: str) -> dict:
    """A list route: its ids, or with X-Pagination-Mode one page of whole objects (api/paging.py)."""
    return {"anyOf": [array(ids), array(ref(model))]}


def op(
    operation_id: str,
    summary: str,
    tag: str,
    response: dict | None,
    *,
    security: list = SIGNED,
    parameters: list | None = None,
    request: dict | None = None,
    errors: tuple[int, ...] = (400, 403, 404),
) -> dict:
    schema = NULL if response is None else response
    responses = {"200": {"description": "OK", "content": {"application/json": {"schema": schema}}}}
    for status in errors:
        responses[str(status)] = ERROR_RESPONSE
    responses["default"] = ERROR_RESPONSE
    operation = {
        "operationId": operation_id,
        "summary": summary,
        "tags": [tag],
        "security": security,
        "responses": responses,
    }
    if parameters:
        operation["parameters"] = parameters
    if request is not None:
        operation["requestBody"] = request
    return operation


CREDENTIAL_BODY = obj(
    {
        "accessRules": {**array(ref("auth.AccessRule")), "minItems": 1, "maxItems": 100},
        "redirection": nullable({"type": "string", "format": "uri"}),
        "allowedIPs": nullable(array(STRING)),
    },
    ["accessRules"],
)
CART_CREATION = obj(
    {
        "ovhSubsidiary": {"type": "string", "enum": SUBSIDIARIES},
        "description": {"type": "string", "maxLength": 200},
        "expire": DATETIME,
    },
    ["ovhSubsidiary"],
    "order.cart.Creation",
)
CART_UPDATE = obj({"description": {"type": "string", "maxLength": 200}, "expire": DATETIME}, [], "order.cart.Update")
ITEM_UPDATE = obj(
    {"duration": {"type": "string", "maxLength": 8}, "quantity": {"type": "integer", "minimum": 1, "maximum": 100}},
    [],
    "order.cart.ItemUpdate",
)
ITEM_CREATION = obj(
    {
        "planCode": {"type": "string", "maxLength": 64},
        "duration": {"type": "string", "maxLength": 8},
        "pricingMode": {"type": "string", "maxLength": 20},
        "quantity": {"type": "integer", "minimum": 1, "maximum": 100},
    },
    ["planCode", "duration"],
    "order.cart.GenericProductCreation",
)
OPTION_CREATION = obj(
    {"itemId": ID, **ITEM_CREATION["properties"]},
    ["itemId", "planCode", "duration"],
    "order.cart.GenericOptionCreation",
)
CONFIGURATION_CREATION = obj(
    {"label": {"type": "string", "minLength": 1, "maxLength": 100}, "value": {"type": "string", "maxLength": 1000}},
    ["label", "value"],
)
CHECKOUT = obj(
    {"autoPayWithPreferredPaymentMethod": BOOLEAN, "waiveRetractationPeriod": BOOLEAN},
    [],
    "order.cart.Checkout",
)
PAY = obj({"paymentMethod": obj({"id": INTEGER}, ["id"])}, ["paymentMethod"])
PAY_WITH_MEAN = obj(
    {"paymentMean": ref("billing.ReusablePaymentMeanEnum"), "paymentMeanId": nullable(INTEGER)},
    ["paymentMean"],
    "billing.order.PayWithRegisteredPaymentMean",
)
RETRACTION = obj(
    {
        "reason": {"type": "string", "enum": list(RetractionReason.values)},
        "comment": {"type": "string", "maxLength": 2000},
        "iban": {"type": "string", "maxLength": 64, "description": "Only for orders paid by bank transfer"},
    },
    ["reason"],
)


V1_SCHEMA = {
    "type": "object",
    "required": ["apiVersion", "basePath", "resourcePath", "apis", "models"],
    "properties": {"apis": array({"type": "object"}), "models": {"type": "object"}, "resourcePath": STRING},
}


def build_paths() -> dict:
    r = ref
    order, detail = "/me/order/{orderId}", "/me/order/{orderId}/details/{orderDetailId}"
    cart = "/order/cart/{cartId}"
    item = cart + "/item/{itemId}"
    return {
        "/auth/time": {
            "get": op("getAuthTime", "Server time (unix seconds)", "auth", INTEGER, security=ANYONE, errors=())
        },
        "/auth/credential": {
            "post": op(
                "postAuthCredential",
                "Request a consumer key for access rules; the customer validates it at validationUrl",
                "auth",
                r("auth.Credential"),
                security=APP_ONLY,
                request=body(CREDENTIAL_BODY),
                errors=(400, 403),
            )
        },
        "/auth/details": {
            "get": op("getAuthDetails", "Who signed this call (auth.Details)", "auth", r("auth.Details"))
        },
        "/auth/currentCredential": {
            "get": op("getAuthCurrentCredential", "The consumer key that signed this call", "auth", r("api.Credential"))
        },
        "/auth/logout": {
            "post": op("postAuthLogout", "Expire the consumer key that signed this call", "auth", None, request=NO_BODY)
        },
        "/me": {"get": op("getMe", "The customer's account", "me", r("nichandle.Nichandle"))},
        "/me/payment/method": {
            "get": op(
                "getMePaymentMethods",
                "Ids of the customer's payment methods",
                "me",
                array(INTEGER),
                parameters=[
                    query_param("default", BOOLEAN),
                    query_param("paymentType", {"type": "string", "enum": PAYMENT_TYPES}),
                    query_param("status", {"type": "string", "enum": PAYMENT_STATUSES}),
                ],
            )
        },
        "/me/payment/method/{paymentMethodId}": {
            "get": op(
                "getMePaymentMethod",
                "One payment method",
                "me",
                r("me.payment.method.PaymentMethod"),
                parameters=[path_param("paymentMethodId", ID)],
            )
        },
        "/me/bill": {
            "get": op(
                "getMeBills",
                "Ids of the customer's bills",
                "me",
                array(STRING),
                parameters=[
                    query_param("orderId", ID),
                    query_param("date.from", DATETIME),
                    query_param("date.to", DATETIME),
                ],
            )
        },
        "/me/bill/{billId}": {"get": op("getMeBill", "One bill", "me", r("billing.Bill"), parameters=[BILL_ID])},
        "/me/bill/{billId}/details": {
            "get": op("getMeBillDetails", "Ids of the bill's lines", "me", array(STRING), parameters=[BILL_ID])
        },
        "/me/bill/{billId}/details/{billDetailId}": {
            "get": op(
                "getMeBillDetail",
                "One line of a bill",
                "me",
                r("billing.BillDetail"),
                parameters=[BILL_ID, path_param("billDetailId", STRING)],
            )
        },
        "/me/refund": {"get": op("getMeRefunds", "Ids of the customer's refunds", "me", array(INTEGER))},
        "/me/refund/{refundId}": {
            "get": op("getMeRefund", "One refund", "me", r("billing.Refund"), parameters=[path_param("refundId", ID)])
        },
        "/me/order": {
            "get": op(
                "getMeOrders",
                "Ids of the customer's orders, ascending (with X-Pagination-Mode, pages of billing.Order)",
                "order",
                ids_or_pages(INTEGER, "billing.Order"),
                parameters=[query_param("date.from", DATETIME), query_param("date.to", DATETIME), *PAGES],
            )
        },
        order: {"get": op("getMeOrder", "A purchase order", "order", r("billing.Order"), parameters=[ORDER_ID])},
        order + "/status": {
            "get": op(
                "getMeOrderStatus",
                "The order's status, a bare JSON string",
                "order",
                r("billing.order.OrderStatusEnum"),
                parameters=[ORDER_ID],
            )
        },
        order + "/followUp": {
            "get": op(
                "getMeOrderFollowUp",
                "The four tracking steps",
                "order",
                {**array(r("billing.order.FollowUp")), "minItems": 4, "maxItems": 4},
                parameters=[ORDER_ID],
            )
        },
        order + "/details": {
            "get": op(
                "getMeOrderDetails",
                "Ids of the order's lines (with X-Pagination-Mode, pages of billing.OrderDetail)",
                "order",
                ids_or_pages(INTEGER, "billing.OrderDetail"),
                parameters=[ORDER_ID, *PAGES],
            )
        },
        order + "/availableRegisteredPaymentMean": {
            "get": op(
                "getMeOrderAvailableRegisteredPaymentMean",
                "Registered payment means that can pay this order (fidelityAccount for a zero total)",
                "order",
                array(r("billing.order.RegisteredPaymentMean")),
                parameters=[ORDER_ID],
            )
        },
        order + "/payWithRegisteredPaymentMean": {
            "post": op(
                "postMeOrderPayWithRegisteredPaymentMean",
                "Pay with a registered payment mean (paymentMeanId: one of /me/payment/method)",
                "order",
                None,
                parameters=[ORDER_ID],
                request=body(PAY_WITH_MEAN),
                errors=(400, 403, 404, 409),
            )
        },
        order + "/payment": {
            "get": op(
                "getMeOrderPayment",
                "How the order was paid (404 until it is)",
                "order",
                r("billing.Payment"),
                parameters=[ORDER_ID],
            )
        },
        order + "/debt": {
            "get": op(
                "getMeOrderDebt",
                "What the order still owes (404 when nothing)",
                "order",
                r("debt.Debt"),
                parameters=[ORDER_ID],
            )
        },
        detail: {
            "get": op(
                "getMeOrderDetail", "One line", "order", r("billing.OrderDetail"), parameters=[ORDER_ID, DETAIL_ID]
            )
        },
        detail + "/extension": {
            "get": op(
                "getMeOrderDetailExtension",
                "What the line orders (plan, duration, configurations)",
                "order",
                r("billing.ItemDetail"),
                parameters=[ORDER_ID, DETAIL_ID],
            )
        },
        order + "/associatedObject": {
            "get": op(
                "getMeOrderAssociatedObject",
                "The order's latest refund (404 if none)",
                "order",
                r("billing.order.AssociatedObject"),
                parameters=[ORDER_ID],
            )
        },
        order + "/paymentMethods": {
            "get": op(
                "getMeOrderPaymentMethods",
                "Payment methods that can pay this order",
                "order",
                r("billing.order.PaymentMethods"),
                parameters=[ORDER_ID],
            )
        },
        order + "/pay": {
            "post": op(
                "postMeOrderPay",
                "Pay the order with a registered payment method",
                "order",
                None,
                parameters=[ORDER_ID],
                request=body(PAY),
                errors=(400, 403, 404, 409),
            )
        },
        order + "/retraction": {
            "post": op(
                "postMeOrderRetraction",
                "Withdraw from the contract (the call is the confirmation)",
                "order",
                None,
                parameters=[ORDER_ID],
                request=body(RETRACTION),
                errors=(400, 403, 404, 409),
            )
        },
        order + "/waiveRetraction": {
            "post": op(
                "postMeOrderWaiveRetraction",
                "Request that the services start within the withdrawal period",
                "order",
                None,
                parameters=[ORDER_ID],
                request=NO_BODY,
                errors=(400, 403, 404, 409),
            )
        },
        "/order/cart": {
            "get": op(
                "getOrderCarts",
                "Ids of the customer's open carts",
                "cart",
                array(STRING),
                parameters=[query_param("description", STRING)],
            ),
            "post": op(
                "postOrderCart",
                "Create a cart (no authentication needed; throttled per IP)",
                "cart",
                r("order.cart.Cart"),
                security=OPTIONAL,
                request=body(CART_CREATION),
                errors=(400, 403, 429),
            ),
        },
        cart: {
            "get": op("getOrderCart", "A cart", "cart", r("order.cart.Cart"), security=OPTIONAL, parameters=[CART_ID]),
            "put": op(
                "putOrderCart",
                "Change a cart's description or expiry",
                "cart",
                r("order.cart.Cart"),
                security=OPTIONAL,
                parameters=[CART_ID],
                request=body(CART_UPDATE),
                errors=(400, 403, 404, 409),
            ),
            "delete": op("deleteOrderCart", "Delete a cart", "cart", None, security=OPTIONAL, parameters=[CART_ID]),
        },
        cart + "/assign": {
            "post": op(
                "postOrderCartAssign",
                "Assign the cart to the signed-in account",
                "cart",
                None,
                parameters=[CART_ID],
                request=NO_BODY,
                errors=(400, 403, 404, 409),
            )
        },
        cart + "/summary": {
            "get": op(
                "getOrderCartSummary",
                "Prices of the cart (contracts empty)",
                "cart",
                r("order.Order"),
                security=OPTIONAL,
                parameters=[CART_ID],
            )
        },
        cart + "/checkout": {
            "get": op(
                "getOrderCartCheckout",
                "Dry run: prices, lines, and the contracts (withdrawal information and consents)",
                "cart",
                r("order.Order"),
                security=OPTIONAL,
                parameters=[CART_ID],
            ),
            "post": op(
                "postOrderCartCheckout",
                "Place the order (an unpaid purchase order, paid at once with autoPayWithPreferredPaymentMethod)",
                "cart",
                r("order.Order"),
                parameters=[CART_ID],
                request=body(CHECKOUT, required=False),
                errors=(400, 403, 404, 409),
            ),
        },
        cart + "/item": {
            "get": op(
                "getOrderCartItems",
                "Ids of the cart's items",
                "cart",
                array(INTEGER),
                security=OPTIONAL,
                parameters=[CART_ID],
            )
        },
        item: {
            "get": op(
                "getOrderCartItem",
                "One item",
                "cart",
                r("order.cart.Item"),
                security=OPTIONAL,
                parameters=[CART_ID, ITEM_ID],
            ),
            "put": op(
                "putOrderCartItem",
                "Change an item's duration (same plan and pricing mode) or quantity",
                "cart",
                r("order.cart.Item"),
                security=OPTIONAL,
                parameters=[CART_ID, ITEM_ID],
                request=body(ITEM_UPDATE),
                errors=(400, 403, 404, 409),
            ),
            "delete": op(
                "deleteOrderCartItem",
                "Remove an item",
                "cart",
                None,
                security=OPTIONAL,
                parameters=[CART_ID, ITEM_ID],
                errors=(400, 403, 404, 409),
            ),
        },
        item + "/requiredConfiguration": {
            "get": op(
                "getOrderCartItemRequiredConfiguration",
                "Configurations the item needs (none for our plans)",
                "cart",
                array(r("order.cart.ConfigurationRequirements")),
                security=OPTIONAL,
                parameters=[CART_ID, ITEM_ID],
            )
        },
        item + "/configuration": {
            "get": op(
                "getOrderCartItemConfigurations",
                "Ids of the item's configurations",
                "cart",
                array(INTEGER),
                security=OPTIONAL,
                parameters=[CART_ID, ITEM_ID],
            ),
            "post": op(
                "postOrderCartItemConfiguration",
                "Add a configuration {label, value}",
                "cart",
                r("order.cart.ConfigurationItem"),
                security=OPTIONAL,
                parameters=[CART_ID, ITEM_ID],
                request=body(CONFIGURATION_CREATION),
                errors=(400, 403, 404, 409),
            ),
        },
        item + "/configuration/{configurationId}": {
            "get": op(
                "getOrderCartItemConfiguration",
                "One configuration",
                "cart",
                r("order.cart.ConfigurationItem"),
                security=OPTIONAL,
                parameters=[CART_ID, ITEM_ID, CONFIGURATION_ID],
            ),
            "delete": op(
                "deleteOrderCartItemConfiguration",
                "Remove a configuration",
                "cart",
                None,
                security=OPTIONAL,
                parameters=[CART_ID, ITEM_ID, CONFIGURATION_ID],
                errors=(400, 403, 404, 409),
            ),
        },
        cart + "/{product}": {
            "get": op(
                "getOrderCartProduct",
                "Offers of a product family in the cart's subsidiary",
                "cart",
                array(r("order.cart.GenericProductDefinition")),
                security=OPTIONAL,
                parameters=[CART_ID, PRODUCT, query_param("planCode", STRING)],
            ),
            "post": op(
                "postOrderCartProduct",
                "Add an item",
                "cart",
                r("order.cart.Item"),
                security=OPTIONAL,
                parameters=[CART_ID, PRODUCT],
                request=body(ITEM_CREATION),
                errors=(400, 403, 404, 409),
            ),
        },
        cart + "/{product}/options": {
            "get": op(
                "getOrderCartProductOptions",
                "Options of a plan (catalog addons) in the cart's subsidiary",
                "cart",
                array(r("order.cart.GenericOptionDefinition")),
                security=OPTIONAL,
                parameters=[CART_ID, PRODUCT, query_param("planCode", STRING, required=True)],
            ),
            "post": op(
                "postOrderCartProductOptions",
                "Add an option to an item (a child item: parentItemId)",
                "cart",
                r("order.cart.Item"),
                security=OPTIONAL,
                parameters=[CART_ID, PRODUCT],
                request=body(OPTION_CREATION),
                errors=(400, 403, 404, 409),
            ),
        },
        "/order/catalog/formatted": {
            "get": op(
                "getOrderCatalogFormattedNames",
                "Names of the formatted catalogs",
                "catalog",
                array(STRING),
                security=ANYONE,
                errors=(),
            )
        },
        "/order/catalog/formatted/{catalogName}": {
            "get": op(
                "getOrderCatalogFormatted",
                "A formatted catalog (cloud, dedicated, privateCloud)",
                "catalog",
                {
                    "anyOf": [
                        r("order.catalog.Catalog"),
                        r("order.catalog.pcc.Catalog"),
                        r("order.catalog.dedicated.Catalog"),
                    ]
                },
                security=ANYONE,
                parameters=[
                    path_param("catalogName", {"type": "string", "enum": ["cloud", "dedicated", "privateCloud"]}),
                    SUBSIDIARY,
                ],
                errors=(400, 404),
            )
        },
        "/order/catalog/public/{catalogName}": {
            "get": op(
                "getOrderCatalogPublic",
                "A public catalog",
                "catalog",
                r("order.catalog.publik.Catalog"),
                security=ANYONE,
                parameters=[path_param("catalogName", {"type": "string", "enum": PRODUCTS}), SUBSIDIARY],
                errors=(400, 404),
            )
        },
        **{
            f"/{resource}.json": {
                "get": op(
                    f"get{resource.title()}Schema",
                    f"OVHcloud's v1 schema document of /{resource} (apis, models), derived from this one",
                    "meta",
                    V1_SCHEMA,
                    security=ANYONE,
                    errors=(),
                )
            }
            for resource in ("auth", "me", "order")
        },
        "/openapi.json": {
            "get": op(
                "getOpenApi",
                "This document",
                "meta",
                {"type": "object", "required": ["openapi", "paths"]},
                security=ANYONE,
                errors=(),
            )
        },
    }


@cache
def _document() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Control panel orders API",
            "version": API_VERSION,
            "description": (
                "Wire-compatible with OVHcloud's /1.0 order routes. Signed calls carry X-Ovh-Application, "
                'X-Ovh-Consumer, X-Ovh-Timestamp and X-Ovh-Signature = "$1$" + sha1(AS+"+"+CK+"+"+METHOD+"+"+'
                'URL+"+"+BODY+"+"+TIMESTAMP).'
            ),
        },
        "paths": build_paths(),
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                "application": {"type": "apiKey", "in": "header", "name": "X-Ovh-Application"},
                "consumer": {"type": "apiKey", "in": "header", "name": "X-Ovh-Consumer"},
                "timestamp": {"type": "apiKey", "in": "header", "name": "X-Ovh-Timestamp"},
                "signature": {"type": "apiKey", "in": "header", "name": "X-Ovh-Signature"},
            },
        },
    }


def document() -> dict:
    """The document, with the server's public URL."""
    doc = deepcopy(_document())
    doc["servers"] = [{"url": settings.PUBLIC_BASE_URL.rstrip("/") + "/" + API_VERSION}]
    return doc


def openapi_document(request, caller):
    return document()
