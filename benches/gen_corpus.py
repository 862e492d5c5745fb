#!/usr/bin/env python3
"""Generates a benchmark corpus of CloudTrail S3 delivery files.

The files follow CloudTrail's delivery layout and naming:
AWSLogs/ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/ACCOUNT_CloudTrail_REGION_YYYYMMDDTHHMMZ_RANDOM.json.gz.
Their records are shaped like real ones. They come from many principals
(assumed roles, IAM users, AWS services) in several regions, carry nested
requestParameters and responseElements, and include some non-authorization
errors and a few denials of the target role. The same seed and size always
give the same bytes.

Usage: gen_corpus.py --out DIR --size-mb 1024 [--seed 1] [--role-arn ARN] [--denials 40]
The size is the uncompressed JSON size; the script prints what it wrote.
"""

import argparse
import datetime
import gzip
import json
import os
import random
import string

REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2"]
CALLS = [
    ("s3.amazonaws.com", "GetObject", lambda r: {"bucketName": f"assets-{r.randrange(40)}", "key": f"build/{r.randrange(10**6)}/app.tar.gz", "Host": "s3.amazonaws.com"}),
    ("s3.amazonaws.com", "PutObject", lambda r: {"bucketName": f"logs-{r.randrange(40)}", "key": f"{r.randrange(10**8)}.json", "x-amz-server-side-encryption": "aws:kms"}),
    ("ec2.amazonaws.com", "DescribeInstances", lambda r: {"instancesSet": {"items": [{"instanceId": f"i-{r.getrandbits(56):014x}"} for _ in range(r.randrange(1, 4))]}, "filterSet": {}}),
    ("sts.amazonaws.com", "AssumeRole", lambda r: {"roleArn": f"arn:aws:iam::{r.randrange(10**11, 10**12)}:role/svc-{r.randrange(200)}", "roleSessionName": f"session-{r.randrange(10**6)}", "durationSeconds": 3600}),
    ("kms.amazonaws.com", "Decrypt", lambda r: {"encryptionAlgorithm": "SYMMETRIC_DEFAULT", "encryptionContext": {"aws:s3:arn": f"arn:aws:s3:::data-{r.randrange(50)}/obj"}}),
    ("ecr.amazonaws.com", "BatchGetImage", lambda r: {"repositoryName": f"team/app-{r.randrange(60)}", "imageIds": [{"imageTag": "latest"}], "acceptedMediaTypes": ["application/vnd.docker.distribution.manifest.v2+json"]}),
    ("lambda.amazonaws.com", "Invoke", lambda r: {"functionName": f"arn:aws:lambda:us-east-1:111122223333:function:fn-{r.randrange(90)}"}),
    ("ssm.amazonaws.com", "GetParameters", lambda r: {"names": [f"/app/{r.randrange(30)}/secret"], "withDecryption": True}),
    ("dynamodb.amazonaws.com", "Query", lambda r: {"tableName": f"orders-{r.randrange(12)}", "keyConditionExpression": "pk = :v", "limit": 100}),
]
DENIALS = [
    ("ecr.amazonaws.com", "InitiateLayerUpload", "ecr:InitiateLayerUpload", "arn:aws:ecr:{region}:{account}:repository/web/app"),
    ("ecr.amazonaws.com", "PutImage", "ecr:PutImage", "arn:aws:ecr:{region}:{account}:repository/web/app"),
    ("ecs.amazonaws.com", "UpdateService", "ecs:UpdateService", "arn:aws:ecs:{region}:{account}:service/prod/web"),
]


def token(r, n):
    return "".join(r.choice(string.ascii_letters + string.digits) for _ in range(n))


def identity(r, account):
    kind = r.random()
    if kind < 0.6:
        role = f"svc-{r.randrange(200)}"
        session = token(r, 12)
        return {
            "type": "AssumedRole",
            "principalId": f"AROA{token(r, 17).upper()}:{session}",
            "arn": f"arn:aws:sts::{account}:assumed-role/{role}/{session}",
            "accountId": account,
            "accessKeyId": f"ASIA{token(r, 16).upper()}",
            "sessionContext": {
                "sessionIssuer": {"type": "Role", "principalId": f"AROA{token(r, 17).upper()}", "arn": f"arn:aws:iam::{account}:role/{role}", "accountId": account, "userName": role},
                "webIdFederationData": {},
                "attributes": {"creationDate": "2026-11-20T09:00:00Z", "mfaAuthenticated": "false"},
            },
        }
    if kind < 0.8:
        user = f"user-{r.randrange(100)}"
        return {"type": "IAMUser", "principalId": f"AIDA{token(r, 17).upper()}", "arn": f"arn:aws:iam::{account}:user/{user}", "accountId": account, "accessKeyId": f"AKIA{token(r, 16).upper()}", "userName": user}
    return {"type": "AWSService", "invokedBy": r.choice(["ecs.amazonaws.com", "lambda.amazonaws.com", "cloudformation.amazonaws.com"])}


