"""OVHcloud's v1 schema documents (`/me.json`, `/order.json`, `/auth.json`), derived from the OpenAPI document.

OVHcloud's clients read these: the Node.js client builds its calls from `apis[].path` and
`operations[].httpMethod`; the manager reads enums from `models` (e.g. `billing.order.OrderStatusEnum`
for its status filter); the order-cart examples' `php/schema.php` reads `parameters[].dataType` and
`models[type].properties[].fullType`/`canBeNull`. Nothing here is written per route: every operation
and model comes from the generated OpenAPI document (api/contract.py), converted to the v1 format.
"""

SCALARS = {"integer": "long", "number": "double", "boolean": "boolean", "null": "void"}
STRING_FORMATS = {"date-time": "datetime", "date": "date", "uuid": "string", "uri": "string"}


class _Converter:
    """Turns OpenAPI schemas into v1 type names, collecting the models they name (inline ones get a name)."""

    def __init__(self, schemas: dict):
        self.schemas = schemas
        self.models: dict[str, dict] = {}

    def type_of(self, schema: dict, name_hint: str) -> tuple[str, bool]:
        """(v1 type, can be null) of a schema; `name_hint` names an inline object or enum."""
        if "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            self.model(name, self.schemas[name])
            return name, False
        if "anyOf" in schema:
            members = [member for member in schema["anyOf"] if member.get("type") != "null"]
            kind, _nullable = self.type_of(members[0], name_hint)
            return kind, len(members) < len(schema["anyOf"])
        kind = schema.get("type", "object")
        nullable = isinstance(kind, list) and "null" in kind
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), "null")
        if "enum" in schema:
            self.model(name_hint + "Enum", schema)
            return name_hint + "Enum", nullable
        if kind == "array":
            item, _item_nullable = self.type_of(schema.get("items", {}), name_hint)
            return item + "[]", nullable
        if kind == "object":
            if not schema.get("properties"):
                return "map[string]any", nullable
            self.model(name_hint, schema)
            return name_hint, nullable
        if kind == "string":
            return STRING_FORMATS.get(schema.get("format", ""), "string"), nullable
        return SCALARS.get(kind, kind), nullable

    def model(self, name: str, schema: dict) -> None:
        if name in self.models:
            return
        namespace, _dot, short = name.rpartition(".")
        model = {"id": short, "namespace": namespace, "description": schema.get("description", "")}
        self.models[name] = model  # before the properties: a model may refer to itself
        if "enum" in schema:
            model |= {"enum": [value for value in schema["enum"] if value is not None], "enumType": "string"}
            return
        required = set(schema.get("required", []))
        properties = {}
        for prop, prop_schema in schema.get("properties", {}).items():
            kind, nullable = self.type_of(prop_schema, name + prop[:1].upper() + prop[1:])
            properties[prop] = {
                "type": kind,
                "fullType": kind,
                "canBeNull": nullable or prop not in required,
                "readOnly": True,
                "description": prop_schema.get("description", ""),
            }
        model["properties"] = properties


def _parameters(operation: dict, converter: _Converter, name_hint: str) -> list[dict]:
    params = []
    for param in operation.get("parameters", []):
        if param["in"] not in {"path", "query"}:
            continue
        kind, _nullable = converter.type_of(param["schema"], name_hint + param["name"].title().replace(".", ""))
        params.append(
            {
                "name": param["name"],
                "dataType": kind,
                "fullType": kind,
                "paramType": param["in"],
                "required": param.get("required", False),
                "description": param.get("description", ""),
            }
        )
    body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
    body = next((m for m in body.get("anyOf", []) if m.get("type") != "null"), body)
    if "$ref" in body:  # the body's OVHcloud type: its fields are the operation's body parameters
        body = converter.schemas[body["$ref"].rsplit("/", 1)[-1]]
    required = set(body.get("required", []))
    for name, schema in body.get("properties", {}).items():
        kind, _nullable = converter.type_of(schema, name_hint + name[:1].upper() + name[1:])
        params.append(
            {
                "name": name,
                "dataType": kind,
                "fullType": kind,
                "paramType": "body",
                "required": name in required,
                "description": schema.get("description", ""),
            }
        )
    return params


def _no_authentication(operation: dict) -> bool:
    """True when the route answers unsigned calls (anonymous carts, catalogs, the server time)."""
    return {} in operation.get("security", [])


def schema_document(doc: dict, resource: str) -> dict:
    """The v1 document of the OpenAPI document `doc`'s routes under `resource` ("/me", "/order" or "/auth")."""
    converter = _Converter(doc["components"]["schemas"])
    apis = []
    for path, item in doc["paths"].items():
        if path.endswith(".json") or not (path == resource or path.startswith(resource + "/")):
            continue
        operations = []
        for method, operation in item.items():
            hint = operation["operationId"][:1].upper() + operation["operationId"][1:]
            schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
            response_type, _nullable = converter.type_of(schema, "api." + hint + "Response")
            operations.append(
                {
                    "httpMethod": method.upper(),
                    "apiStatus": {"value": "PRODUCTION", "description": "Stable production version"},
                    "description": operation["summary"],
                    "parameters": _parameters(operation, converter, "api." + hint),
                    "responseType": response_type,
                    "noAuthentication": _no_authentication(operation),
                }
            )
        apis.append({"path": path, "description": operations[0]["description"], "operations": operations})
    return {
        "apiVersion": doc["info"]["version"],
        "swaggerVersion": "1.1",
        "basePath": doc["servers"][0]["url"],
        "resourcePath": resource,
        "apis": apis,
        "models": dict(sorted(converter.models.items())),
    }
