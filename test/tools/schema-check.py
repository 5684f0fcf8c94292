#!/usr/bin/python3
"""schema-check.py SCHEMA FILE...: validate YAML files against the JSON Schema.

Uses Debian's python3-yaml and python3-jsonschema, independent of vmapctl's
own reader, so the two can be compared.  Prints one line per file:
"FILE<TAB>valid" or "FILE<TAB>invalid<TAB>why" (a file that is not YAML, or
not exactly one document, is invalid).  Exits 0 unless it could not run.
"""
import json
import sys

import jsonschema
import yaml


def check(validator, path):
    try:
        with open(path, 'rb') as f:
            doc = yaml.safe_load(f)
    except (yaml.YAMLError, UnicodeDecodeError, ValueError) as e:
        return 'not YAML: ' + ' '.join(str(e).split())
    err = jsonschema.exceptions.best_match(validator.iter_errors(doc))
    if err is None:
        return None
    where = '/'.join(str(p) for p in err.absolute_path) or '(top)'
    return where + ': ' + ' '.join(err.message.split())[:300]


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 64
    with open(sys.argv[1]) as f:
        schema = json.load(f)
    jsonschema.Draft7Validator.check_schema(schema)
    validator = jsonschema.Draft7Validator(schema)
    for path in sys.argv[2:]:
        why = check(validator, path)
        print(path + ('\tvalid' if why is None else '\tinvalid\t' + why))
    return 0


if __name__ == '__main__':
    sys.exit(main())
