"""`GET /moto-api/vigil/sns/published?account_id=...`: what was published to the account's topics.

Tests read the alerts the functions sent from here. moto keeps every published message on its
topic (`sent_notifications`) but offers it only through its whole-state dump
(`/moto-api/data.json`), which serialises every model of every account: slow once tests hold
EC2 state, and broken by models with unreadable attributes. This endpoint reads the topics of
one account in every Region and nothing else. (A test API, not an AWS behaviour.)
"""

import json
from urllib.parse import parse_qs, urlparse

from moto.moto_api._internal import urls as moto_api_urls
from moto.sns.models import sns_backends


def published(request, full_url, headers):
    query = parse_qs(urlparse(full_url).query)
    account_id = (query.get("account_id") or [""])[0]
    if not account_id:
        return (
            400,
            {"content-type": "application/json"},
            json.dumps({"error": "account_id is required"}),
        )
    topics = []
    if account_id in sns_backends:
        for region in sorted(sns_backends[account_id]):
            backend = sns_backends[account_id][region]
            for arn in sorted(backend.topics):
                sent = backend.topics[arn].sent_notifications
                topics.append({"arn": arn, "sent_notifications": [list(n) for n in sent]})
    return 200, {"content-type": "application/json"}, json.dumps(topics)


moto_api_urls.url_paths["{0}/moto-api/vigil/sns/published"] = published
