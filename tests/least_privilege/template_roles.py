"""The IAM statements of each role in template.yaml, as JSON, for tests/tests/least_privilege.rs.

CloudFormation YAML (short-form intrinsics such as !Sub and !If) is read with cfn-lint's own
loader. Statements from a role's inline Policies and from AWS::IAM::Policy / ManagedPolicy
resources attached to it (or AWS::IAM::RolePolicy naming it) are listed together; a statement behind Fn::If is kept with the
condition's name, and intrinsic values are rendered as short readable strings.
"""

import json
import sys

from cfnlint.decode import cfn_yaml


def render(value):
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and len(value) == 1:
        (key, arg), = value.items()
        if key == "Ref":
            return "${%s}" % arg
        if key == "Fn::GetAtt":
            return "${%s}" % (".".join(arg) if isinstance(arg, list) else arg)
        if key == "Fn::Sub":
            return arg if isinstance(arg, str) else arg[0]
        if key == "Fn::If":
            return render(arg[1])
    return json.dumps(value, sort_keys=True)


def as_list(value):
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def statements(document, condition=None):
    for statement in as_list(document.get("Statement")):
        if isinstance(statement, dict) and "Fn::If" in statement:
            name, then, _ = statement["Fn::If"]
            if isinstance(then, dict) and then != {"Ref": "AWS::NoValue"}:
                yield from statements({"Statement": [then]}, name)
            continue
        yield {
            "sid": statement.get("Sid", ""),
            "effect": statement.get("Effect", ""),
            "actions": [render(a) for a in as_list(statement.get("Action"))],
            "not_actions": [render(a) for a in as_list(statement.get("NotAction"))],
            "resources": [render(r) for r in as_list(statement.get("Resource"))],
            "has_condition": bool(statement.get("Condition")),
            "if": condition,
        }


def main(path):
    with open(path) as f:
        template = cfn_yaml.loads(f.read())
    resources = template.get("Resources", {})
    roles = {}
    for name, resource in resources.items():
        if resource.get("Type") == "AWS::IAM::Role":
            roles[name] = []
            for policy in as_list(resource.get("Properties", {}).get("Policies")):
                roles[name].extend(statements(policy.get("PolicyDocument", {})))
    for name, resource in resources.items():
        if resource.get("Type") in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            props = resource.get("Properties", {})
            for role in as_list(props.get("Roles")):
                ref = role.get("Ref") if isinstance(role, dict) else None
                if ref in roles:
                    roles[ref].extend(statements(props.get("PolicyDocument", {})))
        if resource.get("Type") == "AWS::IAM::RolePolicy":
            props = resource.get("Properties", {})
            role = props.get("RoleName")
            ref = role.get("Ref") if isinstance(role, dict) else None
            if ref in roles:
                roles[ref].extend(statements(props.get("PolicyDocument", {})))
    json.dump(roles, sys.stdout, indent=1, sort_keys=True)


if __name__ == "__main__":
    main(sys.argv[1])
