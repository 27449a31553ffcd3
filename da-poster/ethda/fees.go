package ethda

import (
	"context"
	"fmt"
	"math/big"
)

// fees are the three prices of a blob transaction, in wei.
type fees struct {
	tip, feeCap, blobFeeCap *big.Int
}

func (f fees) String() string {
	return fmt.Sprintf("tip=%v feeCap=%v blobFeeCap=%v", f.tip, f.feeCap, f.blobFeeCap)
}

// marketFees prices a new transaction from the node's current base fee,
// blob base fee and tip suggestion (see Config), within the caps. It also
// returns the latest block number.
func (b *Backend) marketFees(ctx context.Context) (fees, uint64, error) {
	ctx, cancel := b.reqCtx(ctx)
	defer cancel()
	head, err := b.eth.HeaderByNumber(ctx, nil)
	if err != nil {
		return fees{}, 0, unavailable("latest header", err)
	}
	if head.BaseFee == nil {
		return fees{}, 0, fmt.Errorf("ethda: L1 block %d has no base fee (pre-London chain)", head.Number)
	}
	tip, err := b.eth.SuggestGasTipCap(ctx)
	if err != nil {
		return fees{}, 0, unavailable("eth_maxPriorityFeePerGas", err)
	}
	blobBase, err := b.eth.BlobBaseFee(ctx)
	if err != nil {
		return fees{}, 0, unavailable("eth_blobBaseFee", err)
	}
	c := b.cfg
	f := fees{
		tip:        bigMax(c.MinTipCap, tip),
		blobFeeCap: bigMax(c.MinBlobFeeCap, mulU(blobBase, c.BlobFeeMultiplier)),
	}
	f.feeCap = new(big.Int).Add(mulU(head.BaseFee, c.BaseFeeMultiplier), f.tip)
	f.tip = bigMin(f.tip, c.MaxFeeCap)
	f.feeCap = bigMin(f.feeCap, c.MaxFeeCap)
	f.blobFeeCap = bigMin(f.blobFeeCap, c.MaxBlobFeeCap)
	return f, head.Number.Uint64(), nil
}

// bumped returns the fees of a replacement for a transaction priced prev:
// each fee at least prev * (100+pct) / 100 rounded up (and above prev), or
// the market fee if higher, within the caps. ok is false when the caps
// leave no room for a valid replacement.
func bumped(prev, market fees, pct uint64, maxFee, maxBlobFee *big.Int) (f fees, ok bool) {
	one := func(p, m, limit *big.Int) (*big.Int, bool) {
		least := new(big.Int).Mul(p, new(big.Int).SetUint64(100+pct))
		least.Add(least, big.NewInt(99)).Div(least, big.NewInt(100))
		least = bigMax(least, new(big.Int).Add(p, big.NewInt(1)))
		v := bigMax(least, m)
		if v.Cmp(limit) > 0 {
			v = new(big.Int).Set(limit)
		}
		return v, v.Cmp(least) >= 0
	}
	var ok1, ok2, ok3 bool
	f.tip, ok1 = one(prev.tip, market.tip, maxFee)
	f.feeCap, ok2 = one(prev.feeCap, market.feeCap, maxFee)
	f.blobFeeCap, ok3 = one(prev.blobFeeCap, market.blobFeeCap, maxBlobFee)
	return f, ok1 && ok2 && ok3 && f.tip.Cmp(f.feeCap) <= 0
}

func mulU(x *big.Int, m uint64) *big.Int { return new(big.Int).Mul(x, new(big.Int).SetUint64(m)) }

func bigMax(a, b *big.Int) *big.Int {
	if a.Cmp(b) >= 0 {
		return new(big.Int).Set(a)
	}
	return new(big.Int).Set(b)
}

func bigMin(a, b *big.Int) *big.Int {
	if a.Cmp(b) <= 0 {
		return new(big.Int).Set(a)
	}
	return new(big.Int).Set(b)
}
