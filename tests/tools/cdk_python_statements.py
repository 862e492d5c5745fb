"""Print the `iam.PolicyStatement(...)` calls of a CDK Python file as JSON.

Usage: cdk_python_statements.py FILE

Parses FILE with Python's own parser (so a syntax error fails) and prints
{"NAME": [statement, ...]} for each module-level list assignment. A
statement maps each keyword argument to its literal value; `effect` becomes
the member name (`ALLOW`) and principals become [class name, argument].
"""

import ast
import json
import sys


def argument(node):
    """Return the JSON form of one keyword argument's value."""
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.List) and all(isinstance(item, ast.Call) for item in node.elts):
        return [[item.func.attr, ast.literal_eval(item.args[0]) if item.args else None] for item in node.elts]
    return ast.literal_eval(node)


def statement(call):
    """Return the keyword arguments of one `iam.PolicyStatement` call."""
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == "PolicyStatement"):
        raise ValueError(f"line {call.lineno}: not an iam.PolicyStatement call")
    if call.args:
        raise ValueError(f"line {call.lineno}: positional arguments")
    return {keyword.arg: argument(keyword.value) for keyword in call.keywords}


def main(path):
    with open(path, encoding="utf-8") as handle:
        module = ast.parse(handle.read(), filename=path)
    lists = {}
    for node in module.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.List):
            lists[node.targets[0].id] = [statement(item) for item in node.value.elts]
    json.dump(lists, sys.stdout, indent=2, sort_keys=True)
    print()


if __name__ == "__main__":
    main(sys.argv[1])
