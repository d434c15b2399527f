"""ElastiCache ModifyUser, and a user's status while a change is applied, as AWS does them.

moto 5.2.5 has CreateUser, DescribeUsers and DeleteUser only: ModifyUser raises
NotImplementedError, and a user is always "active". AWS: ModifyUser changes the access string,
the authentication mode or the passwords of a user (`Passwords` replaces the set, "You are
allowed up to two"; each 16-128 characters), answers with the user in status "modifying",
and the user is "active" again once the change reached the nodes; a second ModifyUser while
it is "modifying" fails with InvalidUserState. Restored here, with "modifying" becoming
"active" on the next DescribeUsers (the way moto's RDS models step their states).

Tests also need to see which passwords a user holds, which no AWS API shows (DescribeUsers
gives only `PasswordCount`), through an extra endpoint (a test API, not an AWS behaviour):

    GET /moto-api/vigil/elasticache/users?account_id=111122223333[&region=us-east-1]
    -> {"<user id>": {"passwords": [...], "status": "active", "access_string": "..."}}
"""

import json
from urllib.parse import parse_qs, urlparse

from moto.core.responses import ActionResult
from moto.elasticache import models as ec
from moto.elasticache import responses as ec_responses
from moto.elasticache.exceptions import (
    ElastiCacheException,
    InvalidParameterCombinationException,
    InvalidParameterValueException,
    UserNotFound,
)
from moto.moto_api._internal import urls as moto_api_urls


class InvalidUserState(ElastiCacheException):
    code = 400

    def __init__(self, user_id):
        super().__init__("InvalidUserState", f"User {user_id} is not in active state.")


def modify_user(
    self,
    user_id,
    access_string=None,
    append_access_string=None,
    passwords=None,
    no_password_required=None,
    authentication_mode=None,
):
    if user_id not in self.users:
        raise UserNotFound(user_id)
    user = self.users[user_id]
    if user.status != "active":
        raise InvalidUserState(user_id)
    if passwords and authentication_mode and authentication_mode.get("Passwords"):
        raise InvalidParameterCombinationException(
            "Passwords provided via multiple arguments. Use only one argument"
        )
    mode_type = (authentication_mode or {}).get("Type")
    new_passwords = passwords or (authentication_mode or {}).get("Passwords") or None
    if new_passwords is not None:
        if len(new_passwords) > 2:
            raise InvalidParameterValueException("You are allowed up to two passwords.")
        if any(not 16 <= len(p) <= 128 for p in new_passwords):
            raise InvalidParameterValueException(
                "Passwords length must be between 16-128 characters."
            )
        if no_password_required or mode_type in ("no-password-required", "iam"):
            raise InvalidParameterCombinationException(
                f"Password field is not allowed with authentication type: {mode_type or 'no-password-required'}"
            )
        user.passwords = list(new_passwords)
        user.no_password_required = False
        user.authentication_type = "password"
    elif mode_type in ("no-password-required", "iam") or no_password_required:
        user.passwords = []
        user.no_password_required = mode_type != "iam"
        user.authentication_type = mode_type or "no-password-required"
    if access_string is not None:
        user.access_string = access_string
    if append_access_string is not None:
        user.access_string = f"{user.access_string} {append_access_string}".strip()
    user.status = "modifying"
    return user


_describe_users = ec.ElastiCacheBackend.describe_users


def describe_users(self, user_id=None):
    users = _describe_users(self, user_id)
    answer = []
    for user in users:
        # The caller sees the state the change was in when it asked; the next look finds it
        # applied.
        answer.append(_snapshot(user))
        if user.status == "modifying":
            user.status = "active"
    return answer


def _snapshot(user):
    copy = ec.User.__new__(ec.User)
    copy.__dict__.update(user.__dict__)
    copy.passwords = list(user.passwords)
    return copy


def modify_user_response(self):
    params = self._get_params()
    user = self.elasticache_backend.modify_user(
        user_id=params.get("UserId"),
        access_string=params.get("AccessString"),
        append_access_string=params.get("AppendAccessString"),
        passwords=params.get("Passwords"),
        no_password_required=self._get_bool_param("NoPasswordRequired"),
        authentication_mode=params.get("AuthenticationMode"),
    )
    return ActionResult(user)


ec.ElastiCacheBackend.modify_user = modify_user
ec.ElastiCacheBackend.describe_users = describe_users
ec_responses.ElastiCacheResponse.modify_user = modify_user_response


def users(request, full_url, headers):
    query = parse_qs(urlparse(full_url).query)
    account_id = (query.get("account_id") or [""])[0]
    region = (query.get("region") or ["us-east-1"])[0]
    if account_id not in ec.elasticache_backends:
        return 200, {"content-type": "application/json"}, "{}"
    backend = ec.elasticache_backends[account_id][region]
    answer = {
        user_id: {
            "passwords": list(user.passwords),
            "status": user.status,
            "access_string": user.access_string,
        }
        for user_id, user in backend.users.items()
    }
    return 200, {"content-type": "application/json"}, json.dumps(answer)


moto_api_urls.url_paths["{0}/moto-api/vigil/elasticache/users"] = users
