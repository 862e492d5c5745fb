"""Print a YAML file as JSON.

Usage: yaml_to_json.py FILE

Reads FILE with PyYAML's safe loader (installed with cfn-lint), so a value
YAML would read as anything but the intended string shows up as a
different JSON value.
"""

import json
import sys

import yaml


def main(path):
    with open(path, encoding="utf-8") as handle:
        json.dump(yaml.safe_load(handle), sys.stdout, indent=2, sort_keys=True, default=str)
    print()


if __name__ == "__main__":
    main(sys.argv[1])
