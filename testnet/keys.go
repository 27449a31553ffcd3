package testnet

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
)

func readPrivValidatorAddress(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var f struct {
		Address string `json:"address"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return hex.DecodeString(f.Address)
}
