#!/usr/bin/python3
"""json-check.py SCHEMA=FILE...: validate JSON output against vmapctl's
output schemas (schema/*.schema.json) with Debian's python3-jsonschema.

Each argument pairs a schema with a file holding one JSON document (what
a `vmapctl ... --json` run printed).  Schemas refer to each other by
relative path (apply.schema.json uses plan.schema.json#/definitions/...),
resolved next to the schema.  Every schema is also checked to be a valid
draft-07 schema.  One Python start for many files: starting Python in the
emulated test VM takes seconds.  Prints one line per problem and exits 1
when there is any."""
import json
import os
import sys
import warnings

import jsonschema

# RefResolver is what Debian 12's jsonschema (4.10) has; newer ones warn
warnings.simplefilter("ignore", DeprecationWarning)


def main(pairs):
    bad = 0
    cache = {}
    for pair in pairs:
        schema_path, _, doc_path = pair.partition("=")
        if schema_path not in cache:
            with open(schema_path) as f:
                schema = json.load(f)
            jsonschema.Draft7Validator.check_schema(schema)
            base = "file://" + os.path.abspath(os.path.dirname(schema_path)) + "/"
            resolver = jsonschema.RefResolver(base_uri=base + os.path.basename(schema_path),
                                              referrer=schema)
            cache[schema_path] = jsonschema.Draft7Validator(schema, resolver=resolver)
        validator = cache[schema_path]
        try:
            with open(doc_path) as f:
                doc = json.load(f)
        except (OSError, ValueError) as e:
            print(f"{doc_path}: not JSON: {e}")
            bad += 1
            continue
        for err in sorted(validator.iter_errors(doc), key=lambda e: list(e.path)):
            where = "/".join(str(p) for p in err.path) or "(top)"
            print(f"{doc_path}: {where}: {err.message} (schema {os.path.basename(schema_path)})")
            bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
