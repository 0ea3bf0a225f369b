// Package btcpayspec holds BTCPay Server's Greenfield API description, as
// the contract the BTCPay test peers check traffic against. It is kept in
// the repository (not fetched) so that tests run the same offline and in CI.
package btcpayspec

import _ "embed"

// OpenAPI is openapi.json as received (see README.md), before the allOf
// repair that testpeer.RepairBTCPaySpec applies: kept unrepaired so the
// repair stays a visible, tested step rather than a hand edit.
//
//go:embed openapi.json
var OpenAPI []byte
