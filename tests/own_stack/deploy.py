"""Deploys template.yaml into the emulator, resource by resource, in the shape the template gives.

moto's own CloudFormation cannot do it: it has no SAM transform and no CloudTrail or GuardDuty
resources, and it drops properties the sweep looks at (key rotation periods, bucket lifecycle and
Object Lock, trail event selectors). So this script is a small CloudFormation for the resource
types the template uses: it reads the template with cfn-lint's loader, evaluates the parameters
(defaults, overridden with --param) and conditions, orders resources by their references, and
creates each with the AWS API call CloudFormation would make, resolving the intrinsic functions
the template uses (Ref, Fn::GetAtt, Fn::Sub, Fn::If, Fn::Join, Fn::Split and the condition functions) and
the pseudo parameters; any other is refused.

Types the emulator cannot hold or the sweep has no check on are not created; each is listed in
the output with the reason. Lambda functions and GuardDuty publishing destinations are returned
as data (the sweep reads them through its seams; moto has no publishing-destination API and
would need a deployment package per function).

Prints JSON: {"resources": {logical id: {"type", "ref", "arn"}}, "skipped": {logical id: reason},
"functions": [{"logical_id", "name", "arn", "variables", "dead_letter_target", "subnets"}],
"destinations": {detector id: [{"id", "type", "destination_arn", "kms_key_arn"}]}}.
Used by functions/compliance-sweep/tests/own_stack.rs.
"""

import argparse
import hashlib
import json
import re
import sys

import boto3
from botocore.config import Config
from cfnlint.decode import cfn_yaml

PARTITION = "aws"

# Not created, and why (the sweep has no check on them, or they only wire events together).
NOT_SWEPT = {
    "AWS::Lambda::Permission": "an invoke permission for EventBridge/Secrets Manager; no sweep check reads function policies",
    "AWS::Serverless::StateMachine": "the sharded-sweep state machine; no sweep check reads Step Functions",
}


