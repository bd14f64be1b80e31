package callback

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
)

// EncryptedFromXML returns the <Encrypt> of an app callback body
// (<xml><ToUserName/><Encrypt/><AgentID/></xml>). It returns ErrMalformed
// when the body is not such a document or has no Encrypt.
func EncryptedFromXML(body []byte) (string, error) {
	var env xmlEnvelope
	if err := scanXML(body, &env); err != nil {
		return "", fmt.Errorf("read callback envelope: %w", err)
	}
	if env.encrypt == "" {
		return "", fmt.Errorf("read callback envelope: %w: no Encrypt", ErrMalformed)
	}
	return env.encrypt, nil
}

// xmlEnvelope keeps the Encrypt element of an envelope.
type xmlEnvelope struct {
	encrypt string
}

func (e *xmlEnvelope) field(name, text []byte) error {
	if string(name) == "Encrypt" {
		e.encrypt = string(text) // text is only valid during the call
	}
	return nil
}

func (e *xmlEnvelope) item(_, _, _ []byte) error { return nil }

// SealXML encrypts plaintext and wraps it in the encrypted envelope
// <xml><Encrypt/><MsgSignature/><TimeStamp/><Nonce/></xml>: the body of a
// passive reply, and a request body EncryptedFromXML accepts (the simulator
// sends it with timestamp and nonce in the URL).
func SealXML(c *Crypto, plaintext []byte, timestamp, nonce string) ([]byte, error) {
	encrypted, signature, err := c.Seal(plaintext, timestamp, nonce)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteString("<xml><Encrypt><![CDATA[")
	b.WriteString(encrypted) // base64 never contains "]]>"
	b.WriteString("]]></Encrypt><MsgSignature><![CDATA[")
	b.WriteString(signature)
	b.WriteString("]]></MsgSignature><TimeStamp>")
	if err := xml.EscapeText(&b, []byte(timestamp)); err != nil {
		return nil, fmt.Errorf("seal xml reply: %w", err)
	}
	b.WriteString("</TimeStamp><Nonce>")
	if err := xml.EscapeText(&b, []byte(nonce)); err != nil {
		return nil, fmt.Errorf("seal xml reply: %w", err)
	}
	b.WriteString("</Nonce></xml>")
	return b.Bytes(), nil
}

// EncryptedFromJSON returns the encrypt field of an AI bot callback body
// ({"encrypt":"..."}). It returns ErrMalformed when the body is not such an
// object or the field is empty.
func EncryptedFromJSON(body []byte) (string, error) {
	var env struct {
		Encrypt string `json:"encrypt"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return "", fmt.Errorf("read aibot envelope: %w: %v", ErrMalformed, err)
	}
	if env.Encrypt == "" {
		return "", fmt.Errorf("read aibot envelope: %w: no encrypt", ErrMalformed)
	}
	return env.Encrypt, nil
}

// jsonEnvelope is the AI bot's encrypted reply body (doc 101033). WeCom's
// own JSON crypto library writes the timestamp as a string.
type jsonEnvelope struct {
	Encrypt      string `json:"encrypt"`
	MsgSignature string `json:"msgsignature"`
	Timestamp    string `json:"timestamp"`
	Nonce        string `json:"nonce"`
}

// SealJSON encrypts plaintext into the AI bot's passive reply body
// {"encrypt","msgsignature","timestamp","nonce"}. EncryptedFromJSON accepts
// it too, so the simulator can use it as a request body.
func SealJSON(c *Crypto, plaintext []byte, timestamp, nonce string) ([]byte, error) {
	encrypted, signature, err := c.Seal(plaintext, timestamp, nonce)
	if err != nil {
		return nil, err
	}
	body, err := json.Marshal(jsonEnvelope{Encrypt: encrypted, MsgSignature: signature, Timestamp: timestamp, Nonce: nonce})
	if err != nil {
		return nil, fmt.Errorf("seal json reply: %w", err)
	}
	return body, nil
}
