"""JSON Schemas of the Open311 GeoReport v2 responses, written from the specification
(open311.org GeoReport_v2: element names, types, required fields, allowed values)."""

DATETIME = {"type": "string", "format": "date-time",
            # ISO 8601 with an explicit offset (the spec: "Timezone information must be included")
            "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"}
NULLABLE_DATETIME = {"anyOf": [DATETIME, {"type": "null"}]}
TEXT = {"type": ["string", "null"]}

DISCOVERY = {
    "type": "object",
    "required": ["changeset", "contact", "key_service", "endpoints"],
    "additionalProperties": False,
    "properties": {
        "changeset": DATETIME,
        "contact": {"type": "string"},
        "key_service": {"type": "string"},
        "endpoints": {"type": "array", "minItems": 2, "items": {
            "type": "object", "additionalProperties": False,
            "required": ["specification", "url", "changeset", "type", "formats"],
            "properties": {
                "specification": {"type": "string", "const": "http://wiki.open311.org/GeoReport_v2"},
                "url": {"type": "string", "pattern": "^https?://"},
                "changeset": DATETIME,
                "type": {"enum": ["production", "test"]},
                "formats": {"type": "array", "minItems": 1,
                            "items": {"enum": ["text/xml", "application/json"]}},
            }}},
    },
}

SERVICES = {
    "type": "array",
    "items": {
        "type": "object", "additionalProperties": False,
        "required": ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"],
        "properties": {
            "service_code": {"type": "string", "minLength": 1},
            "service_name": {"type": "string"},
            "description": TEXT,
            "metadata": {"type": "boolean"},
            "type": {"enum": ["realtime", "batch", "blackbox"]},
            "keywords": TEXT,
            "group": TEXT,
        },
    },
}

SERVICE_DEFINITION = {
    "type": "object", "additionalProperties": False,
    "required": ["service_code", "attributes"],
    "properties": {
        "service_code": {"type": "string"},
        "attributes": {"type": "array", "items": {
            "type": "object", "additionalProperties": False,
            "required": ["variable", "code", "datatype", "required", "datatype_description", "order", "description"],
            "properties": {
                "variable": {"type": "boolean"},
                "code": {"type": "string"},
                "datatype": {"enum": ["string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"]},
                "required": {"type": "boolean"},
                "datatype_description": TEXT,
                "order": {"type": "integer", "minimum": 1},
                "description": {"type": "string"},
                "values": {"type": "array", "items": {
                    "type": "object", "additionalProperties": False, "required": ["key", "name"],
                    "properties": {"key": {"type": ["string", "number"]}, "name": {"type": "string"}}}},
            }}},
    },
}

POST_RESPONSE = {
    "type": "array", "minItems": 1, "maxItems": 1,
    "items": {
        "type": "object", "additionalProperties": False,
        "anyOf": [{"required": ["service_request_id"]}, {"required": ["token"]}],
        "properties": {
            "service_request_id": {"type": ["string", "null"]},
            "token": {"type": ["string", "null"]},
            "service_notice": TEXT,
            "account_id": TEXT,
        },
    },
}

TOKEN_RESPONSE = {
    "type": "array", "minItems": 1,
    "items": {"type": "object", "additionalProperties": False, "required": ["service_request_id", "token"],
              "properties": {"service_request_id": {"type": ["string", "null"]}, "token": {"type": "string"}}},
}

REQUESTS = {
    "type": "array",
    "items": {
        "type": "object", "additionalProperties": False,
        "required": ["service_request_id", "status", "service_code", "requested_datetime"],
        "properties": {
            "service_request_id": {"type": "string"},
            "status": {"enum": ["open", "closed"]},
            "status_notes": TEXT,
            "service_name": TEXT,
            "service_code": TEXT,
            "description": TEXT,
            "agency_responsible": TEXT,
            "service_notice": TEXT,
            "requested_datetime": DATETIME,
            "updated_datetime": NULLABLE_DATETIME,
            "expected_datetime": NULLABLE_DATETIME,
            "address": TEXT,
            "address_id": TEXT,
            "zipcode": TEXT,
            "lat": {"type": ["number", "null"], "minimum": -90, "maximum": 90},
            "long": {"type": ["number", "null"], "minimum": -180, "maximum": 180},
            "media_url": TEXT,
        },
    },
}

ERRORS = {
    "type": "array", "minItems": 1,
    "items": {"type": "object", "additionalProperties": False, "required": ["code", "description"],
              "properties": {"code": {"type": "integer"}, "description": {"type": "string", "minLength": 1}}},
}
