"""Account ListRegions, which moto lacks.

AWS: `POST /listRegions` lists the account's Regions with their opt-in status; the Regions
enabled by default answer ENABLED_BY_DEFAULT. Here every Region botocore knows for EC2 is listed
as ENABLED_BY_DEFAULT (the emulator has no opt-in Regions), filtered by
RegionOptStatusContains and paged with MaxResults / NextToken like AWS.
"""

import json

from moto.account import responses, urls
from moto.core.responses import BaseResponse
from boto3 import Session


def list_regions(self):
    params = json.loads(self.body or "{}")
    wanted = params.get("RegionOptStatusContains") or []
    regions = sorted(Session().get_available_regions("ec2"))
    items = [
        {"RegionName": r, "RegionOptStatus": "ENABLED_BY_DEFAULT"}
        for r in regions
        if not wanted or "ENABLED_BY_DEFAULT" in wanted
    ]
    start = int(params.get("NextToken") or 0)
    size = int(params.get("MaxResults") or 50)
    page = items[start : start + size]
    answer = {"Regions": page}
    if start + size < len(items):
        answer["NextToken"] = str(start + size)
    return json.dumps(answer)


responses.AccountResponse.list_regions = list_regions
urls.url_paths["{0}/listRegions$"] = responses.AccountResponse.dispatch
