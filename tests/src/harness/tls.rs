//! The throwaway certificate authority the database servers' TLS certificates chain to.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};

/// The CA that signed the servers' certificates, and a second, unrelated one.
#[derive(Debug, Clone)]
pub struct TestCa {
    /// PEM of the CA certificate that signed both database servers' certificates.
    pub ca_pem: String,
    /// The same PEM on disk, for clients that want a file.
    pub ca_file: PathBuf,
    /// PEM file of a CA that signed nothing here: trusting only it must make verification fail.
    pub untrusted_ca_file: PathBuf,
}

/// The servers' certificate and key, as PEM.
pub(crate) struct ServerIdentity {
    pub cert_pem: String,
    pub key_pem: String,
}

/// Makes both CAs and the server certificate (SAN `localhost` and `127.0.0.1`) and writes the
/// CA files into `dir`.
pub(crate) fn generate(dir: &Path) -> (TestCa, ServerIdentity) {
    let (ca_pem, issuer) = new_ca("Vigil harness test CA");
    let (untrusted_pem, _) = new_ca("Vigil harness untrusted CA");

    let mut params = CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
        .expect("static SANs are valid");
    params
        .distinguished_name
        .push(DnType::CommonName, "localhost");
    params.use_authority_key_identifier_extension = true;
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let key = KeyPair::generate().expect("generate server key");
    let cert = params
        .signed_by(&key, &issuer)
        .expect("sign server certificate");

    let ca_file = dir.join("ca.pem");
    let untrusted_ca_file = dir.join("untrusted-ca.pem");
    write_public(&ca_file, &ca_pem);
    write_public(&untrusted_ca_file, &untrusted_pem);

    (
        TestCa {
            ca_pem,
            ca_file,
            untrusted_ca_file,
        },
        ServerIdentity {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
        },
    )
}

fn new_ca(common_name: &str) -> (String, Issuer<'static, KeyPair>) {
    let mut params = CertificateParams::new(Vec::new()).expect("no SANs is valid");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params
        .distinguished_name
        .push(DnType::CommonName, common_name);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let key = KeyPair::generate().expect("generate CA key");
    let cert = params.self_signed(&key).expect("self-sign CA");
    (cert.pem(), Issuer::new(params, key))
}

/// Writes a file every local user can read: the server processes run as other users.
pub(crate) fn write_public(path: &Path, contents: &str) {
    fs::write(path, contents).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    fs::set_permissions(path, fs::Permissions::from_mode(0o644))
        .unwrap_or_else(|e| panic!("chmod {}: {e}", path.display()));
}

/// Writes a private key readable by `owner` (uid, gid) alone, as PostgreSQL insists.
pub(crate) fn write_private(path: &Path, contents: &str, owner: Option<(u32, u32)>) {
    fs::write(path, contents).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    fs::set_permissions(path, fs::Permissions::from_mode(0o600))
        .unwrap_or_else(|e| panic!("chmod {}: {e}", path.display()));
    if let Some((uid, gid)) = owner {
        std::os::unix::fs::chown(path, Some(uid), Some(gid))
            .unwrap_or_else(|e| panic!("chown {}: {e}", path.display()));
    }
}