class Template:
    def __init__(self, template, account, region, stack, params):
        self.t = template
        self.account, self.region, self.stack = account, region, stack
        self.params = {}
        for name, spec in template.get("Parameters", {}).items():
            value = params.get(name, spec.get("Default"))
            if value is None:
                raise SystemExit(f"parameter {name} has no default: pass --param {name}=...")
            if spec.get("Type") == "CommaDelimitedList":
                value = [] if value == "" else [v.strip() for v in str(value).split(",")]
            self.params[name] = value
        self.conditions = {}
        self.created = {}  # logical id -> {"ref": ..., attrs...}

    # ---- conditions ---------------------------------------------------------------------------

    def condition(self, name):
        if name not in self.conditions:
            self.conditions[name] = bool(self.value(self.t["Conditions"][name]))
        return self.conditions[name]

    def included(self, logical):
        name = self.t["Resources"][logical].get("Condition")
        return name is None or self.condition(name)

    # ---- intrinsics ---------------------------------------------------------------------------

    def pseudo(self, name):
        return {
            "AWS::AccountId": self.account,
            "AWS::Region": self.region,
            "AWS::Partition": PARTITION,
            "AWS::StackName": self.stack,
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::NoValue": None,
        }[name]

    def ref(self, name):
        if name.startswith("AWS::"):
            return self.pseudo(name)
        if name in self.params:
            return self.params[name]
        return self.created[name]["ref"]

    def get_att(self, logical, attr):
        attrs = self.created[logical]
        if attr not in attrs:
            raise SystemExit(f"{logical}.{attr}: attribute not provided by this deployer")
        return attrs[attr]

    def sub(self, text, variables):
        def replace(match):
            name = match.group(1)
            if name in variables:
                return str(variables[name])
            if "." in name:
                logical, attr = name.split(".", 1)
                return str(self.get_att(logical, attr))
            return str(self.ref(name))

        return re.sub(r"\$\{([^}!]+)\}", replace, text)

    def value(self, node):
        """The template value with every intrinsic function resolved; AWS::NoValue removed."""
        if isinstance(node, list):
            return [v for v in (self.value(n) for n in node) if v is not None]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            (key, arg), = node.items()
            if key == "Ref":
                return self.ref(arg)
            if key == "Fn::GetAtt":
                logical, attr = arg if isinstance(arg, list) else arg.split(".", 1)
                return self.get_att(logical, attr)
            if key == "Fn::Sub":
                if isinstance(arg, str):
                    return self.sub(arg, {})
                return self.sub(arg[0], {k: self.value(v) for k, v in arg[1].items()})
            if key == "Fn::If":
                name, then, otherwise = arg
                return self.value(then if self.condition(name) else otherwise)
            if key == "Fn::Join":
                sep, parts = arg
                return sep.join(str(p) for p in self.value(parts))
            if key == "Fn::Split":
                sep, text = arg
                return str(self.value(text)).split(sep)
            if key == "Fn::Equals":
                a, b = self.value(arg[0]), self.value(arg[1])
                return a == b
            if key == "Fn::Not":
                return not self.value(arg[0])
            if key == "Fn::And":
                return all(self.value(a) for a in arg)
            if key == "Fn::Or":
                return any(self.value(a) for a in arg)
            if key == "Condition":
                return self.condition(arg)
            if key.startswith("Fn::"):
                raise SystemExit(f"intrinsic function {key} is not known to this deployer")
        return {k: v for k, v in ((k, self.value(v)) for k, v in node.items()) if v is not None}

    # ---- order ----------------------------------------------------------------------------------

    def references(self, node, found):
        if isinstance(node, list):
            for n in node:
                self.references(n, found)
        elif isinstance(node, dict):
            for key, arg in node.items():
                if key == "Ref" and isinstance(arg, str):
                    found.add(arg)
                elif key == "Fn::GetAtt":
                    found.add(arg[0] if isinstance(arg, list) else arg.split(".", 1)[0])
                elif key == "Fn::Sub":
                    text = arg if isinstance(arg, str) else arg[0]
                    for name in re.findall(r"\$\{([^}!]+)\}", text):
                        found.add(name.split(".", 1)[0])
                    if not isinstance(arg, str):
                        self.references(arg[1], found)
                else:
                    self.references(arg, found)
        return found

    def order(self):
        resources = {k: v for k, v in self.t["Resources"].items() if self.included(k)}
        needs = {}
        for logical, resource in resources.items():
            found = self.references(resource.get("Properties", {}), set())
            depends = resource.get("DependsOn", [])
            found.update([depends] if isinstance(depends, str) else depends)
            needs[logical] = {n for n in found if n in resources and n != logical}
        done, ordered = set(), []
        while len(ordered) < len(resources):
            ready = sorted(k for k in resources if k not in done and needs[k] <= done)
            if not ready:
                raise SystemExit(f"circular references among {sorted(set(resources) - done)}")
            for logical in ready:
                done.add(logical)
                ordered.append(logical)
        return ordered


def physical_name(stack, logical, limit=63, lower=False):
    """CloudFormation's generated name: stack-logical-suffix."""
    suffix = hashlib.sha256(f"{stack}/{logical}".encode()).hexdigest()[:12].upper()
    name = f"{stack}-{logical}-{suffix}"[:limit]
    return name.lower() if lower else name


def tags(props):
    return [{"Key": t["Key"], "Value": str(t["Value"])} for t in props.get("Tags", [])]


