package consensus

import (
	"bytes"
	"strings"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	cmtproto "github.com/cometbft/cometbft/api/cometbft/types/v1"

	"github.com/ordolabs/ordo/mempool"
	"github.com/ordolabs/ordo/ordering"
	consensusv1 "github.com/ordolabs/ordo/proto/ordo/consensus/v1"
	"github.com/ordolabs/ordo/sequencer/ledger"
	"github.com/ordolabs/ordo/sequencer/tx"
)

// inclusionGenesis turns inclusion lists on (min_age_blocks minAge,
// max_list_bytes maxList) with a 32 KiB block, so four validators' lists
// of 2 KiB fit a quarter of it, and fits max_report_entries for four
// validators.
func inclusionGenesis(fair bool, minAge, maxList int64) Genesis {
	g := testGenesis()
	g.Params.MaxBlockTxBytes = 32 << 10
	g.Params.Fair.Enabled = fair
	g.Params.Inclusion = GenesisInclusion{Enabled: true, MinAgeBlocks: minAge, MaxListBytes: maxList}
	FitReportEntries(&g.Params, 4)
	for _, u := range fairUsers {
		g.Accounts = append(g.Accounts, GenesisAccount{Address: u.addr.String(), Balance: "1000000"})
	}
	return g
}

func decodeList(tb testing.TB, ext []byte) [][]byte {
	tb.Helper()
	var ve consensusv1.VoteExtension
	if err := ve.Unmarshal(ext); err != nil {
		tb.Fatalf("extension does not decode: %v", err)
	}
	return ve.InclusionList
}

// listAt runs ExtendVote(h) with block h's txs and returns the inclusion
// list; the node must accept its own extension.
func (n *fairNode) listAt(tb testing.TB, h int64, block ...[]byte) [][]byte {
	tb.Helper()
	resp, err := n.app.ExtendVote(ctx, &abci.ExtendVoteRequest{Height: h, Txs: block, Hash: blockHash(h), Time: blockTime(h)})
	if err != nil {
		tb.Fatalf("ExtendVote(%d): %v", h, err)
	}
	if st := n.verifyExt(tb, h, resp.VoteExtension); st != abci.VERIFY_VOTE_EXTENSION_STATUS_ACCEPT {
		tb.Fatalf("the node rejects its own extension of height %d", h)
	}
	return decodeList(tb, resp.VoteExtension)
}

func (n *fairNode) verifyExt(tb testing.TB, h int64, ext []byte) abci.VerifyVoteExtensionStatus {
	tb.Helper()
	resp, err := n.app.VerifyVoteExtension(ctx, &abci.VerifyVoteExtensionRequest{Height: h, VoteExtension: ext})
	if err != nil {
		tb.Fatal(err)
	}
	return resp.Status
}

// wantList compares a list with the expected raw txs, in order.
func wantList(tb testing.TB, what string, got [][]byte, want ...[]byte) {
	tb.Helper()
	ok := len(got) == len(want)
	for i := 0; ok && i < len(got); i++ {
		ok = bytes.Equal(got[i], want[i])
	}
	if !ok {
		name := func(l [][]byte) []string {
			var out []string
			for _, r := range l {
				out = append(out, hashOf(r).String()[:8])
			}
			return out
		}
		tb.Fatalf("%s: list %v, want %v", what, name(got), name(want))
	}
}

// TestExtendVoteInclusionList: ExtendVote(h) lists the ready txs that
// arrived when the committed height was at most h − min_age_blocks and
// are not in block h, accounts by the arrival of their oldest ready tx,
// each account's txs in nonce order; parked txs never; with fair ordering
// off and on.
func TestExtendVoteInclusionList(t *testing.T) {
	for _, fair := range []bool{false, true} {
		t.Run(map[bool]string{false: "fair off", true: "fair on"}[fair], func(t *testing.T) {
			n := openFairNode(t, inclusionGenesis(fair, 2, 2048), fairValidators(1))
			a0 := alice.sign(t, 0, fee, rollupData("beta", 10))
			a1 := alice.sign(t, 1, fee, rollupData("beta", 11))
			b1 := bob.sign(t, 1, fee, rollupData("beta", 12)) // parked: bob's nonce 0 is missing
			n.mustCheckTx(t, a0, a1, b1)                      // committed height 0
			wantList(t, "height 1 (waited 1 block)", n.listAt(t, 1))

			n.decide(t, 1, nil)
			e0 := erin.sign(t, 0, fee, rollupData("beta", 13))
			n.mustCheckTx(t, e0) // committed height 1
			wantList(t, "height 2", n.listAt(t, 2), a0, a1)
			wantList(t, "height 2, a0 in block 2", n.listAt(t, 2, a0), a1)
			wantList(t, "height 2, both in block 2", n.listAt(t, 2, a1, a0))

			n.decide(t, 2, nil)
			wantList(t, "height 3", n.listAt(t, 3), a0, a1, e0)
			wantList(t, "height 3, e0 in block 3", n.listAt(t, 3, e0), a0, a1)
			wantList(t, "height 3, a tx of another chain in block 3", n.listAt(t, 3, []byte("junk")), a0, a1, e0)
		})
	}
}

