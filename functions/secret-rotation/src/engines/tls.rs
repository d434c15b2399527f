//! TLS for every database connection: one rustls configuration per process and mode, trusting
//! exactly the RDS bundle plus `VIGIL_DB_CA_FILE`.
//!
//! The RDS CA bundle (every current regional root, from `certs/rds-ca-bundle.pem`, refreshed
//! with `scripts/update-rds-ca.sh`) is compiled in, so a Lambda package needs no extra file to
//! verify RDS and Aurora endpoints; `VIGIL_DB_CA_FILE` adds a deployment's own CA (self-managed
//! databases, the test harness). No public web CA is trusted: a database certificate signed by
//! anyone else is refused.
//!
//! Key exchange: P-256 is offered first. PostgreSQL up to 17 accepts exactly one group
//! (`ssl_ecdh_curve`, default prime256v1), so a client whose first key share is X25519 (ring's
//! and aws-lc-rs's default order) pays a HelloRetryRequest round trip on every connection;
//! MariaDB, MySQL, Redis and PostgreSQL 18 all accept P-256 too. One configuration is shared by
//! every connection of the process, so rustls' per-server key-exchange hint and session cache
//! carry over between them.

use std::sync::{Arc, OnceLock};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, ring};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

/// The RDS certificate authorities, PEM.
pub(crate) const RDS_CA_BUNDLE: &[u8] = include_bytes!("../../certs/rds-ca-bundle.pem");

/// ring with P-256 first (see the module doc).
fn provider() -> Arc<CryptoProvider> {
    static PROVIDER: OnceLock<Arc<CryptoProvider>> = OnceLock::new();
    PROVIDER
        .get_or_init(|| {
            Arc::new(CryptoProvider {
                kx_groups: vec![
                    ring::kx_group::SECP256R1,
                    ring::kx_group::X25519,
                    ring::kx_group::SECP384R1,
                ],
                ..ring::default_provider()
            })
        })
        .clone()
}

/// Makes [`provider`] the process default. mysql_async builds its rustls configuration with
/// `ClientConfig::builder()`, which takes the process default and panics when none was chosen
/// and both ring and aws-lc-rs are compiled in (the AWS SDK brings the latter). Called once
/// from [`Tls::new`]; a second call changes nothing.
fn install_process_default() {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        // Err only when a default is installed already (by an embedding process): keep it.
        let _ = provider().as_ref().clone().install_default();
    });
}

/// The trusted roots as certificates: the RDS bundle plus `extra_pem`.
pub(crate) fn trusted_certificates(
    extra_pem: Option<&[u8]>,
) -> Result<Vec<CertificateDer<'static>>, String> {
    let mut certificates = Vec::new();
    for (name, pem) in [
        ("the RDS bundle", Some(RDS_CA_BUNDLE)),
        ("VIGIL_DB_CA_FILE", extra_pem),
    ] {
        let Some(pem) = pem else { continue };
        for certificate in CertificateDer::pem_slice_iter(pem) {
            certificates.push(
                certificate.map_err(|e| format!("{name} holds a malformed certificate: {e}"))?,
            );
        }
    }
    Ok(certificates)
}

/// The process's TLS settings for databases, built once in `Deps::new`.
#[derive(Debug, Clone)]
pub struct Tls {
    /// Chain and host name verified against exactly the trusted roots.
    pub(crate) verify_full: Arc<ClientConfig>,
    /// Encrypted; the certificate is not verified, the handshake signature is.
    pub(crate) require: Arc<ClientConfig>,
    /// The same roots as PEM, for mysql_async, which takes roots rather than a configuration.
    pub(crate) roots_pem: Arc<Vec<u8>>,
    /// How many roots are trusted: the RDS bundle's plus the extra file's.
    pub roots: usize,
}

impl Tls {
    /// # Errors
    ///
    /// When a certificate in the bundle or in `extra_pem` cannot be parsed or used as a root.
    pub fn new(extra_pem: Option<&[u8]>) -> Result<Tls, String> {
        install_process_default();
        let certificates = trusted_certificates(extra_pem)?;
        let mut roots = RootCertStore::empty();
        for certificate in &certificates {
            roots
                .add(certificate.clone())
                .map_err(|e| format!("a trusted CA certificate cannot be used: {e}"))?;
        }
        let builder = || {
            ClientConfig::builder_with_provider(provider())
                .with_safe_default_protocol_versions()
                .map_err(|e| format!("TLS protocol versions: {e}"))
        };
        let verify_full = builder()?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let require = builder()?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AnyCertificate(provider())))
            .with_no_client_auth();
        let mut roots_pem = RDS_CA_BUNDLE.to_vec();
        if let Some(extra) = extra_pem {
            roots_pem.push(b'\n');
            roots_pem.extend_from_slice(extra);
        }
        Ok(Tls {
            roots: certificates.len(),
            verify_full: Arc::new(verify_full),
            require: Arc::new(require),
            roots_pem: Arc::new(roots_pem),
        })
    }
}

/// `tls: require`: any certificate, but the server must still prove it holds its key.
#[derive(Debug)]
struct AnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundle_holds_rds_roots_and_extra_ca_is_appended() {
        let text = String::from_utf8_lossy(RDS_CA_BUNDLE);
        let in_bundle = text.matches("-----BEGIN CERTIFICATE-----").count();
        assert!(in_bundle > 50);
        assert!(text.contains("Amazon RDS us-east-1 Root CA RSA2048 G1"));
        let extra = first_certificate_pem();
        let tls = Tls::new(Some(extra.as_bytes())).unwrap();
        assert!(String::from_utf8_lossy(&tls.roots_pem).ends_with(&extra));
        assert_eq!(tls.roots, in_bundle + 1);
    }

    #[test]
    fn trust_is_exactly_the_bundle_plus_the_extra_file() {
        // No public web CA sneaks in: every trusted root comes from one of the two sources.
        let bundle = trusted_certificates(None).unwrap().len();
        assert_eq!(Tls::new(None).unwrap().roots, bundle);
        assert_eq!(
            Tls::new(Some(first_certificate_pem().as_bytes()))
                .unwrap()
                .roots,
            bundle + 1
        );
        let err = Tls::new(Some(
            b"-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n",
        ))
        .unwrap_err();
        assert!(err.contains("VIGIL_DB_CA_FILE"), "{err}");
    }

    #[test]
    fn p256_is_offered_first() {
        let groups: Vec<_> = provider().kx_groups.iter().map(|g| g.name()).collect();
        assert_eq!(groups[0], rustls::NamedGroup::secp256r1);
    }

    fn first_certificate_pem() -> String {
        let text = String::from_utf8_lossy(RDS_CA_BUNDLE).into_owned();
        let start = text.find("-----BEGIN CERTIFICATE-----").unwrap();
        let end =
            text.find("-----END CERTIFICATE-----").unwrap() + "-----END CERTIFICATE-----".len();
        format!("{}\n", &text[start..end])
    }
}
