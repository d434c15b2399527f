//! Trusted certificate authorities for verify-full connections.
//!
//! The RDS CA bundle (every current regional root, from `certs/rds-ca-bundle.pem`, refreshed
//! with `scripts/update-rds-ca.sh`) is compiled in, so a Lambda package needs no extra file to
//! verify RDS and Aurora endpoints; `VIGIL_DB_CA_FILE` adds a deployment's own CA (self-managed
//! databases, the test harness).

/// The RDS certificate authorities, PEM.
pub(crate) const RDS_CA_BUNDLE: &[u8] = include_bytes!("../../certs/rds-ca-bundle.pem");

/// The full set of trusted roots: the RDS bundle plus any extra PEM.
pub(crate) fn trusted_roots(extra_pem: Option<&[u8]>) -> Vec<u8> {
    let mut pem = RDS_CA_BUNDLE.to_vec();
    if let Some(extra) = extra_pem {
        pem.push(b'\n');
        pem.extend_from_slice(extra);
    }
    pem
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundle_holds_rds_roots_and_extra_ca_is_appended() {
        let text = String::from_utf8_lossy(RDS_CA_BUNDLE);
        assert!(text.matches("-----BEGIN CERTIFICATE-----").count() > 50);
        assert!(text.contains("Amazon RDS us-east-1 Root CA RSA2048 G1"));
        let all = trusted_roots(Some(
            b"-----BEGIN CERTIFICATE-----\nextra\n-----END CERTIFICATE-----\n",
        ));
        assert!(String::from_utf8_lossy(&all).ends_with("extra\n-----END CERTIFICATE-----\n"));
    }
}
