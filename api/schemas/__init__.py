"""OVHcloud's types, one pydantic model each, named as OVHcloud names them (`title`: the OpenAPI component).

Requests are validated by them and the OpenAPI document is generated from them (api/contract.py).
Responses are checked against them too: a serializer that adds, drops or mistypes a field is a 500 in
the tests, not a silent drift from the document. Limits come from the modules that enforce them.
"""
