//! Signing a manifest digest with an asymmetric KMS key, and checking a signature with KMS.
//!
//! `Sign` is called with `MessageType=DIGEST`: the manifest is hashed here (SHA-256) and only
//! the 32-byte digest goes to KMS, which is what KMS documents for messages of any size. The
//! algorithm is `RSASSA_PKCS1_V1_5_SHA_256` (deterministic, so a re-signed manifest gives the
//! same signature). The key's public key is read once per signer (`GetPublicKey`, kept in
//! memory for the warm function's later runs) and goes into each bundle for offline checks
//! ([`super::offline`]). The online check goes through KMS `Verify`, with the key the verifier
//! names.

use std::sync::Arc;

use aws_sdk_kms::Client;
use aws_sdk_kms::operation::verify::VerifyError;
use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{MessageType, SigningAlgorithmSpec};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use tokio::sync::OnceCell;

use super::offline::{self, PUBLIC_KEY, SigningKey};
use super::{Files, Manifest, SIGNATURE, SignatureFile, Tamper};
use crate::aws::AwsCallError;

/// The signing algorithm used for manifests.
pub const ALGORITHM: SigningAlgorithmSpec = SigningAlgorithmSpec::RsassaPkcs1V15Sha256;

/// A KMS key (id, ARN or alias) that signs and verifies manifest digests.
#[derive(Debug, Clone)]
pub struct Signer {
    client: Client,
    key_id: String,
    /// The key as manifests name it and its public key (DER), read once.
    public: Arc<OnceCell<(SigningKey, Vec<u8>)>>,
}

impl Signer {
    pub fn new(client: Client, key_id: impl Into<String>) -> Self {
        Signer {
            client,
            key_id: key_id.into(),
            public: Arc::new(OnceCell::new()),
        }
    }

    /// The key as a manifest names it, and its public key (DER SubjectPublicKeyInfo): KMS
    /// `GetPublicKey` on first use, then from memory (a key's public key never changes).
    pub async fn signing_key(&self) -> Result<&(SigningKey, Vec<u8>), AwsCallError> {
        self.public
            .get_or_try_init(|| async {
                let mut out = self
                    .client
                    .get_public_key()
                    .key_id(&self.key_id)
                    .send()
                    .await
                    .map_err(|e| AwsCallError::new("kms:GetPublicKey", e))?;
                let der = out
                    .public_key
                    .take()
                    .map(Blob::into_inner)
                    .unwrap_or_default();
                if der.is_empty() {
                    return Err(AwsCallError {
                        operation: "kms:GetPublicKey",
                        failure: crate::aws::AwsFailure::InvalidRequest,
                        code: None,
                        message: format!("KMS answered no public key for {}", self.key_id),
                    });
                }
                if !out.signing_algorithms().contains(&ALGORITHM) {
                    return Err(AwsCallError {
                        operation: "kms:GetPublicKey",
                        failure: crate::aws::AwsFailure::InvalidRequest,
                        code: None,
                        message: format!(
                            "key {} cannot sign with {} (an RSA SIGN_VERIFY key can)",
                            self.key_id,
                            ALGORITHM.as_str()
                        ),
                    });
                }
                let key = SigningKey {
                    // KMS answers GetPublicKey with the key's ARN.
                    key_arn: out.key_id.unwrap_or_else(|| self.key_id.clone()),
                    signing_algorithm: ALGORITHM.as_str().to_owned(),
                    public_key_sha256: offline::fingerprint(&der),
                    public_key_file: PUBLIC_KEY.to_owned(),
                };
                Ok((key, der))
            })
            .await
    }

