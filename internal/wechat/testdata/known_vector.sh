#!/bin/sh
# Builds known_vector.json: a safe-mode Official Account request encrypted by
# openssl and signed by Python's hashlib, independently of this package's Go
# code, following WeChat's scheme (消息加解密說(shuō)明). Run from this folder; it
# rewrites the file.
set -eu
TOKEN=QunbotWx2024
AESKEY=Kp3vT8qLm2Xz5Nw7Rb4Yc9Hd6Jf1Gs0Ua8Ve3Wi2Ok5
APPID=wx7c2e91f4ab03d856
TS=1718012000
NONCE=1372623149
python3 - "$TOKEN" "$AESKEY" "$APPID" "$TS" "$NONCE" <<'PY'
import base64, hashlib, json, struct, subprocess, sys
token, aeskey, appid, ts, nonce = sys.argv[1:]
key = base64.b64decode(aeskey + "=")
msg = open("text.xml", "rb").read()
plain = bytes(range(0xA0, 0xB0)) + struct.pack(">I", len(msg)) + msg + appid.encode()
pad = 32 - len(plain) % 32
plain += bytes([pad]) * pad
enc = subprocess.run(["openssl", "enc", "-aes-256-cbc", "-nopad", "-K", key.hex(), "-iv", key[:16].hex()],
                     input=plain, capture_output=True, check=True).stdout
encrypt = base64.b64encode(enc).decode()
sig = hashlib.sha1("".join(sorted([token, ts, nonce])).encode()).hexdigest()
msg_sig = hashlib.sha1("".join(sorted([token, ts, nonce, encrypt])).encode()).hexdigest()
body = "<xml><ToUserName><![CDATA[gh_3f8a2c91b7d4]]></ToUserName><Encrypt><![CDATA[" + encrypt + "]]></Encrypt></xml>"
json.dump({"token": token, "encoding_aes_key": aeskey, "app_id": appid, "timestamp": ts, "nonce": nonce,
           "signature": sig, "msg_signature": msg_sig, "body": body, "plaintext_file": "text.xml"},
          open("known_vector.json", "w"), indent=2)
PY
