package ledger

import (
	"bytes"
	"sort"

	"github.com/ordolabs/ordo/sequencer/tx"
)

// Overlay holds uncommitted changes above a Reader. Apply either applies a
// whole tx or changes nothing. An Overlay is not safe for concurrent use.
type Overlay struct {
	base     Reader
	params   Params
	height   int64
	accounts map[tx.Address]Account
	rollups  map[tx.RollupID]Rollup
	// baseRollups caches the rollup records read from base (which does not
	// change under an overlay): every rollup data item, bundle leg and cap
	// check reads one, and decoding it each time dominated block checks.
	baseRollups map[tx.RollupID]cachedRollup
}

type cachedRollup struct {
	r  Rollup
	ok bool
}

// NewOverlay starts an empty overlay for executing block `height`.
func NewOverlay(base Reader, params Params, height int64) *Overlay {
	return &Overlay{
		base:     base,
		params:   params,
		height:   height,
		accounts: make(map[tx.Address]Account),
		rollups:  make(map[tx.RollupID]Rollup),

		baseRollups: make(map[tx.RollupID]cachedRollup),
	}
}

// Account reads an account through the overlay.
func (o *Overlay) Account(addr tx.Address) (Account, error) {
	if a, ok := o.accounts[addr]; ok {
		return a, nil
	}
	return o.base.Account(addr)
}

// Rollup reads a rollup through the overlay. The returned record shares
// its ExecutorGenesis with the overlay's cache: callers must not modify it.
func (o *Overlay) Rollup(id tx.RollupID) (Rollup, bool, error) {
	if r, ok := o.rollups[id]; ok {
		return r, true, nil
	}
	if c, ok := o.baseRollups[id]; ok {
		return c.r, c.ok, nil
	}
	r, ok, err := o.base.Rollup(id)
	if err == nil {
		o.baseRollups[id] = cachedRollup{r, ok}
	}
	return r, ok, err
}

// Check reports whether t would apply on top of the overlay, without
// changing it. It does not verify the signature (see tx.Verify).
func (o *Overlay) Check(t *tx.Tx) error {
	_, err := o.plan(t)
	return err
}

// Apply executes t: it checks nonce, fee, balance and actions against the
// overlay and, only if all pass, increments the nonce, charges the fee to
// feeRecipient and applies the actions. On error nothing changes.
func (o *Overlay) Apply(t *tx.Tx, feeRecipient tx.Address) error {
	newRollups, err := o.plan(t)
	if err != nil {
		return err
	}
	// Stage every balance change in a scratch map, reading each account
	// once, so that a failed read or an overflow leaves the overlay as it was.
	staged := make(map[tx.Address]Account, 3)
	read := func(a tx.Address) (Account, error) {
		if acct, ok := staged[a]; ok {
			return acct, nil
		}
		acct, err := o.Account(a)
		if err != nil {
			return Account{}, tx.Errorf(tx.ErrInternal, "reading account %s: %v", a, err)
		}
		return acct, nil
	}
	move := func(from, to tx.Address, amount uint64) error {
		src, err := read(from)
		if err != nil {
			return err
		}
		src.Balance -= amount // plan checked the sender covers fee plus transfers
		staged[from] = src
		dst, err := read(to)
		if err != nil {
			return err
		}
		if dst.Balance+amount < dst.Balance {
			return tx.Errorf(tx.ErrInternal, "balance of %s would overflow", to)
		}
		dst.Balance += amount
		staged[to] = dst
		return nil
	}
	sender, err := read(t.Sender)
	if err != nil {
		return err
	}
	sender.Nonce++
	staged[t.Sender] = sender
	for _, a := range t.Actions {
		if tr, ok := a.(*tx.Transfer); ok {
			if err := move(t.Sender, tr.To, tr.Amount); err != nil {
				return err
			}
		}
	}
	if t.Fee > 0 {
		if err := move(t.Sender, feeRecipient, t.Fee); err != nil {
			return err
		}
	}
	for addr, acct := range staged {
		o.accounts[addr] = acct
	}
	for _, r := range newRollups {
		o.rollups[r.ID] = r
	}
	return nil
}

