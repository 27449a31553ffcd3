package consensus

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are Ordo's Prometheus metrics, served with CometBFT's on the
// instrumentation address. One set per process (in-process test networks
// share it).
type metrics struct {
	extensionBytes   prometheus.Histogram
	extensionEntries prometheus.Histogram
	fairOrderedTxs   prometheus.Counter
	inclusionDelay   prometheus.Histogram
	listedTxs        prometheus.Counter
	forcedIncluded   prometheus.Counter
}

var (
	metricsOnce sync.Once
	theMetrics  *metrics
)

func sharedMetrics() *metrics {
	metricsOnce.Do(func() {
		theMetrics = &metrics{
			extensionBytes: prometheus.NewHistogram(prometheus.HistogramOpts{
				Namespace: "ordo", Name: "vote_extension_bytes",
				Help:    "Size of this validator's vote extension per height.",
				Buckets: prometheus.ExponentialBuckets(16, 4, 10),
			}),
			extensionEntries: prometheus.NewHistogram(prometheus.HistogramOpts{
				Namespace: "ordo", Name: "vote_extension_reported_txs",
				Help:    "First-seen entries in this validator's vote extension per height.",
				Buckets: prometheus.ExponentialBuckets(1, 4, 10),
			}),
			fairOrderedTxs: prometheus.NewCounter(prometheus.CounterOpts{
				Namespace: "ordo", Name: "fair_ordered_txs_total",
				Help: "User txs committed in blocks ordered by the fair-ordering rule.",
			}),
			inclusionDelay: prometheus.NewHistogram(prometheus.HistogramOpts{
				Namespace: "ordo", Name: "inclusion_delay_blocks",
				Help:    "Blocks between a tx reaching this node's pool and its commitment.",
				Buckets: []float64{0, 1, 2, 3, 4, 6, 8, 12, 16, 32},
			}),
			listedTxs: prometheus.NewCounter(prometheus.CounterOpts{
				Namespace: "ordo", Name: "inclusion_listed_txs_total",
				Help: "Txs this validator put in its inclusion lists (each must be in the next block).",
			}),
			forcedIncluded: prometheus.NewCounter(prometheus.CounterOpts{
				Namespace: "ordo", Name: "forced_included_txs_total",
				Help: "Forced txs from the L1 inbox committed.",
			}),
		}
		for _, c := range []prometheus.Collector{theMetrics.extensionBytes, theMetrics.extensionEntries, theMetrics.fairOrderedTxs, theMetrics.inclusionDelay, theMetrics.listedTxs, theMetrics.forcedIncluded} {
			_ = prometheus.DefaultRegisterer.Register(c)
		}
	})
	return theMetrics
}

func (m *metrics) observeExtension(bytes, entries int) {
	m.extensionBytes.Observe(float64(bytes))
	m.extensionEntries.Observe(float64(entries))
}
