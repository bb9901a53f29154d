"""Submits a job and reads it back from Python: the API is plain JSON over HTTPS, signed with SigV4.

    python3 clients/python/submit_job.py                      # the local platform (npm start)
    JOBS_API_URL=https://<id>.execute-api.eu-west-1.amazonaws.com AWS_REGION=eu-west-1 \
      python3 clients/python/submit_job.py                    # a deployed environment

The request is built from openapi.json (the route, the job type's payload schema), so nothing
here is specific to TypeScript. Against AWS it is signed with botocore's SigV4 signer and the
default credential chain (an https URL is taken as API Gateway); locally the caller is the
x-caller-id header.
"""

import json
import os
import pathlib
import sys
import urllib.error
import urllib.request
import uuid

import botocore.session
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest

CONTRACT = json.loads((pathlib.Path(__file__).parents[2] / "openapi.json").read_text())
BASE_URL = os.environ.get("JOBS_API_URL", "http://127.0.0.1:3000").rstrip("/")
REGION = os.environ.get("AWS_REGION", "us-east-1")


def call(method: str, path: str, body=None, headers=None):
    data = None if body is None else json.dumps(body).encode()
    request = AWSRequest(method=method, url=BASE_URL + path, data=data, headers=dict(headers or {}))
    if data is not None:
        request.headers["content-type"] = "application/json"
    if BASE_URL.startswith("https://"):
        credentials = botocore.session.get_session().get_credentials()
        SigV4Auth(credentials, "execute-api", REGION).add_auth(request)
    else:
        request.headers["x-caller-id"] = os.environ.get("JOBS_CALLER", "python-example")
    prepared = urllib.request.Request(request.url, data=data, method=method, headers=dict(request.headers.items()))
    try:
        with urllib.request.urlopen(prepared) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")
    except urllib.error.URLError as error:
        raise SystemExit(f"cannot reach {BASE_URL}: {error.reason}") from None


def main() -> int:
    submit = CONTRACT["paths"]["/jobs"]["post"]
    payload_schema = CONTRACT["components"]["schemas"]["Payload.echo"]
    print(f"{submit['summary']}: type echo ({payload_schema['description']})", file=sys.stderr)
    status, job = call("POST", "/jobs", {"type": "echo", "payload": {"from": "python"}}, {"Idempotency-Key": str(uuid.uuid4())})
    if str(status) not in submit["responses"]:
        raise SystemExit(f"undocumented status {status}")
    if status not in (200, 202):
        print(json.dumps(job), file=sys.stderr)
        return 1
    status, job = call("GET", f"/jobs/{job['jobId']}")
    print(json.dumps({"status": status, "jobId": job["jobId"], "jobStatus": job["status"]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