// plan validates t against the overlay and returns the rollups t registers.
func (o *Overlay) plan(t *tx.Tx) ([]Rollup, error) {
	sender, err := o.Account(t.Sender)
	if err != nil {
		return nil, tx.Errorf(tx.ErrInternal, "reading account: %v", err)
	}
	if t.Nonce < sender.Nonce {
		return nil, tx.Errorf(tx.ErrStaleNonce, "account %s is at nonce %d, tx has %d", t.Sender, sender.Nonce, t.Nonce)
	}
	if t.Nonce > sender.Nonce {
		return nil, tx.Errorf(tx.ErrFutureNonce, "account %s is at nonce %d, tx has %d", t.Sender, sender.Nonce, t.Nonce)
	}
	if min := o.params.MinFee(t.Size()); t.Fee < min {
		return nil, tx.Errorf(tx.ErrInsufficientFee, "fee %d is below the minimum %d for %d bytes", t.Fee, min, t.Size())
	}
	spend, _ := t.Spend()
	if sender.Balance < spend {
		return nil, tx.Errorf(tx.ErrInsufficientBalance, "account %s has %d, tx needs %d (fee plus transfers)", t.Sender, sender.Balance, spend)
	}
	var newRollups []Rollup
	for i, a := range t.Actions {
		switch a := a.(type) {
		case *tx.RollupData:
			if _, err := o.requireRollup(a.Rollup, i); err != nil {
				return nil, err
			}
		case *tx.Bundle:
			for _, l := range a.Legs {
				r, err := o.requireRollup(l.Rollup, i)
				if err != nil {
					return nil, err
				}
				// An atomic rollup takes bundle legs from the block after
				// its registration, so whether a bundle is atomic depends
				// on committed state only.
				if r.Atomic && r.RegisteredHeight >= o.height {
					return nil, tx.Errorf(tx.ErrUnknownRollup, "action %d: atomic rollup %s takes bundle legs from the block after its registration (height %d)", i, r.Name, r.RegisteredHeight)
				}
			}
		case *tx.RegisterRollup:
			id := tx.RollupIDFromName(a.Name)
			_, exists, err := o.Rollup(id)
			if err != nil {
				return nil, tx.Errorf(tx.ErrInternal, "reading rollup: %v", err)
			}
			for _, r := range newRollups {
				exists = exists || r.ID == id
			}
			if exists {
				return nil, tx.Errorf(tx.ErrRollupExists, "action %d: rollup %q is already registered", i, a.Name)
			}
			if a.Atomic {
				if ve := o.params.VoteExtensionsHeight; ve <= 0 || ve > o.height {
					return nil, tx.Errorf(tx.ErrInvalidAction, "action %d: atomic rollups need vote extensions, which this chain has not enabled at height %d", i, o.height)
				}
				if o.params.Executors == nil {
					return nil, tx.Errorf(tx.ErrInvalidAction, "action %d: this chain runs no executors for atomic rollups", i)
				}
				if err := o.params.Executors.CheckGenesis(a.Executor, a.ExecutorGenesis); err != nil {
					return nil, tx.Errorf(tx.ErrInvalidAction, "action %d: atomic rollup %q: %v", i, a.Name, err)
				}
			}
			newRollups = append(newRollups, Rollup{
				ID: id, Name: a.Name, Owner: t.Sender,
				MaxBytesPerBlock: a.MaxBytesPerBlock, RegisteredHeight: o.height,
				Atomic: a.Atomic, Executor: a.Executor, ExecutorGenesis: a.ExecutorGenesis,
			})
		}
	}
	return newRollups, nil
}

func (o *Overlay) requireRollup(id tx.RollupID, action int) (Rollup, error) {
	r, ok, err := o.Rollup(id)
	if err != nil {
		return Rollup{}, tx.Errorf(tx.ErrInternal, "reading rollup: %v", err)
	}
	if !ok {
		return Rollup{}, tx.Errorf(tx.ErrUnknownRollup, "action %d: rollup %s is not registered", action, id)
	}
	return r, nil
}

// AccountChange is one changed account, for writing and hashing.
type AccountChange struct {
	Address tx.Address
	Account Account
}

// Changes returns the changed accounts and rollups, sorted by key, so that
// their order never depends on map iteration.
func (o *Overlay) Changes() ([]AccountChange, []Rollup) {
	accts := make([]AccountChange, 0, len(o.accounts))
	for a, v := range o.accounts {
		accts = append(accts, AccountChange{Address: a, Account: v})
	}
	sort.Slice(accts, func(i, j int) bool { return bytes.Compare(accts[i].Address[:], accts[j].Address[:]) < 0 })
	rollups := make([]Rollup, 0, len(o.rollups))
	for _, r := range o.rollups {
		rollups = append(rollups, r)
	}
	sort.Slice(rollups, func(i, j int) bool { return bytes.Compare(rollups[i].ID[:], rollups[j].ID[:]) < 0 })
	return accts, rollups
}
