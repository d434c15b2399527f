"""Security Hub: BatchImportFindings as AWS checks it, and BatchUpdateFindings.

moto 5.2.5 stores whatever BatchImportFindings is given and, on an update, overwrites every
field. AWS:
- rejects a finding (in FailedFindings, the rest of the batch still imported) that lacks a
  required ASFF attribute (AwsAccountId, CreatedAt, Description, GeneratorId, Id, ProductArn,
  Resources with Id and Type, SchemaVersion, Severity, Title, Types, UpdatedAt), whose
  AwsAccountId is not the caller's account, or whose ProductArn is not a product of the
  Region called;
- after a finding exists, ignores what the provider sends for Note, UserDefinedFields,
  VerificationState and Workflow (the customer's investigation fields);
- sets Workflow.Status NEW on a new finding, and back to NEW from NOTIFIED or RESOLVED when
  the compliance status changes from PASSED to something else or the record state from
  ARCHIVED to ACTIVE.
moto has no BatchUpdateFindings (PATCH /findings/batchupdate); added here for Workflow and
Note, answering unknown findings in UnprocessedFindings as AWS does.

Tests that prove a rejected finding is retried and then named ask for rejections through an
extra endpoint:

    POST /moto-api/vigil/securityhub/reject
    {"ids": ["vigil/compliance-sweep/KMS-01/..."], "times": 1, "code": "InternalException"}

Each listed id is rejected (FailedFindings, with that code) by the next `times` imports that
carry it.
"""

import json
import re

from moto.moto_api._internal import urls as moto_api_urls
from moto.securityhub import models, responses, urls

REQUIRED = (
    "AwsAccountId",
    "CreatedAt",
    "Description",
    "GeneratorId",
    "Id",
    "ProductArn",
    "Resources",
    "SchemaVersion",
    "Severity",
    "Title",
    "Types",
    "UpdatedAt",
)
CUSTOMER_FIELDS = ("Note", "UserDefinedFields", "VerificationState", "Workflow")

_reject = {}


def _index(backend):
    """Findings by id (moto keeps a list: a scan per finding made a large import quadratic)."""
    index = getattr(backend, "_vigil_index", None)
    if index is None or len(index) != len(backend.findings):
        index = {f.id: f for f in backend.findings}
        backend._vigil_index = index
    return index


def _problem(self, finding):
    missing = [k for k in REQUIRED if finding.get(k) in (None, "", [], {})]
    if missing:
        return f"Finding does not have the required attribute(s) {', '.join(missing)}"
    for r in finding["Resources"]:
        if not r.get("Id") or not r.get("Type"):
            return "Each resource needs Id and Type"
    if finding["AwsAccountId"] != self.account_id:
        return f"AwsAccountId {finding['AwsAccountId']} is not the caller's account {self.account_id}"
    if not re.fullmatch(
        rf"arn:aws[a-z-]*:securityhub:{re.escape(self.region_name)}:\d{{12}}:product/[^/]+/[^/]+",
        finding["ProductArn"],
    ):
        return f"ProductArn {finding['ProductArn']} is not a product in {self.region_name}"
    label = finding["Severity"].get("Label") or finding["Severity"].get("Normal")
    if label is None:
        return "Severity needs Label"
    if not isinstance(finding["Types"], list):
        return "Types must be a list"
    return None


def batch_import_findings(self, findings):
    failed = []
    success = 0
    for finding in findings:
        fid = finding.get("Id", "")
        left = _reject.get(fid, (0, ""))
        if left[0] > 0:
            _reject[fid] = (left[0] - 1, left[1])
            failed.append({"Id": fid, "ErrorCode": left[1], "ErrorMessage": "rejected by the test"})
            continue
        problem = _problem(self, finding)
        if problem:
            failed.append({"Id": fid, "ErrorCode": "InvalidInput", "ErrorMessage": problem})
            continue
        index = _index(self)
        existing = index.get(fid)
        if existing is None:
            data = dict(finding)
            data.setdefault("Workflow", {"Status": "NEW"})
            data["WorkflowState"] = "NEW"
            data.setdefault("RecordState", "ACTIVE")
            created = models.Finding(fid, data)
            self.findings.append(created)
            index[fid] = created
        else:
            old = existing.data
            update = {k: v for k, v in finding.items() if k not in CUSTOMER_FIELDS}
            was_passed = (old.get("Compliance") or {}).get("Status") == "PASSED"
            now_passed = (update.get("Compliance") or {}).get("Status") == "PASSED"
            was_archived = old.get("RecordState") == "ARCHIVED"
            now_active = update.get("RecordState", "ACTIVE") == "ACTIVE"
            old.update(update)
            status = old.get("Workflow", {}).get("Status", "NEW")
            if status in ("NOTIFIED", "RESOLVED") and (
                (was_passed and not now_passed) or (was_archived and now_active)
            ):
                old["Workflow"] = {"Status": "NEW"}
        success += 1
    return len(failed), success, failed


def batch_update_findings(self):
    body = json.loads(self.body or "{}")
    backend = self.securityhub_backend
    processed, unprocessed = [], []
    for ident in body.get("FindingIdentifiers", []):
        finding = _index(backend).get(ident.get("Id"))
        if finding is not None and finding.data.get("ProductArn") != ident.get("ProductArn"):
            finding = None
        if finding is None:
            unprocessed.append(
                {
                    "FindingIdentifier": ident,
                    "ErrorCode": "FindingNotFound",
                    "ErrorMessage": "Finding Not Found",
                }
            )
            continue
        if "Workflow" in body:
            finding.data["Workflow"] = {"Status": body["Workflow"]["Status"]}
        if "Note" in body:
            finding.data["Note"] = dict(body["Note"], UpdatedAt=finding.data.get("UpdatedAt"))
        processed.append(ident)
    return json.dumps({"ProcessedFindings": processed, "UnprocessedFindings": unprocessed})


def reject(request, full_url, headers):
    # Read as moto's own /moto-api endpoints do: Werkzeug has not parsed the body.
    size = int(headers.get("Content-Length") or 0)
    body = json.loads(request.environ["wsgi.input"].read(size).decode("utf-8") or "{}")
    for fid in body.get("ids", []):
        _reject[fid] = (int(body.get("times", 1)), body.get("code", "InternalException"))
    return 200, {"Content-Type": "application/json"}, json.dumps({"rejecting": len(_reject)})


models.SecurityHubBackend.batch_import_findings = batch_import_findings
responses.SecurityHubResponse.batch_update_findings = batch_update_findings
urls.url_paths["{0}/findings/batchupdate$"] = responses.SecurityHubResponse.dispatch
moto_api_urls.url_paths["{0}/moto-api/vigil/securityhub/reject"] = reject