// TestExtendVoteListNoncePrefixWhenArrivalInverted: bob's nonce 1
// arrived (parked) at committed height 0, alice's nonce 0 right after it,
// bob's nonce 0 at height 1. At h=2 with min_age_blocks 2, bob's nonce 1
// has waited long enough and his nonce 0 has not: an account's listed txs
// are a nonce prefix, so neither is listed (the old inclusionList walked
// arrival order and listed nonce 1 alone, which no block could execute),
// while alice's is. When block 2 carries bob's nonce 0, his nonce 1 is
// next and listed. At h=3 bob's account comes first (its oldest ready tx
// arrived first), in nonce order.
func TestExtendVoteListNoncePrefixWhenArrivalInverted(t *testing.T) {
	n := openFairNode(t, inclusionGenesis(false, 2, 2048), fairValidators(1))
	b1 := bob.sign(t, 1, fee, rollupData("beta", 12))
	a0 := alice.sign(t, 0, fee, rollupData("beta", 10))
	n.mustCheckTx(t, b1, a0)
	n.decide(t, 1, nil)
	b0 := bob.sign(t, 0, fee, rollupData("beta", 11))
	n.mustCheckTx(t, b0)
	wantList(t, "height 2", n.listAt(t, 2), a0)
	wantList(t, "height 2, bob's nonce 0 in block 2", n.listAt(t, 2, b0), b1, a0)
	n.decide(t, 2, nil)
	wantList(t, "height 3", n.listAt(t, 3), b0, b1, a0)
}

// TestInclusionListNoncePrefix drives inclusionList directly: accounts in
// the arrival order of their oldest ready tx, each account's txs in nonce
// order, stopping at an account's first tx that is too young or does not
// fit; a tx in block h is skipped (its account's next nonce is due).
func TestInclusionListNoncePrefix(t *testing.T) {
	p := ledger.InclusionParams{Enabled: true, MinAgeBlocks: 2, MaxListBytes: 2048}
	const h = 5 // listable: arrived at committed height ≤ 3
	entry := func(raw []byte, seq uint64, seen int64) *mempool.Entry {
		tr, err := tx.Decode(raw, 0)
		if err != nil {
			t.Fatal(err)
		}
		return &mempool.Entry{Tx: tr, Seq: seq, SeenHeight: seen}
	}
	a0, a1, a2 := alice.sign(t, 0, fee, rollupData("beta", 1)), alice.sign(t, 1, fee, rollupData("beta", 2)), alice.sign(t, 2, fee, rollupData("beta", 3))
	b0, b1 := bob.sign(t, 0, fee, rollupData("beta", 4)), bob.sign(t, 1, fee, rollupData("beta", 5))
	e0 := erin.sign(t, 0, fee, rollupData("beta", 6))
	big := erin.sign(t, 0, fee, rollupData("beta", 1700))
	var sum int64 // a0, a1 and big do not fit 2048 bytes together; big alone does
	for _, raw := range [][]byte{a0, a1, big} {
		sum += int64(len(raw)) + ledger.ListEntryOverhead
	}
	if sum <= p.MaxListBytes || int64(len(big))+ledger.ListEntryOverhead > p.MaxListBytes {
		t.Fatalf("sizes: %d in all, big %d", sum, len(big))
	}
	for _, c := range []struct {
		name    string
		ready   []*mempool.Entry // in arrival order, as mempool.Ready returns them
		inBlock [][]byte
		want    [][]byte
	}{
		{"arrival order is nonce order", []*mempool.Entry{entry(a0, 1, 1), entry(a1, 2, 1), entry(b0, 3, 2)}, nil, [][]byte{a0, a1, b0}},
		{"a parked higher nonce arrived first, its lower nonce too young",
			[]*mempool.Entry{entry(a1, 1, 1), entry(b0, 2, 1), entry(a0, 3, 4)}, nil, [][]byte{b0}},
		{"a parked higher nonce arrived first, both old enough",
			[]*mempool.Entry{entry(a1, 1, 1), entry(b0, 2, 1), entry(a0, 3, 3)}, nil, [][]byte{a0, a1, b0}},
		{"the account's lower nonce is in block h",
			[]*mempool.Entry{entry(a1, 1, 1), entry(b0, 2, 1), entry(a0, 3, 4)}, [][]byte{a0}, [][]byte{a1, b0}},
		{"a young middle nonce ends the account",
			[]*mempool.Entry{entry(a0, 1, 1), entry(b0, 2, 1), entry(a2, 3, 1), entry(a1, 4, 4)}, nil, [][]byte{a0, b0}},
		{"accounts by their oldest ready tx",
			[]*mempool.Entry{entry(b1, 1, 1), entry(a0, 2, 1), entry(e0, 3, 1), entry(b0, 4, 2), entry(a1, 5, 2)}, nil, [][]byte{b0, b1, a0, a1, e0}},
		{"a tx over the budget ends its account, others go on",
			[]*mempool.Entry{entry(a0, 1, 1), entry(big, 2, 1), entry(b0, 3, 1), entry(a1, 4, 1)}, nil, [][]byte{a0, a1, b0}},
	} {
		inBlock := make(map[tx.Hash]bool)
		for _, raw := range c.inBlock {
			inBlock[hashOf(raw)] = true
		}
		wantList(t, c.name, inclusionList(p, h, c.ready, inBlock), c.want...)
	}
	if l := inclusionList(ledger.InclusionParams{MinAgeBlocks: 2, MaxListBytes: 2048}, h, []*mempool.Entry{entry(a0, 1, 1)}, nil); l != nil {
		t.Fatalf("lists off: %d txs listed", len(l))
	}
}

