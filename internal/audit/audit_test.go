package audit_test

import (
	"testing"

	"github.com/qunbot/qunbot/internal/audit"
)

func TestSensitive(t *testing.T) {
	for field, want := range map[string]bool{
		"password": true, "new_password": true, "secret": true, "contact_secret": true, "token": true,
		"encoding_aes_key": true, "webhook_key": true,
		"corp_id": false, "name": false, "idempotency_key": false, "title": false,
	} {
		if got := audit.Sensitive(field); got != want {
			t.Errorf("Sensitive(%q) = %v, want %v", field, got, want)
		}
	}
}
