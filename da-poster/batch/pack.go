package batch

import (
	"errors"
	"fmt"
)

// PackOptions configure the packer.
type PackOptions struct {
	// MaxBatchBytes is the target size of an encoded batch (for example what
	// fits in the DA layer's blob or transaction). A batch holds as many
	// consecutive records as fit; a record too big to fit even alone gets a
	// batch of its own, as long as Limits accept it.
	MaxBatchBytes int
	// Limits are hard: the packer never returns a batch Decode would reject
	// under them.
	Limits Limits
}

// Validate reports options that cannot work.
func (o PackOptions) Validate() error {
	if o.MaxBatchBytes < 1 {
		return fmt.Errorf("batch pack: MaxBatchBytes %d must be positive", o.MaxBatchBytes)
	}
	return o.Limits.Validate()
}

// Packed is one encoded batch covering heights [First, First+Count).
type Packed struct {
	First int64
	Count int
	Data  []byte
}

// Pack encodes the longest run of records, starting with records[0] at
// height first, whose encoding fits in o.MaxBatchBytes and o.Limits, and
// reports how many records it took (at least one). If records[0] alone
// does not fit in MaxBatchBytes it is packed alone; if it does not fit in
// the Limits, Pack returns ErrRecordTooLarge. Pack is deterministic.
func Pack(first int64, records [][]byte, o PackOptions) (Packed, error) {
	if err := o.Validate(); err != nil {
		return Packed{}, err
	}
	if err := checkRange(first, uint64(len(records))); err != nil {
		return Packed{}, err
	}
	capBytes := min(o.MaxBatchBytes, o.Limits.MaxCompressed)

	// kmax: the most records the hard limits allow; kHint: the most records
	// that fit by the worst-case size bound, without compressing anything.
	kmax, kHint, raw := 0, 0, 0
	for i, r := range records {
		if i == o.Limits.MaxRecords || raw+recordSize(r) > o.Limits.MaxDecompressed {
			break
		}
		raw += recordSize(r)
		kmax = i + 1
		if MaxEncodedSize(raw) <= capBytes {
			kHint = kmax
		}
	}
	if kmax == 0 {
		return Packed{}, fmt.Errorf("%w: record of height %d is %d bytes, decompressed limit %d",
			ErrRecordTooLarge, first, len(records[0]), o.Limits.MaxDecompressed)
	}

	try := func(k int) ([]byte, bool, error) {
		data, err := Encode(first, records[:k])
		if err != nil {
			return nil, false, err
		}
		return data, len(data) <= capBytes, nil
	}

	// Largest k that fits: check the hint, then grow by doubling until a
	// count does not fit, then bisect. Compressed size grows with k in
	// practice; if it ever does not, the result is still a batch that fits,
	// only perhaps not the largest.
	best, hi := 0, kmax+1
	var bestData []byte
	if kHint > 0 {
		data, ok, err := try(kHint)
		if err != nil {
			return Packed{}, err
		}
		if ok {
			best, bestData = kHint, data
		} else {
			hi = kHint
		}
	}
	for expanding := true; best+1 < hi; {
		k := best + (hi-best)/2
		if expanding {
			k = min(max(2*best, best+1), hi-1)
		}
		data, ok, err := try(k)
		if err != nil {
			return Packed{}, err
		}
		if ok {
			best, bestData = k, data
		} else {
			hi, expanding = k, false
		}
	}
	if best == 0 { // records[0] alone exceeds MaxBatchBytes: it goes alone
		data, err := Encode(first, records[:1])
		if err != nil {
			return Packed{}, err
		}
		if len(data) > o.Limits.MaxCompressed {
			return Packed{}, fmt.Errorf("%w: record of height %d encodes to %d bytes, limit %d",
				ErrRecordTooLarge, first, len(data), o.Limits.MaxCompressed)
		}
		best, bestData = 1, data
	}
	return Packed{First: first, Count: best, Data: bestData}, nil
}

// BuildBatches packs all records, for heights first, first+1, ..., into
// consecutive batches with Pack: every height lands in exactly one batch,
// in order.
func BuildBatches(first int64, records [][]byte, o PackOptions) ([]Packed, error) {
	if len(records) == 0 {
		return nil, errors.New("batch pack: no records")
	}
	var out []Packed
	for len(records) > 0 {
		p, err := Pack(first, records, o)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
		first += int64(p.Count)
		records = records[p.Count:]
	}
	return out, nil
}
