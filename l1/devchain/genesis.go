package devchain

import (
	"crypto/ecdsa"
	"fmt"
	"maps"
	"math/big"

	"github.com/ethereum/go-ethereum/core"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/params"
)

// DevKey returns the i-th deterministic dev private key:
// secp256k1 key keccak256("ordo/devchain/dev-key/<i>"). The same i gives the
// same key on every machine and run, so localnet scripts can rely on them.
// They are public knowledge: never fund them on a real network.
func DevKey(i int) (*ecdsa.PrivateKey, error) {
	seed := crypto.Keccak256([]byte(fmt.Sprintf("ordo/devchain/dev-key/%d", i)))
	key, err := crypto.ToECDSA(seed)
	if err != nil {
		return nil, fmt.Errorf("devchain: dev key %d: %w", i, err)
	}
	return key, nil
}

// devKeys returns dev keys 0..n-1.
func devKeys(n int) ([]*ecdsa.PrivateKey, error) {
	keys := make([]*ecdsa.PrivateKey, n)
	for i := range keys {
		k, err := DevKey(i)
		if err != nil {
			return nil, err
		}
		keys[i] = k
	}
	return keys, nil
}

// chainConfig is go-ethereum's all-forks dev configuration cut back to
// Osaka (every fork up to and including Osaka active from genesis, nothing
// later), with cfg.ChainID.
func chainConfig(cfg Config) *params.ChainConfig {
	c := *params.AllDevChainProtocolChanges
	c.ChainID = new(big.Int).SetUint64(cfg.ChainID)
	zero := uint64(0)
	c.CancunTime, c.PragueTime, c.OsakaTime = &zero, &zero, &zero
	c.BPO1Time, c.BPO2Time, c.BPO3Time, c.BPO4Time, c.BPO5Time = nil, nil, nil, nil, nil
	c.AmsterdamTime, c.BogotaTime, c.UBTTime = nil, nil, nil
	c.BlobScheduleConfig = &params.BlobScheduleConfig{
		Cancun: params.DefaultCancunBlobConfig,
		Prague: params.DefaultPragueBlobConfig, // Osaka keeps Prague's schedule
	}
	return &c
}

// genesis builds the genesis block spec at time genesisTime: the system
// contracts the active forks call into, the dev accounts, then cfg.Alloc.
func genesis(cfg Config, keys []*ecdsa.PrivateKey, genesisTime uint64) *core.Genesis {
	alloc := core.SystemContractAllocs()
	for _, k := range keys {
		alloc[crypto.PubkeyToAddress(k.PublicKey)] = types.Account{Balance: new(big.Int).Set(cfg.DevBalance)}
	}
	maps.Copy(alloc, cfg.Alloc)
	return &core.Genesis{
		Config:     chainConfig(cfg),
		Timestamp:  genesisTime,
		GasLimit:   cfg.GasLimit,
		Difficulty: big.NewInt(0),
		BaseFee:    big.NewInt(params.InitialBaseFee),
		Alloc:      alloc,
	}
}
