"""S3: ExpectedBucketOwner as AWS enforces it.

moto ignores the `x-amz-expected-bucket-owner` header. AWS answers 403 AccessDenied when the
bucket named in a request belongs to another account than the one in that header, which is
how a caller makes sure it changes (e.g. PutBucketPolicy) or reads only its own account's
bucket. Restored for bucket-level requests (HEAD, GET, PUT, DELETE and POST on a bucket).
"""

from moto.s3 import responses as s3_responses
from moto.s3.exceptions import S3AccessDeniedError
from moto.s3.models import s3_backends

_original_bucket_response = s3_responses.S3Response._bucket_response


def _bucket_response(self, request, full_url):
    expected = request.headers.get("x-amz-expected-bucket-owner")
    bucket_name = self.parse_bucket_name_from_url(request, full_url)
    if expected and bucket_name:
        owner = s3_backends.bucket_accounts.get(bucket_name)
        if owner is not None and owner[1] != expected:
            raise S3AccessDeniedError()
    return _original_bucket_response(self, request, full_url)


s3_responses.S3Response._bucket_response = _bucket_response