class Deployer:
    def __init__(self, template, endpoint, account, region):
        self.t = template
        session = boto3.session.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing", region_name=region
        )

        def add_account(request, **_):
            request.headers["x-moto-account-id"] = account

        config = Config(retries={"max_attempts": 1}, s3={"addressing_style": "path"})
        self.clients = {}

        def client(service):
            if service not in self.clients:
                c = session.client(service, endpoint_url=endpoint, config=config)
                c.meta.events.register("before-send.*.*", add_account)
                self.clients[service] = c
            return self.clients[service]

        self.client = client
        self.account, self.region, self.stack = account, region, template.stack
        self.functions, self.destinations, self.skipped = [], {}, {}

    def arn(self, service, resource):
        return f"arn:{PARTITION}:{service}:{self.region}:{self.account}:{resource}"

    def deploy(self):
        resources = self.t.t["Resources"]
        for logical in self.t.order():
            kind = resources[logical]["Type"]
            if kind in NOT_SWEPT:
                self.skipped[logical] = NOT_SWEPT[kind]
                name = physical_name(self.stack, logical)
                ref = self.arn("states", f"stateMachine:{name}") if kind.endswith("StateMachine") else name
                self.t.created[logical] = {"ref": ref, "Arn": ref, "Name": name}
                continue
            create = getattr(self, "create_" + kind.replace("::", "_").lower(), None)
            if create is None:
                raise SystemExit(f"{logical}: resource type {kind} is not known to this deployer")
            props = self.t.value(resources[logical].get("Properties", {}))
            self.t.created[logical] = create(logical, props)
        for logical in resources:
            if not self.t.included(logical):
                condition = resources[logical]["Condition"]
                self.skipped[logical] = f"condition {condition} is false"
        return {
            "resources": {
                k: {"type": resources[k]["Type"], "ref": v["ref"], "arn": v.get("Arn")}
                for k, v in self.t.created.items()
                if k not in self.skipped
            },
            "skipped": self.skipped,
            "functions": self.functions,
            "destinations": self.destinations,
        }

    # ---- KMS ------------------------------------------------------------------------------------

    def create_aws_kms_key(self, logical, p):
        kms = self.client("kms")
        args = {
            "Description": p.get("Description", ""),
            "KeyUsage": p.get("KeyUsage", "ENCRYPT_DECRYPT"),
            "KeySpec": p.get("KeySpec", "SYMMETRIC_DEFAULT"),
            "Policy": json.dumps(p["KeyPolicy"]),
        }
        if tags(p):
            args["Tags"] = [{"TagKey": t["Key"], "TagValue": t["Value"]} for t in tags(p)]
        meta = kms.create_key(**args)["KeyMetadata"]
        if p.get("EnableKeyRotation"):
            rotation = {"KeyId": meta["KeyId"]}
            if "RotationPeriodInDays" in p:
                rotation["RotationPeriodInDays"] = int(p["RotationPeriodInDays"])
            kms.enable_key_rotation(**rotation)
        if p.get("Enabled") is False:
            kms.disable_key(KeyId=meta["KeyId"])
        return {"ref": meta["KeyId"], "Arn": meta["Arn"], "KeyId": meta["KeyId"]}

    def create_aws_kms_alias(self, logical, p):
        self.client("kms").create_alias(AliasName=p["AliasName"], TargetKeyId=p["TargetKeyId"])
        return {"ref": p["AliasName"]}

    # ---- SNS, SQS, SSM --------------------------------------------------------------------------

    def create_aws_sns_topic(self, logical, p):
        name = p.get("TopicName", physical_name(self.stack, logical, 256))
        attributes = {
            k: str(p[k]) for k in ("DisplayName", "KmsMasterKeyId", "SignatureVersion") if k in p
        }
        arn = self.client("sns").create_topic(Name=name, Attributes=attributes)["TopicArn"]
        return {"ref": arn, "TopicArn": arn, "TopicName": name}

    def create_aws_sns_topicpolicy(self, logical, p):
        for topic in p["Topics"]:
            self.client("sns").set_topic_attributes(
                TopicArn=topic, AttributeName="Policy", AttributeValue=json.dumps(p["PolicyDocument"])
            )
        return {"ref": physical_name(self.stack, logical)}

    def create_aws_sns_subscription(self, logical, p):
        # AWS holds an e-mail subscription as PendingConfirmation until the address confirms it;
        # moto lists it as confirmed, the state after the README's first step after deploying.
        arn = self.client("sns").subscribe(
            TopicArn=p["TopicArn"], Protocol=p["Protocol"], Endpoint=p["Endpoint"], ReturnSubscriptionArn=True
        )["SubscriptionArn"]
        return {"ref": arn}

    def create_aws_sqs_queue(self, logical, p):
        name = p.get("QueueName", physical_name(self.stack, logical, 80))
        attributes = {
            k: str(p[k])
            for k in ("KmsMasterKeyId", "MessageRetentionPeriod", "VisibilityTimeout", "SqsManagedSseEnabled")
            if k in p
        }
        url = self.client("sqs").create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        arn = self.arn("sqs", name)
        return {"ref": url, "Arn": arn, "QueueName": name, "QueueUrl": url}

    def create_aws_ssm_parameter(self, logical, p):
        name = p.get("Name", physical_name(self.stack, logical))
        self.client("ssm").put_parameter(
            Name=name, Value=p["Value"], Type=p.get("Type", "String"), Description=p.get("Description", "")
        )
        return {"ref": name}

    # ---- logs and alarms ------------------------------------------------------------------------

    def create_aws_logs_loggroup(self, logical, p):
        logs = self.client("logs")
        name = p.get("LogGroupName", physical_name(self.stack, logical, 512))
        args = {"logGroupName": name}
        if "KmsKeyId" in p:
            args["kmsKeyId"] = p["KmsKeyId"]
        logs.create_log_group(**args)
        if "RetentionInDays" in p:
            logs.put_retention_policy(logGroupName=name, retentionInDays=int(p["RetentionInDays"]))
        return {"ref": name, "Arn": self.arn("logs", f"log-group:{name}:*")}

    def create_aws_logs_metricfilter(self, logical, p):
        name = p.get("FilterName", physical_name(self.stack, logical))
        self.client("logs").put_metric_filter(
            logGroupName=p["LogGroupName"],
            filterName=name,
            filterPattern=p["FilterPattern"],
            metricTransformations=[
                {
                    "metricNamespace": m["MetricNamespace"],
                    "metricName": m["MetricName"],
                    "metricValue": str(m["MetricValue"]),
                    **({"defaultValue": float(m["DefaultValue"])} if "DefaultValue" in m else {}),
                }
                for m in p["MetricTransformations"]
            ],
        )
        return {"ref": name}

    def create_aws_cloudwatch_alarm(self, logical, p):
        name = p.get("AlarmName", physical_name(self.stack, logical, 255))
        args = {"AlarmName": name}
        for key in (
            "AlarmDescription", "ActionsEnabled", "AlarmActions", "OKActions", "InsufficientDataActions",
            "MetricName", "Namespace", "Statistic", "ExtendedStatistic", "Unit", "TreatMissingData",
            "ComparisonOperator",
        ):
            if key in p:
                args[key] = p[key]
        for key in ("Period", "EvaluationPeriods", "DatapointsToAlarm"):
            if key in p:
                args[key] = int(p[key])
        if "Threshold" in p:
            args["Threshold"] = float(p["Threshold"])
        if "Dimensions" in p:
            args["Dimensions"] = [{"Name": d["Name"], "Value": str(d["Value"])} for d in p["Dimensions"]]
        self.client("cloudwatch").put_metric_alarm(**args)
        return {"ref": name, "Arn": self.arn("cloudwatch", f"alarm:{name}")}

    # ---- IAM ------------------------------------------------------------------------------------

    def create_aws_iam_role(self, logical, p):
        iam = self.client("iam")
        name = p.get("RoleName", physical_name(self.stack, logical, 64))
        args = {
            "RoleName": name,
            "AssumeRolePolicyDocument": json.dumps(p["AssumeRolePolicyDocument"]),
            "Path": p.get("Path", "/"),
        }
        if "Description" in p:
            args["Description"] = p["Description"]
        arn = iam.create_role(**args)["Role"]["Arn"]
        for policy in p.get("Policies", []):
            iam.put_role_policy(
                RoleName=name, PolicyName=policy["PolicyName"], PolicyDocument=json.dumps(policy["PolicyDocument"])
            )
        for managed in p.get("ManagedPolicyArns", []):
            iam.attach_role_policy(RoleName=name, PolicyArn=managed)
        return {"ref": name, "Arn": arn}

    def create_aws_iam_rolepolicy(self, logical, p):
        self.client("iam").put_role_policy(
            RoleName=p["RoleName"], PolicyName=p["PolicyName"], PolicyDocument=json.dumps(p["PolicyDocument"])
        )
        return {"ref": physical_name(self.stack, logical)}

    # ---- S3 -------------------------------------------------------------------------------------

    def create_aws_s3_bucket(self, logical, p):
        s3 = self.client("s3")
        name = p.get("BucketName", physical_name(self.stack, logical, 63, lower=True))
        args = {"Bucket": name}
        if self.region != "us-east-1":
            args["CreateBucketConfiguration"] = {"LocationConstraint": self.region}
        if p.get("ObjectLockEnabled"):
            args["ObjectLockEnabledForBucket"] = True
        s3.create_bucket(**args)
        if "VersioningConfiguration" in p:
            s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": p["VersioningConfiguration"]["Status"]})
        if "BucketEncryption" in p:
            rules = [
                {
                    "ApplyServerSideEncryptionByDefault": rule["ServerSideEncryptionByDefault"],
                    **({"BucketKeyEnabled": rule["BucketKeyEnabled"]} if "BucketKeyEnabled" in rule else {}),
                }
                for rule in p["BucketEncryption"]["ServerSideEncryptionConfiguration"]
            ]
            s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": rules})
        if "PublicAccessBlockConfiguration" in p:
            s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=p["PublicAccessBlockConfiguration"])
        if "OwnershipControls" in p:
            s3.put_bucket_ownership_controls(Bucket=name, OwnershipControls=p["OwnershipControls"])
        if "LifecycleConfiguration" in p:
            s3.put_bucket_lifecycle_configuration(
                Bucket=name, LifecycleConfiguration={"Rules": [lifecycle_rule(r) for r in p["LifecycleConfiguration"]["Rules"]]}
            )
        if "ObjectLockConfiguration" in p:
            s3.put_object_lock_configuration(Bucket=name, ObjectLockConfiguration=p["ObjectLockConfiguration"])
        if "LoggingConfiguration" in p:
            logging = p["LoggingConfiguration"]
            s3.put_bucket_logging(
                Bucket=name,
                BucketLoggingStatus={
                    "LoggingEnabled": {
                        "TargetBucket": logging.get("DestinationBucketName", name),
                        "TargetPrefix": logging.get("LogFilePrefix", ""),
                    }
                },
            )
        if tags(p):
            s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": tags(p)})
        return {"ref": name, "Arn": f"arn:{PARTITION}:s3:::{name}", "DomainName": f"{name}.s3.amazonaws.com"}

    def create_aws_s3_bucketpolicy(self, logical, p):
        self.client("s3").put_bucket_policy(Bucket=p["Bucket"], Policy=json.dumps(p["PolicyDocument"]))
        return {"ref": physical_name(self.stack, logical)}

    # ---- CloudTrail, GuardDuty ------------------------------------------------------------------

    def create_aws_cloudtrail_trail(self, logical, p):
        ct = self.client("cloudtrail")
        name = p.get("TrailName", physical_name(self.stack, logical, 128))
        args = {"Name": name, "S3BucketName": p["S3BucketName"]}
        for cfn, api in (
            ("S3KeyPrefix", "S3KeyPrefix"),
            ("SnsTopicName", "SnsTopicName"),
            ("IncludeGlobalServiceEvents", "IncludeGlobalServiceEvents"),
            ("IsMultiRegionTrail", "IsMultiRegionTrail"),
            ("EnableLogFileValidation", "EnableLogFileValidation"),
            ("CloudWatchLogsLogGroupArn", "CloudWatchLogsLogGroupArn"),
            ("CloudWatchLogsRoleArn", "CloudWatchLogsRoleArn"),
            ("KMSKeyId", "KmsKeyId"),
            ("IsOrganizationTrail", "IsOrganizationTrail"),
        ):
            if cfn in p:
                args[api] = p[cfn]
        if tags(p):
            args["TagsList"] = tags(p)
        arn = ct.create_trail(**args)["TrailARN"]
        if "AdvancedEventSelectors" in p:
            ct.put_event_selectors(TrailName=name, AdvancedEventSelectors=p["AdvancedEventSelectors"])
        elif "EventSelectors" in p:
            ct.put_event_selectors(TrailName=name, EventSelectors=p["EventSelectors"])
        if p.get("IsLogging"):
            ct.start_logging(Name=name)
        return {"ref": name, "Arn": arn}

    def create_aws_guardduty_detector(self, logical, p):
        args = {"Enable": bool(p["Enable"])}
        if "FindingPublishingFrequency" in p:
            args["FindingPublishingFrequency"] = p["FindingPublishingFrequency"]
        if "DataSources" in p:
            args["DataSources"] = p["DataSources"]
        if "Features" in p:
            args["Features"] = [
                {"Name": f["Name"], "Status": f["Status"], **({"AdditionalConfiguration": f["AdditionalConfiguration"]} if "AdditionalConfiguration" in f else {})}
                for f in p["Features"]
            ]
        detector = self.client("guardduty").create_detector(**args)["DetectorId"]
        return {"ref": detector, "Id": detector, "Arn": self.arn("guardduty", f"detector/{detector}")}

    def create_aws_guardduty_publishingdestination(self, logical, p):
        # moto has no publishing-destination API: the destination goes to the sweep's seam, in
        # the state GuardDuty reports once it has verified the bucket and key (PUBLISHING).
        destination = {
            "id": physical_name(self.stack, logical),
            "type": p["DestinationType"],
            "destination_arn": p["DestinationProperties"]["DestinationArn"],
            "kms_key_arn": p["DestinationProperties"].get("KmsKeyArn"),
        }
        self.destinations.setdefault(p["DetectorId"], []).append(destination)
        return {"ref": destination["id"], "Id": destination["id"]}

    # ---- EventBridge ----------------------------------------------------------------------------

    def create_aws_events_rule(self, logical, p):
        # GD-06 reads the default bus's rules: the GuardDuty finding rule, with its pattern and
        # target, must be there as deployed (the scheduled rules come along).
        events = self.client("events")
        name = p.get("Name", physical_name(self.stack, logical, 64))
        args = {"Name": name, "State": p.get("State", "ENABLED")}
        if "Description" in p:
            args["Description"] = p["Description"]
        if "EventPattern" in p:
            pattern = p["EventPattern"]
            args["EventPattern"] = pattern if isinstance(pattern, str) else json.dumps(pattern)
        if "ScheduleExpression" in p:
            args["ScheduleExpression"] = p["ScheduleExpression"]
        arn = events.put_rule(**args)["RuleArn"]
        targets = [{"Id": t["Id"], "Arn": t["Arn"]} for t in p.get("Targets", [])]
        if targets:
            events.put_targets(Rule=name, Targets=targets)
        return {"ref": name, "Arn": arn}

    # ---- Lambda ---------------------------------------------------------------------------------

    def create_aws_serverless_function(self, logical, p):
        # Lambda functions reach the sweep through its seam (a listing per Region), so no
        # deployment package has to be built for the emulator. Globals are merged under the function's
        # own properties, one level deep (enough for this template's Globals).
        merged = dict(self.t.value(self.t.t.get("Globals", {}).get("Function", {})))
        merged.update(p)
        name = merged.get("FunctionName", physical_name(self.stack, logical, 64))
        arn = self.arn("lambda", f"function:{name}")
        variables = merged.get("Environment", {}).get("Variables", {})
        vpc = merged.get("VpcConfig") or {}
        self.functions.append(
            {
                "logical_id": logical,
                "name": name,
                "arn": arn,
                "variables": {k: str(v) for k, v in variables.items()},
                # SAM's DeadLetterQueue becomes the function's DeadLetterConfig.
                "dead_letter_target": (merged.get("DeadLetterQueue") or {}).get("TargetArn"),
                "subnets": [str(s) for s in vpc.get("SubnetIds") or []],
            }
        )
        return {"ref": name, "Arn": arn}


