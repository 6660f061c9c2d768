#!/usr/bin/env python3
"""Writes internal/iam/awsmanaged.json.gz: the AWS managed policies sekisho
serves in every account (name -> path, dates, default version, document),
for the services it runs (S3, IAM, STS, Cognito, Organizations) and the
general job-function policies (AdministratorAccess, PowerUserAccess,
ReadOnlyAccess, ViewOnlyAccess, SecurityAudit) and Lambda's basic roles.

The documents are AWS's published ones (`aws iam get-policy-version`); this
reads them from the copy the moto package carries, when it is installed:

    python3 scripts/gen-aws-managed-policies.py
"""
import gzip, json, os, re
from moto.iam.aws_managed_policies import aws_managed_policies_data

GENERAL = {"AdministratorAccess", "PowerUserAccess", "ReadOnlyAccess", "ViewOnlyAccess", "SecurityAudit",
           "AWSLambdaBasicExecutionRole", "AWSLambdaExecute", "AWSLambdaRole", "AWSLambda_FullAccess",
           "AWSLambda_ReadOnlyAccess", "CloudWatchLogsFullAccess", "CloudWatchLogsReadOnlyAccess"}
data = json.loads(aws_managed_policies_data)
out = {}
for name in sorted(data):
    if name in GENERAL or re.search(r"S3|IAM|Cognito|STS|Organizations", name):
        p = data[name]
        out[name] = {"Path": p["Path"], "CreateDate": p["CreateDate"], "UpdateDate": p["UpdateDate"],
                     "DefaultVersionId": p["DefaultVersionId"], "Document": p["Document"]}
dst = os.path.join(os.path.dirname(__file__), "..", "internal", "iam", "awsmanaged.json.gz")
with gzip.GzipFile(dst, "wb", mtime=0) as f:
    f.write(json.dumps(out, separators=(",", ":"), sort_keys=True).encode())
print(len(out), "policies")
