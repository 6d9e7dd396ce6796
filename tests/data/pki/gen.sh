#!/usr/bin/env bash
# Regenerates the test PKI (ECDSA P-256, valid 100 years). Test-only keys:
# never use them for anything else. Run from this directory.
set -euo pipefail
days=36500
ec() { openssl ecparam -name prime256v1 -genkey -noout -out "$1.key"; }
ec ca
openssl req -x509 -new -key ca.key -sha256 -days $days -subj "/CN=dpvpn test CA" \
	-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" -out ca.crt
issue() { # name cn ext
	ec "$1"
	openssl req -new -key "$1.key" -subj "/CN=$2" -out "$1.csr"
	printf '%s\n' "$3" > "$1.ext"
	openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -sha256 -days $days \
		-extfile "$1.ext" -out "$1.crt"
	rm -f "$1.csr" "$1.ext"
}
issue server server "extendedKeyUsage=serverAuth
keyUsage=critical,digitalSignature,keyAgreement"
issue client client1 "extendedKeyUsage=clientAuth
keyUsage=critical,digitalSignature,keyAgreement"
issue client2 client2 "extendedKeyUsage=clientAuth
keyUsage=critical,digitalSignature,keyAgreement"
issue revoked revoked "extendedKeyUsage=clientAuth
keyUsage=critical,digitalSignature,keyAgreement"
# CRL revoking "revoked"
cat > ca.cnf <<CNF
[ ca ]
default_ca = testca
[ testca ]
database = index.txt
crlnumber = crlnumber
default_md = sha256
default_crl_days = $days
CNF
: > index.txt
echo 01 > crlnumber
openssl ca -config ca.cnf -keyfile ca.key -cert ca.crt -revoke revoked.crt 2>/dev/null
openssl ca -config ca.cnf -keyfile ca.key -cert ca.crt -gencrl -out crl.pem 2>/dev/null
rm -f ca.cnf index.txt* crlnumber* ca.srl
