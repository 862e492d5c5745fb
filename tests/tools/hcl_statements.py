"""Print the `aws_iam_policy_document` data sources of a Terraform file as JSON.

Usage: hcl_statements.py FILE

Parses FILE with python-hcl2 and prints {"NAME": [statement, ...]} where each
statement holds the block's attributes with their string values decoded as
HCL defines them: escape sequences resolved, `$${` read as a literal `${`
and `%%{` as a literal `%{`. A real interpolation or template directive in a
string is an error, because a policy document must not contain one.
"""

import json
import sys

import hcl2
from hcl2.rules.strings import StringRule
from hcl2.utils import SerializationOptions, process_escape_sequences


def literal_part(part, options, context):
    """Return the literal value of one part of a quoted HCL string."""
    kind = part.content.lark_name()
    text = part.serialize(options, context)
    if kind == "STRING_CHARS":
        return process_escape_sequences(text)
    if kind in ("ESCAPED_INTERPOLATION", "ESCAPED_DIRECTIVE"):
        # `$${x}` is the literal text `${x}`; the rest is ordinary text.
        return text[1:3] + process_escape_sequences(text[3:])
    raise ValueError(f"template {kind} in a policy string: {text!r}")


# python-hcl2 passes escaped markers through as written (`$${`); decode them
# the way Terraform does instead.
StringRule._serialize_part_as_value = staticmethod(literal_part)


def main(path):
    with open(path, encoding="utf-8") as handle:
        tree = hcl2.loads(
            handle.read(),
            serialization_options=SerializationOptions(
                strip_string_quotes=True, explicit_blocks=False, with_comments=False
            ),
        )
    documents = {}
    for data in tree.get("data", []):
        for name, body in data.get("aws_iam_policy_document", {}).items():
            documents[name] = body.get("statement", [])
    json.dump(documents, sys.stdout, indent=2, sort_keys=True)
    print()


if __name__ == "__main__":
    main(sys.argv[1])
