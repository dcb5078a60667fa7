"""Validation against the 360Giving schemas kept in tests/data/360giving.

The three catches its README names: the schemas' meta-schema URL is not one
`referencing` knows, so the dialect is stated; the package schema refers to
the grant schema by a versioned URL, so it is registered under that URL too;
dates are `oneOf` date / date-time, so a FormatChecker with rfc3339 support
(jsonschema[format-nongpl]) is needed.
"""

from __future__ import annotations

import json
from pathlib import Path

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry
from referencing.jsonschema import DRAFT202012

SCHEMAS = Path(__file__).resolve().parents[1] / "data" / "360giving"


def _validator() -> Draft202012Validator:
    grant = json.loads((SCHEMAS / "360-giving-schema.json").read_text())
    package = json.loads((SCHEMAS / "360-giving-package-schema.json").read_text())
    grant_resource = DRAFT202012.create_resource(grant)
    grant_ref = package["properties"]["grants"]["items"]["$ref"]
    registry = Registry().with_resources(
        [(grant["$id"], grant_resource), (grant_ref, grant_resource)]
    )
    return Draft202012Validator(package, registry=registry, format_checker=FormatChecker())


def package_errors(data: dict) -> list[str]:
    return [
        f"{'/'.join(str(p) for p in error.absolute_path)}: {error.message}"
        for error in _validator().iter_errors(data)
    ]
