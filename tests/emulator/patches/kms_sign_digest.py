"""KMS Sign and Verify with MessageType DIGEST, and GetPublicKey's KeyId, as AWS does them.

moto: Sign and Verify ignore MessageType, so a DIGEST is hashed again and signed as if it were
the message: the signature verifies only through moto's own Verify (which makes the same
mistake), never with the public key and a standard tool. AWS: with MessageType DIGEST the
Message is the digest of the real message (its length must match the algorithm's hash) and
the signature is the one a signer of the real message would produce, so
`openssl dgst -sha256 -verify public.pem -signature sig manifest.json` accepts it. Restored so
that offline verification (`vigil-sweep verify`, the README's openssl commands) is tested
against signatures made as AWS makes them. RSASSA-PSS salts are left as moto makes them.

moto's GetPublicKey answers KeyId with the bare key id; AWS answers the key ARN (the evidence
manifest names the signing key by the ARN GetPublicKey gives).
"""

import json
import threading

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ec, utils as asym_utils
from moto.kms import responses, utils
from moto.kms.exceptions import ValidationException

_state = threading.local()
_original_response_sign = responses.KmsResponse.sign
_original_response_verify = responses.KmsResponse.verify
_original_get_public_key = responses.KmsResponse.get_public_key
_original_rsa_sign = utils.RSAPrivateKey.sign
_original_rsa_verify = utils.RSAPrivateKey.verify
_original_ec_sign = utils.ECDSAPrivateKey.sign
_original_ec_verify = utils.ECDSAPrivateKey.verify


def _digest_request(original):
    def handle(self):
        _state.digest = self._get_param("MessageType") == "DIGEST"
        try:
            return original(self)
        finally:
            _state.digest = False

    return handle


def _checked(message, hash_algorithm):
    if len(message) != hash_algorithm.digest_size:
        raise ValidationException(
            f"Digest is invalid length for algorithm {hash_algorithm.name.upper()}."
        )
    return asym_utils.Prehashed(hash_algorithm)


def _rsa_sign(self, message, signing_algorithm):
    if not getattr(_state, "digest", False):
        return _original_rsa_sign(self, message, signing_algorithm)
    utils.validate_signing_algorithm(signing_algorithm, utils.SigningAlgorithm.rsa_signing_algorithms())
    pad, hash_algorithm = self._RSAPrivateKey__padding_and_hash_algorithm(signing_algorithm)
    return self.private_key.sign(message, pad, _checked(message, hash_algorithm))


def _rsa_verify(self, message, signature, signing_algorithm):
    if not getattr(_state, "digest", False):
        return _original_rsa_verify(self, message, signature, signing_algorithm)
    utils.validate_signing_algorithm(signing_algorithm, utils.SigningAlgorithm.rsa_signing_algorithms())
    pad, hash_algorithm = self._RSAPrivateKey__padding_and_hash_algorithm(signing_algorithm)
    try:
        self.private_key.public_key().verify(signature, message, pad, _checked(message, hash_algorithm))
        return True
    except InvalidSignature:
        return False


def _ec_sign(self, message, signing_algorithm):
    if not getattr(_state, "digest", False):
        return _original_ec_sign(self, message, signing_algorithm)
    utils.validate_signing_algorithm(signing_algorithm, self.valid_signing_algorithms)
    hash_algorithm = self._ECDSAPrivateKey__hash_algorithm(signing_algorithm)
    return self.private_key.sign(message, ec.ECDSA(_checked(message, hash_algorithm)))


def _ec_verify(self, message, signature, signing_algorithm):
    if not getattr(_state, "digest", False):
        return _original_ec_verify(self, message, signature, signing_algorithm)
    utils.validate_signing_algorithm(signing_algorithm, self.valid_signing_algorithms)
    hash_algorithm = self._ECDSAPrivateKey__hash_algorithm(signing_algorithm)
    try:
        self.private_key.public_key().verify(
            signature, message, ec.ECDSA(_checked(message, hash_algorithm))
        )
        return True
    except InvalidSignature:
        return False


def _get_public_key(self):
    answer = json.loads(_original_get_public_key(self))
    key = self.kms_backend.describe_key(self._get_param("KeyId"))
    answer["KeyId"] = key.arn
    return json.dumps(answer)


responses.KmsResponse.get_public_key = _get_public_key
responses.KmsResponse.sign = _digest_request(_original_response_sign)
responses.KmsResponse.verify = _digest_request(_original_response_verify)
utils.RSAPrivateKey.sign = _rsa_sign
utils.RSAPrivateKey.verify = _rsa_verify
utils.ECDSAPrivateKey.sign = _ec_sign
utils.ECDSAPrivateKey.verify = _ec_verify
