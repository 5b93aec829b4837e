#!/usr/bin/env python3
"""/openapi.json is a valid OpenAPI 3.1 document, and real answers match its schemas.

The document is checked against the OpenAPI 3.1 schema published by the OpenAPI
Initiative (openapi-3.1-schema.json, see README.md here) and each of its schemas against
JSON Schema 2020-12, with python3-jsonschema. Then gatehouse runs on recorded upstream
data and every kind of answer (the models envelope, a model with offers, the gateways,
health, errors) is validated against the schema the document gives for that route and
status. Usage: openapi_test.py GATEHOUSE PLUGINS_DIR FIXTURES_DIR
"""
import json
import pathlib
import sys

import jsonschema

from recorded_gatehouse import get, recorded_gatehouse

HERE = pathlib.Path(__file__).parent
failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
        print("FAIL: " + message)


def validate_document(document):
    meta = json.loads((HERE / "openapi-3.1-schema.json").read_text())
    errors = list(jsonschema.Draft202012Validator(meta).iter_errors(document))
    for e in errors[:10]:
        check(False, "openapi.json at %s: %s" % ("/".join(map(str, e.absolute_path)), e.message))
    for name, schema in document["components"]["schemas"].items():
        try:
            jsonschema.Draft202012Validator.check_schema(schema)
        except jsonschema.SchemaError as e:
            check(False, "schema %s is not JSON Schema 2020-12: %s" % (name, e.message))
    print("openapi.json: %d paths, %d schemas checked" % (
        len(document["paths"]), len(document["components"]["schemas"])))


def response_schema(document, path, status):
    """The JSON schema the document gives for GET path answering status."""
    responses = document["paths"][path]["get"]["responses"]
    response = responses.get(str(status)) or responses.get("default")
    check(response is not None, "GET %s does not document status %d" % (path, status))
    if response is None:
        return None
    while "$ref" in response:
        response = document["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    content = response.get("content", {})
    media = content.get("application/json")
    check(media is not None, "GET %s %d has no application/json schema" % (path, status))
    return media and media["schema"]


def validate_answer(document, base, path, target, status, checks=None):
    got_status, headers, body = get(base + target)
    check(got_status == status, "%s answered %d, expected %d" % (target, got_status, status))
    schema = response_schema(document, path, status)
    if schema is None:
        return None
    instance = json.loads(body)
    root = {"$ref": "#/schema", "schema": schema, "components": document["components"]}
    errors = list(jsonschema.Draft202012Validator(root).iter_errors(instance))
    for e in errors[:5]:
        check(False, "%s (%d) at %s: %s" % (
            target, status, "/".join(map(str, e.absolute_path)), e.message[:300]))
    if not errors:
        print("%-70s %d valid against the document" % (target, status))
    return instance


def main(gatehouse, plugins, fixtures):
    with recorded_gatehouse(gatehouse, plugins, fixtures) as base:
        status, _, body = get(base + "/openapi.json")
        check(status == 200, "/openapi.json answered %d" % status)
        document = json.loads(body)
        validate_document(document)
        models = "/v1/catalog/models"
        one = "/v1/catalog/models/{id}"
        cases = [
            (models, models + "?gateway=hug&limit=5", 200),
            (models, models + "?limit=20&sort=price", 200),  # merged, with offers
            (models, models + "?gateway=openrouter&q=llama&limit=3", 200),
            (models, models + "?gateway=deepinfra", 200),  # the full-list body
            (models, models + "?gateway=portkey&offset=100000", 200),
            (models, models + "?limit=99999", 400),
            (models, models + "?gateway=nope", 400),
            (models, models + "?gateway=broken", 503),
            ("/v1/models", "/v1/models?limit=2", 200),
            (one, one.replace("{id}", "deepseek-ai/DeepSeek-V3"), 200),
            (one, one.replace("{id}", "openai/gpt-4o") + "?gateway=openrouter", 200),
            (one, one.replace("{id}", "no/such-model"), 404),
            ("/v1/models/{id}", "/v1/models/deepseek-ai/DeepSeek-V3", 200),
            ("/v1/catalog/gateways", "/v1/catalog/gateways", 200),
            ("/healthz", "/healthz", 200),
        ]
        for path, target, status in cases:
            validate_answer(document, base, path, target, status)
        merged = validate_answer(document, base, one, one.replace("{id}", "deepseek-ai/DeepSeek-V3"), 200)
        check(merged and len(merged.get("offers", [])) >= 2,
              "the merged DeepSeek-V3 should carry offers of several gateways")
    if failures:
        print("%d failures" % len(failures))
        return 1
    print("all answers match the document")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