// TestExtendVoteListBudget: the list stays within max_list_bytes
// (Σ len+4); a tx that does not fit closes its account (a nonce prefix)
// while smaller txs of accounts taken later still go in. Accounts are
// taken by their oldest ready tx's arrival, so an account's later nonces
// go before other accounts' earlier arrivals.
func TestExtendVoteListBudget(t *testing.T) {
	const budget = 1024
	cost := func(raw []byte) int64 { return int64(len(raw)) + ledger.ListEntryOverhead }
	small := func(s signer, nonce uint64) []byte { return s.sign(t, nonce, fee, rollupData("beta", 1)) }
	base := cost(small(alice, 0)) - 1 // a tx's cost with 0 data bytes, about
	big := func(s signer, nonce uint64) []byte { return s.sign(t, nonce, fee, rollupData("beta", int(330-base))) }

	u0, a0, u1, a1, a2, u2 := big(fairUsers[0], 0), small(alice, 0), big(fairUsers[1], 0), big(alice, 1), small(alice, 2), small(fairUsers[2], 0)
	// The sizes this test relies on: after u0 a0 u1, a1 does not fit,
	// a2 would (but alice's account is closed), u2 does, and not both;
	// after u0 and all of alice's txs, neither u1 nor u2 fits.
	fits := cost(u0) + cost(a0) + cost(u1)
	alices := cost(u0) + cost(a0) + cost(a1) + cost(a2)
	if fits+cost(a1) <= budget || fits+cost(a2) > budget || fits+cost(u2) > budget || fits+cost(a2)+cost(u2) <= budget ||
		alices > budget || alices+cost(u2) <= budget || alices+cost(u1) <= budget {
		t.Fatalf("sizes: u0 %d a0 %d u1 %d a1 %d a2 %d u2 %d", cost(u0), cost(a0), cost(u1), cost(a1), cost(a2), cost(u2))
	}
	huge := fairUsers[3].sign(t, 0, fee, rollupData("beta", budget)) // alone over the budget
	for _, c := range []struct {
		name    string
		arrival [][]byte
		want    [][]byte
	}{
		// alice's account comes second (a0 arrived before u1): all her
		// nonces fit, then neither u1 nor u2 does.
		{"alice before u1", [][]byte{u0, a0, u1, a1, a2, huge, u2}, [][]byte{u0, a0, a1, a2}},
		// u1 arrived before all of alice's txs: after a0, a1 does not fit
		// and closes alice's account (a2 is not listed), u2 still fits.
		{"u1 before alice", [][]byte{u0, u1, a0, a1, a2, huge, u2}, [][]byte{u0, u1, a0, u2}},
	} {
		n := openFairNode(t, inclusionGenesis(false, 1, budget), fairValidators(1))
		n.mustCheckTx(t, c.arrival...)
		list := n.listAt(t, 1)
		wantList(t, c.name, list, c.want...)
		var used int64
		for _, raw := range list {
			used += cost(raw)
		}
		if used > budget {
			t.Fatalf("%s: list takes %d bytes, budget %d", c.name, used, budget)
		}
	}
}

// TestExtendVoteListsNothingWhenListsOff: with inclusion lists off
// (fair on or off) ExtendVote lists nothing, however old the pool's txs.
func TestExtendVoteListsNothingWhenListsOff(t *testing.T) {
	fairOn := openFairNode(t, fairGenesis(), fairValidators(1))
	fairOff := &fairNode{node: newNode(t), clock: genesisTime}
	for name, n := range map[string]*fairNode{"fair on": fairOn, "fair off": fairOff} {
		n.mustCheckTx(t, alice.sign(t, 0, fee, rollupData("beta", 1)), bob.sign(t, 0, fee, rollupData("beta", 2)))
		for h := int64(1); h <= 4; h++ {
			if h > 1 {
				n.decide(t, h-1, nil)
			}
			resp, err := n.app.ExtendVote(ctx, &abci.ExtendVoteRequest{Height: h})
			if err != nil {
				t.Fatal(err)
			}
			if l := decodeList(t, resp.VoteExtension); len(l) != 0 {
				t.Fatalf("%s: height %d lists %d txs with inclusion lists off", name, h, len(l))
			}
		}
	}
}