    /// Signs the manifest digest (hex SHA-256) and returns the signature file's contents.
    pub async fn sign(&self, manifest_sha256: &str) -> Result<SignatureFile, AwsCallError> {
        let digest = hex::decode(manifest_sha256).map_err(|e| AwsCallError {
            operation: "kms:Sign",
            failure: crate::aws::AwsFailure::InvalidRequest,
            code: None,
            message: format!("manifest digest is not hex: {e}"),
        })?;
        let out = self
            .client
            .sign()
            .key_id(&self.key_id)
            .message(Blob::new(digest))
            .message_type(MessageType::Digest)
            .signing_algorithm(ALGORITHM)
            .send()
            .await
            .map_err(|e| AwsCallError::new("kms:Sign", e))?;
        let key_arn = out.key_id.clone();
        Ok(SignatureFile {
            key_id: out.key_id.unwrap_or_else(|| self.key_id.clone()),
            key_arn,
            public_key_sha256: self.public.get().map(|(k, _)| k.public_key_sha256.clone()),
            signing_algorithm: ALGORITHM.as_str().to_owned(),
            message_type: MessageType::Digest.as_str().to_owned(),
            manifest_sha256: manifest_sha256.to_owned(),
            signature: STANDARD.encode(out.signature.map(Blob::into_inner).unwrap_or_default()),
        })
    }

    /// Checks `signature` over its digest with *this* signer's key (the key the verifier
    /// trusts, not whatever key the bundle names). `Ok(None)` when it verifies;
    /// `Ok(Some(tamper))` when KMS says it does not (or the file is malformed); `Err` when KMS
    /// could not be asked (then nothing is known about the signature).
    pub async fn verify(&self, signature: &SignatureFile) -> Result<Option<Tamper>, AwsCallError> {
        let invalid = |detail: String| {
            Ok(Some(Tamper::SignatureInvalid {
                key_id: self.key_id.clone(),
                detail,
            }))
        };
        if signature.message_type != MessageType::Digest.as_str() {
            return invalid(format!(
                "message type {} is not DIGEST",
                signature.message_type
            ));
        }
        let Ok(digest) = hex::decode(&signature.manifest_sha256) else {
            return invalid("manifest_sha256 is not hex".into());
        };
        let Ok(bytes) = STANDARD.decode(&signature.signature) else {
            return invalid("signature is not base64".into());
        };
        if bytes.is_empty() {
            return invalid("signature is empty".into());
        }
        let result = self
            .client
            .verify()
            .key_id(&self.key_id)
            .message(Blob::new(digest))
            .message_type(MessageType::Digest)
            .signature(Blob::new(bytes))
            .signing_algorithm(SigningAlgorithmSpec::from(
                signature.signing_algorithm.as_str(),
            ))
            .send()
            .await;
        match result {
            Ok(out) if out.signature_valid => Ok(None),
            Ok(_) => invalid("KMS Verify answered SignatureValid=false".into()),
            // KMS answers an invalid signature with this error rather than `false`.
            Err(e)
                if matches!(
                    e.as_service_error(),
                    Some(VerifyError::KmsInvalidSignatureException(_))
                ) =>
            {
                invalid("KMS Verify: KMSInvalidSignatureException".into())
            }
            Err(e) => Err(AwsCallError::new("kms:Verify", e)),
        }
    }

    /// Everything `vigil-sweep verify` checks in a bundle: file hashes and the record chain
    /// ([`super::verify_contents`]), then the signature file, if there is one, with KMS.
    /// Returns the manifest (when readable) and what was altered.
    pub async fn verify_bundle(
        &self,
        files: &Files,
    ) -> Result<(Option<Manifest>, Vec<Tamper>), AwsCallError> {
        let (manifest, mut problems) = super::verify_contents(files);
        match files.get(SIGNATURE) {
            None => problems.push(Tamper::SignatureMissing {
                key_arn: self.key_id.clone(),
            }),
            Some(bytes) => {
                if let Ok(signature) = serde_json::from_slice::<SignatureFile>(bytes)
                    && let Some(t) = self.verify(&signature).await?
                {
                    problems.push(t);
                }
            }
        }
        Ok((manifest, problems))
    }

    pub fn key_id(&self) -> &str {
        &self.key_id
    }
}
