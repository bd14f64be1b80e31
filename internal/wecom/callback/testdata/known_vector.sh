#!/bin/sh
# Builds known_vector.json: an app callback encrypted by openssl and signed by
# Python's hashlib, independently of this package's Go code, following
# WeCom's scheme (doc 90968). Run from this folder; it rewrites the file.
set -eu
TOKEN=QunbotT0ken2024
AESKEY=o6/9nbtZsNT95Mp97ttYpxV04aU2B8BZJQRIS7PaZSA
CORP=ww8c3a1f0d2e7b4c5a
TS=1718012000
NONCE=1372623149
python3 - "$TOKEN" "$AESKEY" "$CORP" "$TS" "$NONCE" <<'PY'
import base64, hashlib, json, struct, subprocess, sys
token, aeskey, corp, ts, nonce = sys.argv[1:]
key = base64.b64decode(aeskey + "=")
msg = open("text.xml", "rb").read()
plain = bytes(range(0xA0, 0xB0)) + struct.pack(">I", len(msg)) + msg + corp.encode()
pad = 32 - len(plain) % 32
plain += bytes([pad]) * pad
enc = subprocess.run(["openssl", "enc", "-aes-256-cbc", "-nopad", "-K", key.hex(), "-iv", key[:16].hex()],
                     input=plain, capture_output=True, check=True).stdout
encrypt = base64.b64encode(enc).decode()
sig = hashlib.sha1("".join(sorted([token, ts, nonce, encrypt])).encode()).hexdigest()
json.dump({"token": token, "encoding_aes_key": aeskey, "receive_id": corp, "timestamp": ts, "nonce": nonce,
           "msg_signature": sig, "encrypt": encrypt, "plaintext_file": "text.xml"},
          open("known_vector.json", "w"), indent=2)
PY