def record(r, account, region, when):
    source, name, params = r.choice(CALLS)
    rec = {
        "eventVersion": "1.10",
        "userIdentity": identity(r, account),
        "eventTime": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "eventSource": source,
        "eventName": name,
        "awsRegion": region,
        "sourceIPAddress": f"198.51.100.{r.randrange(256)}",
        "userAgent": r.choice(["aws-cli/2.15.30 Python/3.11.8 Linux/6.1 exe/x86_64", "aws-sdk-go-v2/1.30.3 os/linux lang/go#1.22.5", "Boto3/1.34.0 md/Botocore#1.34.0 ua/2.0 os/linux"]),
        "requestParameters": params(r),
        "responseElements": None if r.random() < 0.7 else {"requestId": token(r, 20), "items": [token(r, 8) for _ in range(r.randrange(1, 6))]},
        "requestID": token(r, 32),
        "eventID": f"{r.getrandbits(32):08x}-{r.getrandbits(16):04x}-{r.getrandbits(16):04x}-{r.getrandbits(16):04x}-{r.getrandbits(48):012x}",
        "readOnly": name.startswith(("Get", "Describe", "Batch", "Query")),
        "eventType": "AwsApiCall",
        "managementEvent": source != "s3.amazonaws.com",
        "recipientAccountId": account,
        "eventCategory": "Management",
        "tlsDetails": {"tlsVersion": "TLSv1.3", "cipherSuite": "TLS_AES_128_GCM_SHA256", "clientProvidedHostHeader": f"{source.split('.')[0]}.{region}.amazonaws.com"},
    }
    if r.random() < 0.03:
        rec["errorCode"] = r.choice(["NoSuchKey", "ResourceNotFoundException", "ThrottlingException"])
        rec["errorMessage"] = "The specified key does not exist."
    return rec


def denial(r, account, region, when, role_arn):
    source, name, action, resource = r.choice(DENIALS)
    role_name = role_arn.rsplit("/", 1)[-1]
    rec = record(r, account, region, when)
    session = "GitHubActions"
    rec.update({
        "eventSource": source,
        "eventName": name,
        "errorCode": "AccessDeniedException",
        "errorMessage": f"User: arn:aws:sts::{account}:assumed-role/{role_name}/{session} is not authorized to perform: {action} on resource: {resource.format(region=region, account=account)} because no identity-based policy allows the {action} action",
        "requestParameters": {"repositoryName": "web/app"},
        "responseElements": None,
    })
    rec["userIdentity"] = {
        "type": "AssumedRole",
        "principalId": f"AROAEXAMPLE:{session}",
        "arn": f"arn:aws:sts::{account}:assumed-role/{role_name}/{session}",
        "accountId": account,
        "sessionContext": {"sessionIssuer": {"type": "Role", "arn": role_arn, "accountId": account, "userName": role_name}, "attributes": {"mfaAuthenticated": "false"}},
    }
    return rec


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--size-mb", type=float, required=True, help="uncompressed size in MiB")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--role-arn", default="arn:aws:iam::111122223333:role/gha-deploy")
    parser.add_argument("--denials", type=int, default=40, help="denied records of the role")
    parser.add_argument("--records-per-file", type=int, default=600)
    args = parser.parse_args()

    r = random.Random(args.seed)
    account = args.role_arn.split(":")[4]
    target = int(args.size_mb * 1024 * 1024)
    start = datetime.datetime(2026, 11, 20, tzinfo=datetime.timezone.utc)
    written = files = records = denied = 0
    # Denials are spread evenly: one every `gap` files, estimated from the
    # size of a file before any is written.
    estimated_files = max(1, target // (args.records_per_file * 1400))
    gap = max(1, estimated_files // max(1, args.denials))
    while written < target:
        region = REGIONS[files % len(REGIONS)]
        when = start + datetime.timedelta(minutes=5 * (files // len(REGIONS)))
        batch = [record(r, account, region, when + datetime.timedelta(seconds=i % 300)) for i in range(args.records_per_file)]
        if denied < args.denials and files % gap == 0:
            batch.insert(r.randrange(len(batch)), denial(r, account, region, when, args.role_arn))
            denied += 1
        body = json.dumps({"Records": batch}, separators=(",", ":")).encode()
        folder = os.path.join(args.out, "AWSLogs", account, "CloudTrail", region, when.strftime("%Y/%m/%d"))
        os.makedirs(folder, exist_ok=True)
        name = f"{account}_CloudTrail_{region}_{when.strftime('%Y%m%dT%H%MZ')}_{token(r, 16)}.json.gz"
        with open(os.path.join(folder, name), "wb") as out:
            out.write(gzip.compress(body, compresslevel=6, mtime=0))
        written += len(body)
        files += 1
        records += len(batch)
    print(json.dumps({"files": files, "records": records, "denied_of_role": denied, "uncompressed_bytes": written}))


if __name__ == "__main__":
    main()
