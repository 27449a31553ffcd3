package node

import (
	"encoding/json"
	"fmt"
	"os"
	"time"

	cmtcfg "github.com/cometbft/cometbft/config"
	"github.com/cometbft/cometbft/crypto"
	"github.com/cometbft/cometbft/p2p"
	"github.com/cometbft/cometbft/privval"
	cmttypes "github.com/cometbft/cometbft/types"

	"github.com/ordolabs/ordo/consensus"
)

// ValidatorInfo identifies a freshly initialized node.
type ValidatorInfo struct {
	Moniker string
	NodeID  string
	PubKey  crypto.PubKey
}

// InitHome creates a node home folder: config/config.toml (from comet),
// config/ordo.toml, the p2p node key and the validator key. Existing keys
// are kept; config files are overwritten. The genesis is written separately
// (WriteGenesis), since a network's genesis lists every validator.
func InitHome(comet *cmtcfg.Config, ordo OrdoConfig) (ValidatorInfo, error) {
	home := comet.RootDir
	if err := os.MkdirAll(home+"/config", 0o755); err != nil {
		return ValidatorInfo{}, err
	}
	if err := os.MkdirAll(home+"/data", 0o700); err != nil {
		return ValidatorInfo{}, err
	}
	if err := comet.ValidateBasic(); err != nil {
		return ValidatorInfo{}, fmt.Errorf("config.toml: %w", err)
	}
	if err := ordo.ValidateBasic(); err != nil {
		return ValidatorInfo{}, err
	}
	cmtcfg.WriteConfigFile(home+"/config/config.toml", comet)
	if err := WriteOrdoConfig(home, ordo); err != nil {
		return ValidatorInfo{}, err
	}
	nodeKey, err := p2p.LoadOrGenNodeKey(comet.NodeKeyFile())
	if err != nil {
		return ValidatorInfo{}, err
	}
	pv, err := privval.LoadOrGenFilePV(comet.PrivValidatorKeyFile(), comet.PrivValidatorStateFile(), nil)
	if err != nil {
		return ValidatorInfo{}, err
	}
	pub, err := pv.GetPubKey()
	if err != nil {
		return ValidatorInfo{}, err
	}
	return ValidatorInfo{Moniker: comet.Moniker, NodeID: string(nodeKey.ID()), PubKey: pub}, nil
}

// DefaultConsensusParams are CometBFT's defaults with room for large rollup
// batches and vote extensions enabled from height 1.
func DefaultConsensusParams() *cmttypes.ConsensusParams {
	p := cmttypes.DefaultConsensusParams()
	p.Block.MaxBytes = 16 << 20
	// Vote extensions from the first block: they carry the fair-ordering
	// reports (and later L1 heads, inclusion lists and bundle verdicts).
	p.Feature.VoteExtensionsEnableHeight = 1
	return p
}

// WriteGenesis writes a genesis.json with equal-power validators and the
// given Ordo app state.
func WriteGenesis(path, chainID string, genesisTime time.Time, validators []ValidatorInfo, app consensus.Genesis) error {
	appState, err := json.MarshalIndent(app, "", "  ")
	if err != nil {
		return err
	}
	doc := &cmttypes.GenesisDoc{
		GenesisTime:     genesisTime,
		ChainID:         chainID,
		InitialHeight:   1,
		ConsensusParams: DefaultConsensusParams(),
		AppState:        appState,
	}
	for _, v := range validators {
		doc.Validators = append(doc.Validators, cmttypes.GenesisValidator{
			Address: v.PubKey.Address(), PubKey: v.PubKey, Power: 10, Name: v.Moniker,
		})
	}
	if err := doc.ValidateAndComplete(); err != nil {
		return fmt.Errorf("genesis: %w", err)
	}
	if _, err := consensus.ParseGenesis(chainID, appState); err != nil {
		return err
	}
	return doc.SaveAs(path)
}
