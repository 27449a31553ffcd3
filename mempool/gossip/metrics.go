package gossip

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

// counters are the gossip's Prometheus metrics, served with CometBFT's on
// the instrumentation address. One set per process.
type counters struct {
	received    prometheus.Counter
	admitted    prometheus.Counter
	rejected    prometheus.Counter
	dropped     prometheus.Counter
	sentBatches prometheus.Counter
	admitBatch  prometheus.Histogram
}

var (
	countersOnce sync.Once
	theCounters  *counters
)

func sharedCounters() *counters {
	countersOnce.Do(func() {
		c := func(name, help string) prometheus.Counter {
			return prometheus.NewCounter(prometheus.CounterOpts{Namespace: "ordo", Subsystem: "gossip", Name: name, Help: help})
		}
		theCounters = &counters{
			received:    c("received_txs_total", "Txs received from peers."),
			admitted:    c("admitted_txs_total", "Txs admitted to the pool (local and from peers)."),
			rejected:    c("rejected_txs_total", "Txs refused by admission (duplicates not counted)."),
			dropped:     c("dropped_txs_total", "Txs not sent to a peer because its queue was full or it could not take them."),
			sentBatches: c("sent_batches_total", "Gossip messages sent to peers."),
			admitBatch: prometheus.NewHistogram(prometheus.HistogramOpts{
				Namespace: "ordo", Subsystem: "gossip", Name: "admission_batch_txs",
				Help:    "Txs checked per admission batch.",
				Buckets: prometheus.ExponentialBuckets(1, 4, 8),
			}),
		}
		for _, m := range []prometheus.Collector{theCounters.received, theCounters.admitted, theCounters.rejected,
			theCounters.dropped, theCounters.sentBatches, theCounters.admitBatch} {
			_ = prometheus.Register(m)
		}
	})
	return theCounters
}