def lifecycle_rule(rule):
    """An AWS::S3::Bucket lifecycle rule in the shape of PutBucketLifecycleConfiguration."""
    out = {"ID": rule.get("Id", ""), "Status": rule["Status"], "Filter": {"Prefix": rule.get("Prefix", "")}}
    if "ExpirationInDays" in rule:
        out["Expiration"] = {"Days": int(rule["ExpirationInDays"])}
    if "NoncurrentVersionExpiration" in rule:
        out["NoncurrentVersionExpiration"] = {"NoncurrentDays": int(rule["NoncurrentVersionExpiration"]["NoncurrentDays"])}
    if "AbortIncompleteMultipartUpload" in rule:
        out["AbortIncompleteMultipartUpload"] = {
            "DaysAfterInitiation": int(rule["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"])
        }
    known = {"Id", "Status", "Prefix", "ExpirationInDays", "NoncurrentVersionExpiration", "AbortIncompleteMultipartUpload"}
    unknown = set(rule) - known
    if unknown:
        raise SystemExit(f"lifecycle rule fields {sorted(unknown)} are not known to this deployer")
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("template")
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--account", required=True)
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--stack-name", default="vigil")
    parser.add_argument("--param", action="append", default=[], help="Name=Value")
    args = parser.parse_args()
    params = dict(p.split("=", 1) for p in args.param)
    with open(args.template) as f:
        template = Template(cfn_yaml.loads(f.read()), args.account, args.region, args.stack_name, params)
    out = Deployer(template, args.endpoint, args.account, args.region).deploy()
    json.dump(out, sys.stdout, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
