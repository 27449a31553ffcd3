// Package keyring stores ed25519 account keys as files in a home folder:
// <home>/keys/<name>.json, readable only by the owner. It is meant for
// development, testnets and operators' hot keys, not for cold storage.
package keyring

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/cometbft/cometbft/crypto/ed25519"

	"github.com/ordolabs/ordo/sequencer/tx"
)

// Key is a named account key.
type Key struct {
	Name    string
	PrivKey ed25519.PrivKey
}

// Address returns the key's account address.
func (k Key) Address() tx.Address { return tx.AddressFromPubKey(k.PrivKey.PubKey().Bytes()) }

// PubKeyHex returns the public key in hex.
func (k Key) PubKeyHex() string {
	return strings.ToUpper(hex.EncodeToString(k.PrivKey.PubKey().Bytes()))
}

type keyFile struct {
	Name       string `json:"name"`
	Address    string `json:"address"`
	PubKey     string `json:"pub_key"`
	PrivKeyHex string `json:"priv_key"`
}

var validName = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)

// ErrNotFound is returned for a missing key.
var ErrNotFound = errors.New("key not found")

// Dir returns the keys folder of a home folder.
func Dir(home string) string { return filepath.Join(home, "keys") }

// Create generates and saves a new key; it refuses to overwrite one.
func Create(home, name string) (Key, error) {
	return Save(home, name, ed25519.GenPrivKey())
}

// Save stores priv under name; it refuses to overwrite an existing key.
func Save(home, name string, priv ed25519.PrivKey) (Key, error) {
	if !validName.MatchString(name) {
		return Key{}, fmt.Errorf("key name %q: use 1-64 of a-z, A-Z, 0-9, '_' and '-'", name)
	}
	if err := os.MkdirAll(Dir(home), 0o700); err != nil {
		return Key{}, err
	}
	k := Key{Name: name, PrivKey: priv}
	b, err := json.MarshalIndent(keyFile{
		Name: name, Address: k.Address().String(), PubKey: k.PubKeyHex(),
		PrivKeyHex: hex.EncodeToString(priv.Bytes()),
	}, "", "  ")
	if err != nil {
		return Key{}, err
	}
	f, err := os.OpenFile(filepath.Join(Dir(home), name+".json"), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return Key{}, fmt.Errorf("key %q already exists in %s", name, Dir(home))
	}
	if err != nil {
		return Key{}, err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return Key{}, err
	}
	return k, f.Close()
}

// Load reads a key by name.
func Load(home, name string) (Key, error) {
	if !validName.MatchString(name) {
		return Key{}, fmt.Errorf("key name %q is not valid", name)
	}
	b, err := os.ReadFile(filepath.Join(Dir(home), name+".json"))
	if errors.Is(err, os.ErrNotExist) {
		return Key{}, fmt.Errorf("%w: %q in %s (create it with `ordo keys create %s`)", ErrNotFound, name, Dir(home), name)
	}
	if err != nil {
		return Key{}, err
	}
	var kf keyFile
	if err := json.Unmarshal(b, &kf); err != nil {
		return Key{}, fmt.Errorf("key file %s: %w", name, err)
	}
	raw, err := hex.DecodeString(kf.PrivKeyHex)
	if err != nil || len(raw) != ed25519.PrivateKeySize {
		return Key{}, fmt.Errorf("key file %s: malformed priv_key", name)
	}
	return Key{Name: name, PrivKey: ed25519.PrivKey(raw)}, nil
}

// List returns all keys in home, sorted by name.
func List(home string) ([]Key, error) {
	entries, err := os.ReadDir(Dir(home))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []Key
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok || e.IsDir() {
			continue
		}
		k, err := Load(home, name)
		if err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}
