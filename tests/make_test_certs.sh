#!/usr/bin/env bash
# Test certificates with openssl, in DIR:
#   ca.crt ca.key              a CA
#   tls.crt tls.key            the services' certificate (cert-manager's names), SANs as given
#   operator.crt operator.key  a client certificate of the same CA (the cli)
#   rogue-ca.crt intruder.crt intruder.key  another CA and a client certificate of its own
# Usage: make_test_certs.sh DIR SAN   e.g. "DNS:localhost,IP:127.0.0.1"
set -euo pipefail
DIR="$1"; SAN="$2"
mkdir -p "$DIR"
key() { openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "$@" 2>/dev/null; }
for ca in ca rogue-ca; do
  key -x509 -days 2 -subj "/CN=$ca" -keyout "$DIR/$ca.key" -out "$DIR/$ca.crt"
done
cert() {  # cert NAME CA SAN
  key -subj "/CN=$1" -keyout "$DIR/$1.key" -out "$DIR/$1.csr"
  printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth,clientAuth\n' "$3" >"$DIR/$1.ext"
  openssl x509 -req -in "$DIR/$1.csr" -CA "$DIR/$2.crt" -CAkey "$DIR/$2.key" -CAcreateserial \
    -days 2 -extfile "$DIR/$1.ext" -out "$DIR/$1.crt" 2>/dev/null
  rm -f "$DIR/$1.csr" "$DIR/$1.ext"
}
cert tls ca "$SAN"
cert operator ca "DNS:operator"
cert intruder rogue-ca "DNS:intruder"