// txOfLen signs a tx of exactly n bytes (searching the data length).
func txOfLen(tb testing.TB, s signer, nonce uint64, n int) []byte {
	tb.Helper()
	for d := 1; d < n; d++ {
		raw := s.sign(tb, nonce, fee, rollupData("beta", d))
		if len(raw) == n {
			return raw
		}
		if len(raw) > n {
			break
		}
	}
	tb.Fatalf("no tx of %d bytes", n)
	return nil
}

func mustEncodeList(tb testing.TB, r ordering.Report, list ...[]byte) []byte {
	tb.Helper()
	b, err := encodeVoteExtension(r, list...)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// TestVerifyVoteExtensionInclusionList: a list is accepted only within
// max_list_bytes and made of valid signed txs for this chain (the state
// is not consulted); with inclusion lists off any list is rejected.
func TestVerifyVoteExtensionInclusionList(t *testing.T) {
	const budget = 1024
	n := openFairNode(t, inclusionGenesis(false, 1, budget), fairValidators(1))
	rep := ordering.Report{Now: 1_735_689_601_234}
	a0 := alice.sign(t, 0, fee, rollupData("beta", 10))
	b0 := bob.sign(t, 0, fee, rollupData("beta", 10))
	exact := txOfLen(t, erin, 0, budget-ledger.ListEntryOverhead)
	over := txOfLen(t, erin, 0, budget-ledger.ListEntryOverhead+1)
	half := txOfLen(t, erin, 0, budget/2)
	half2 := txOfLen(t, alice, 0, budget/2)
	for name, c := range map[string]struct {
		list [][]byte
		ok   bool
	}{
		"no list":                         {nil, true},
		"two valid txs":                   {[][]byte{a0, b0}, true},
		"state-invalid tx (future nonce)": {[][]byte{alice.sign(t, 7, fee, rollupData("beta", 1))}, true},
		"unpayable tx":                    {[][]byte{carol.sign(t, 0, fee, rollupData("beta", 1))}, true},
		"unknown rollup":                  {[][]byte{alice.sign(t, 0, fee, rollupData("zzz", 1))}, true},
		"exactly max_list_bytes":          {[][]byte{exact}, true},
		"one byte over max_list_bytes":    {[][]byte{over}, false},
		"two halves over the budget":      {[][]byte{half, half2}, false},
		"half and a small tx":             {[][]byte{half, a0}, true},
		"undecodable tx":                  {[][]byte{a0, []byte("not a tx at all")}, false},
		"empty entry":                     {[][]byte{{}}, false},
		"bad signature":                   {[][]byte{badSignature(t, a0)}, false},
		"bad signature after a good tx":   {[][]byte{b0, badSignature(t, a0)}, false},
		"signed for another chain":        {[][]byte{alice.signChain(t, "other-chain", 0, fee, rollupData("beta", 1))}, false},
		"larger than max_tx_bytes":        {[][]byte{bytes.Repeat([]byte{1}, maxTxBytes+1)}, false},
	} {
		ext := mustEncodeList(t, rep, c.list...)
		if got := n.verifyExt(t, 3, ext); (got == abci.VERIFY_VOTE_EXTENSION_STATUS_ACCEPT) != c.ok {
			t.Errorf("%s: %v, want accept=%v", name, got, c.ok)
		}
	}

	off := openFairNode(t, fairGenesis(), fairValidators(1))
	if got := off.verifyExt(t, 3, mustEncodeList(t, rep, a0)); got != abci.VERIFY_VOTE_EXTENSION_STATUS_REJECT {
		t.Errorf("lists off: a list accepted (%v)", got)
	}
	if got := off.verifyExt(t, 3, mustEncodeList(t, rep)); got != abci.VERIFY_VOTE_EXTENSION_STATUS_ACCEPT {
		t.Errorf("lists off: an extension without a list rejected (%v)", got)
	}
}

// userTxs drops the system tx.
func userTxs(block [][]byte) [][]byte {
	if len(block) > 0 && IsSystemTx(block[0]) {
		return block[1:]
	}
	return block
}

func hasTx(block [][]byte, raw []byte) bool {
	for _, b := range block {
		if bytes.Equal(b, raw) {
			return true
		}
	}
	return false
}

func without(block [][]byte, drop ...[]byte) [][]byte {
	var out [][]byte
	for _, b := range block {
		if !hasTx(drop, b) {
			out = append(out, b)
		}
	}
	return out
}

// TestInclusionListsThroughProposals drives four validators (power 10
// each, min_age_blocks 1) through heights 1 and 2 with real signed
// extensions. Node 0 proposes and never receives x (only node 1 holds it);
// fairUsers[2] has a0 (nonce 0) and z (nonce 1) pending at nodes 1-3 while
// node 0 proposes a conflicting nonce 0 that drains the account, so z
// cannot pay in block 2; y reaches every node after block 1 was proposed.
// E then lists x (node 1), y (all), a0 and z (nodes 1-3). Block 2 from
// PrepareProposal carries x and y and not a0 (stale) nor z (unpayable),
// and every validator accepts it; blocks omitting x or y are rejected, as
// are blocks whose E carries a list entry that is not a valid signed tx
// (extensions re-signed with the validators' keys).
func TestInclusionListsThroughProposals(t *testing.T) {
	for _, fair := range []bool{false, true} {
		t.Run(map[bool]string{false: "fair off", true: "fair on"}[fair], func(t *testing.T) {
			c := newCluster(t, inclusionGenesis(fair, 1, 2048), 10, 10, 10, 10)
			t1 := blockTime(1)
			u := fairUsers[1].sign(t, 0, fee, rollupData("beta", 11))
			drain := fairUsers[2].sign(t, 0, fee, transfer(alice.addr, richBalance-fee))
			for i, n := range c.nodes {
				n.at(t1.Add(-3*time.Second)).mustCheckTx(t, u)
				if i == 0 {
					n.mustCheckTx(t, drain)
				}
			}
			block1 := c.prepare(t, 1, 0, abci.ExtendedCommitInfo{}, 1<<20)
			if len(block1) != 2 || !hasTx(block1, drain) {
				t.Fatalf("block 1 has %d txs", len(block1))
			}
			x := fairUsers[0].sign(t, 0, fee, rollupData("beta", 10))
			a0 := fairUsers[2].sign(t, 0, fee, transfer(alice.addr, 1))
			z := fairUsers[2].sign(t, 1, fee, rollupData("beta", 12))
			y := fairUsers[3].sign(t, 0, fee, rollupData("beta", 13))
			for i, n := range c.nodes {
				n.at(t1.Add(-2 * time.Second))
				if i > 0 {
					n.mustCheckTx(t, a0, z)
				}
				if i == 1 {
					n.mustCheckTx(t, x)
				}
				n.at(t1.Add(time.Duration(-1000+10*i)*time.Millisecond)).mustCheckTx(t, y)
			}
			for i := range c.nodes {
				if st := c.process(t, i, 1, block1, abci.CommitInfo{}); st != abci.PROCESS_PROPOSAL_STATUS_ACCEPT {
					t.Fatalf("node %d rejects block 1", i)
				}
				c.nodes[i].at(t1.Add(time.Duration(500+30*i) * time.Millisecond))
			}
			exts := c.extendAll(t, 1, block1)
			wantList(t, "node 0", decodeList(t, exts[0]), y)
			wantList(t, "node 1", decodeList(t, exts[1]), a0, z, x, y)
			wantList(t, "node 2", decodeList(t, exts[2]), a0, z, y)
			wantList(t, "node 3", decodeList(t, exts[3]), a0, z, y)
			c.decideAll(t, 1, block1)

			local, last := buildCommit(t, c.vals, 1, 0, allCommit(4), exts)
			if _, ok := c.nodes[0].pool.Get(hashOf(x)); ok {
				t.Fatal("the proposer's pool holds x")
			}
			block2 := c.prepare(t, 2, 0, local, 1<<20)
			if !IsSystemTx(block2[0]) {
				t.Fatal("block 2 does not start with E")
			}
			user := userTxs(block2)
			if len(user) != 2 || !hasTx(user, x) || !hasTx(user, y) {
				t.Fatalf("block 2 has %d user txs (x %v, y %v, a0 %v, z %v), want x and y", len(user), hasTx(user, x), hasTx(user, y), hasTx(user, a0), hasTx(user, z))
			}
			for i := range c.nodes {
				if st := c.process(t, i, 2, block2, last); st != abci.PROCESS_PROPOSAL_STATUS_ACCEPT {
					t.Fatalf("node %d rejects the honest block 2 (it omits listed a0, stale, and z, unpayable)", i)
				}
			}

			sys := block2[0]
			withE := func(replace map[int][]byte) []byte {
				e := append([][]byte(nil), exts...)
				for i, ext := range replace {
					e[i] = ext
				}
				ec, _ := buildCommit(t, c.vals, 1, 0, allCommit(4), e)
				raw, err := encodeExtCommit(ec)
				if err != nil {
					t.Fatal(err)
				}
				return raw
			}
			// Node 1's extension with its list replaced, validly signed.
			relist := func(list ...[]byte) map[int][]byte {
				r, err := decodeVoteExtension(exts[1], maxEntries)
				if err != nil {
					t.Fatal(err)
				}
				return map[int][]byte{1: mustEncodeList(t, r, list...)}
			}
			if raw := withE(relist(a0, z, x, y)); !bytes.Equal(raw, sys) {
				t.Fatal("rebuilding E from the same extensions changed it")
			}
			cat := func(head []byte, rest ...[]byte) [][]byte { return append([][]byte{head}, rest...) }
			cases := []struct {
				name string
				txs  [][]byte
			}{
				{"x omitted", cat(sys, y)},
				{"y omitted", cat(sys, x)},
				{"E only", cat(sys)},
				{"x omitted, unpayable z included instead", cat(sys, y, z)},
				{"listed tx with a bad signature", cat(withE(relist(a0, z, x, y, badSignature(t, u))), user...)},
				{"listed tx that does not decode", cat(withE(relist(a0, z, x, y, []byte("junk"))), user...)},
				{"listed tx for another chain", cat(withE(relist(x, fairUsers[5].signChain(t, "other-chain", 0, fee, rollupData("beta", 1)))), user...)},
				{"list over max_list_bytes", cat(withE(relist(x, txOfLen(t, fairUsers[6], 0, 2045))), user...)},
			}
			if fair {
				cases = append(cases, struct {
					name string
					txs  [][]byte
				}{"x and y swapped", cat(sys, user[1], user[0])})
			}
			for _, bc := range cases {
				t.Run(bc.name, func(t *testing.T) {
					for i := 1; i < len(c.nodes); i++ {
						if st := c.process(t, i, 2, bc.txs, last); st != abci.PROCESS_PROPOSAL_STATUS_REJECT {
							t.Fatalf("node %d: %v, want REJECT", i, st)
						}
					}
				})
			}
			// Without node 1's extension (3/4 of the power commits) x is not
			// listed any more, and a block without it is accepted.
			flags := allCommit(4)
			flags[1] = cmtproto.BlockIDFlagAbsent
			noNode1, noNode1Last := buildCommit(t, c.vals, 1, 0, flags, exts)
			rawE, err := encodeExtCommit(noNode1)
			if err != nil {
				t.Fatal(err)
			}
			for i := 2; i < len(c.nodes); i++ {
				if st := c.process(t, i, 2, cat(rawE, y), noNode1Last); st != abci.PROCESS_PROPOSAL_STATUS_ACCEPT {
					t.Fatalf("node %d rejects a block without x when no extension in E lists x", i)
				}
			}

			res := c.decideAll(t, 2, block2)
			for i, r := range res[0].TxResults {
				if r.Code != abci.CodeTypeOK {
					t.Fatalf("block 2 tx %d: code %d %s", i, r.Code, r.Log)
				}
			}
			for i := range c.nodes {
				if got := c.nodes[i].account(t, fairUsers[0].addr).Nonce; got != 1 {
					t.Fatalf("node %d: x not executed (nonce %d)", i, got)
				}
			}
		})
	}
}

// TestPrepareProposalListedBurstOverRollupCap: alice posts three 200-byte
// batches to alpha (cap 300 per block) at once. Block 1 carries the
// first; every validator lists the other two at height 1 (min_age_blocks
// 1). Only one fits block 2's alpha cap: the required set is the first
// (nonce 1; nonce 2 overflows alpha after it). The old Order charged it
// with the room reserved for nonce 2, refused it and closed alice's
// account, so every proposer built a block every validator rejected and
// the chain could not commit height 2. Now every proposer's block 2
// carries nonce 1 and not nonce 2, and every validator accepts it; a
// block without nonce 1 is rejected.
func TestPrepareProposalListedBurstOverRollupCap(t *testing.T) {
	c := newCluster(t, inclusionGenesis(false, 1, 2048), 10, 10, 10, 10)
	var burst [][]byte
	for nonce := uint64(0); nonce < 3; nonce++ {
		burst = append(burst, alice.sign(t, nonce, fee, rollupData("alpha", 200)))
	}
	for _, n := range c.nodes {
		n.mustCheckTx(t, burst...)
	}
	block1 := c.prepare(t, 1, 0, abci.ExtendedCommitInfo{}, 1<<20)
	if len(block1) != 1 || !bytes.Equal(block1[0], burst[0]) {
		t.Fatalf("block 1 has %d txs, want alice's first batch", len(block1))
	}
	exts := c.extendAll(t, 1, block1)
	for i, e := range exts {
		wantList(t, "node "+string(rune('0'+i)), decodeList(t, e), burst[1], burst[2])
	}
	c.decideAll(t, 1, block1)
	local, last := buildCommit(t, c.vals, 1, 0, allCommit(4), exts)
	processAll := func(p int, block2 [][]byte) (rejected int) {
		for i := range c.nodes {
			resp, err := c.nodes[i].app.ProcessProposal(ctx, &abci.ProcessProposalRequest{
				Txs: block2, Height: 2, Time: blockTime(2), ProposerAddress: c.vals[p].addr, ProposedLastCommit: last, Hash: blockHash(2),
			})
			if err != nil {
				t.Fatal(err)
			}
			if resp.Status != abci.PROCESS_PROPOSAL_STATUS_ACCEPT {
				rejected++
			}
		}
		return rejected
	}
	for p := range c.nodes {
		block2 := c.prepare(t, 2, p, local, 1<<20)
		if user := userTxs(block2); len(user) != 1 || !bytes.Equal(user[0], burst[1]) {
			t.Errorf("proposer %d: block 2 has %d user txs (batch 1 %v, batch 2 %v), want batch 1 only",
				p, len(user), hasTx(user, burst[1]), hasTx(user, burst[2]))
		}
		if rejected := processAll(p, block2); rejected > 0 {
			t.Errorf("proposer %d: block 2 rejected by %d of 4 validators", p, rejected)
		}
		if p == 0 {
			if rejected := processAll(p, block2[:1]); rejected != len(c.nodes) {
				t.Errorf("a block 2 without the required batch accepted by %d of 4 validators", len(c.nodes)-rejected)
			}
		}
	}
}

// --- genesis ---

func inclusionParams(maxBlock, maxList, minAge int64) Genesis {
	g := testGenesis()
	g.Params.MaxBlockTxBytes = maxBlock
	g.Params.Fair.MaxReportEntries = 10
	g.Params.Inclusion = GenesisInclusion{Enabled: true, MinAgeBlocks: minAge, MaxListBytes: maxList}
	return g
}

// TestGenesisInclusionBounds: toLedger (through ParseGenesis) requires
// min_age_blocks in [1, 10000] and max_list_bytes in [1024,
// max_block_tx_bytes/4] when lists are on, and ignores them when off.
func TestGenesisInclusionBounds(t *testing.T) {
	const block = 16 << 10 // a quarter is 4096
	for _, c := range []struct {
		maxList, minAge int64
		enabled, ok     bool
	}{
		{1024, 2, true, true},
		{1024, 1, true, true},
		{1024, 10_000, true, true},
		{4096, 2, true, true},
		{1024, 0, true, false},
		{1024, -1, true, false},
		{1024, 10_001, true, false},
		{1023, 2, true, false},
		{0, 2, true, false},
		{-1024, 2, true, false},
		{4097, 2, true, false},
		{1 << 40, 2, true, false},
		{0, 0, false, true},
		{1 << 40, -5, false, true},
	} {
		g := inclusionParams(block, c.maxList, c.minAge)
		g.Params.Inclusion.Enabled = c.enabled
		cs, err := ParseGenesis(testChain, genesisBytes(t, g))
		if (err == nil) != c.ok {
			t.Errorf("enabled %v max_list_bytes %d min_age_blocks %d: %v, want ok=%v", c.enabled, c.maxList, c.minAge, err, c.ok)
			continue
		}
		if err != nil && !strings.Contains(err.Error(), "inclusion_lists") {
			t.Errorf("error %q does not name inclusion_lists", err)
		}
		if err == nil {
			want := ledger.InclusionParams{Enabled: c.enabled, MinAgeBlocks: c.minAge, MaxListBytes: c.maxList}
			if cs.Params.Inclusion != want {
				t.Errorf("params %+v, want %+v", cs.Params.Inclusion, want)
			}
		}
	}
}

func initChainWith(t *testing.T, g Genesis, vals int, ve int64) error {
	t.Helper()
	n := openNode(t, "", mempool.DefaultConfig())
	req := &abci.InitChainRequest{ChainId: testChain, InitialHeight: 1, AppStateBytes: genesisBytes(t, g),
		Validators: validatorUpdates(fairValidators(make([]int64, vals)...))}
	for i := range req.Validators {
		req.Validators[i].Power = 1
	}
	if ve > 0 {
		req.ConsensusParams = veParams(ve)
	}
	_, err := n.app.InitChain(ctx, req)
	if err != nil {
		if h, hash, _ := n.store.LastCommitted(); h != 0 || hash != nil {
			t.Fatal("a refused genesis was written")
		}
	}
	return err
}

// TestInitChainInclusionListBudget: all validators' lists must fit a
// quarter of max_block_tx_bytes; lists need vote extensions.
func TestInitChainInclusionListBudget(t *testing.T) {
	const block = 16 << 10 // quarter 4096
	for _, c := range []struct {
		vals    int
		maxList int64
		ok      bool
	}{
		{4, 1024, true},  // 4096: exactly a quarter
		{3, 1365, true},  // 4095
		{5, 1024, false}, // 5120
		{4, 1025, false}, // 4100
		{1, 4096, true},
		{2, 4096, false},
	} {
		err := initChainWith(t, inclusionParams(block, c.maxList, 2), c.vals, 1)
		if (err == nil) != c.ok {
			t.Errorf("%d validators × max_list_bytes %d: %v, want ok=%v", c.vals, c.maxList, err, c.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "max_list_bytes") {
			t.Errorf("%d validators × %d: error %q does not name max_list_bytes", c.vals, c.maxList, err)
		}
	}
	// E's bound counts the lists too: what fits without lists may not
	// fit with them.
	g := inclusionParams(block, 1024, 2)
	g.Params.Fair.MaxReportEntries = 200 // 4 × (200×17 + 192) = 14368 > 8192 with or without lists
	if err := initChainWith(t, g, 4, 1); err == nil || !strings.Contains(err.Error(), "vote extensions can take") {
		t.Errorf("E over half the block: %v", err)
	}
	g.Params.Fair.MaxReportEntries = 60 // 4 × (60×17 + 192) = 4848 alone; + 4 × 1024 = 8944 > 8192
	if err := initChainWith(t, g, 4, 1); err == nil || !strings.Contains(err.Error(), "vote extensions can take") {
		t.Errorf("E with lists over half the block: %v", err)
	}
	g.Params.Inclusion.Enabled = false
	if err := initChainWith(t, g, 4, 1); err != nil {
		t.Errorf("the same without lists: %v", err)
	}
	// Lists without vote extensions.
	if err := initChainWith(t, inclusionParams(block, 1024, 2), 4, 0); err == nil || !strings.Contains(err.Error(), "vote extensions") {
		t.Errorf("lists without vote extensions: %v", err)
	}
}

// TestFitReportEntriesFitsLists: FitReportEntries lowers max_list_bytes
// to max_block_tx_bytes/4/n (and then max_report_entries) so InitChain
// accepts the genesis; with lists off it leaves max_list_bytes alone.
func TestFitReportEntriesFitsLists(t *testing.T) {
	for _, c := range []struct {
		block, maxList int64
		vals           int
		want           int64
	}{
		{64 << 10, 16 << 10, 4, 4096},
		{64 << 10, 16 << 10, 5, 3276},
		{64 << 10, 2048, 4, 2048}, // already fits
		{2 << 20, 16 << 10, 4, 16 << 10},
		{2 << 20, 16 << 10, 100, 5242},
		{2 << 20, 16 << 10, 512, 1024},
	} {
		g := inclusionParams(c.block, c.maxList, 2)
		g.Params.Fair.MaxReportEntries = 8192
		FitReportEntries(&g.Params, c.vals)
		if g.Params.Inclusion.MaxListBytes != c.want {
			t.Errorf("block %d, %d validators: max_list_bytes %d, want %d", c.block, c.vals, g.Params.Inclusion.MaxListBytes, c.want)
		}
		if int64(c.vals)*g.Params.Inclusion.MaxListBytes > c.block/4 {
			t.Errorf("block %d, %d validators: lists take %d", c.block, c.vals, int64(c.vals)*g.Params.Inclusion.MaxListBytes)
		}
		if e := MaxExtCommitBytes(c.vals, g.Params.Fair.MaxReportEntries, g.Params.Inclusion.MaxListBytes); e > c.block/2 {
			t.Errorf("block %d, %d validators: E can take %d", c.block, c.vals, e)
		}
		if c.vals <= 5 {
			if err := initChainWith(t, g, c.vals, 1); err != nil {
				t.Errorf("block %d, %d validators: InitChain refuses the fitted genesis: %v", c.block, c.vals, err)
			}
		} else if _, err := ParseGenesis(testChain, genesisBytes(t, g)); err != nil {
			t.Errorf("block %d, %d validators: the fitted genesis does not parse: %v", c.block, c.vals, err)
		}
	}
	g := inclusionParams(64<<10, 16<<10, 2)
	g.Params.Inclusion.Enabled = false
	FitReportEntries(&g.Params, 4)
	if g.Params.Inclusion.MaxListBytes != 16<<10 {
		t.Errorf("lists off: max_list_bytes changed to %d", g.Params.Inclusion.MaxListBytes)
	}
	// The lists' budget leaves less room for report entries.
	on, off := inclusionParams(64<<10, 4096, 2), inclusionParams(64<<10, 4096, 2)
	off.Params.Inclusion.Enabled = false
	on.Params.Fair.MaxReportEntries, off.Params.Fair.MaxReportEntries = 8192, 8192
	FitReportEntries(&on.Params, 4)
	FitReportEntries(&off.Params, 4)
	if on.Params.Fair.MaxReportEntries >= off.Params.Fair.MaxReportEntries {
		t.Errorf("max_report_entries %d with lists, %d without", on.Params.Fair.MaxReportEntries, off.Params.Fair.MaxReportEntries)
	}
}
