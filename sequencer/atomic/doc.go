// Package atomic runs atomic rollups' executors inside a validator, in
// verifier mode (docs/spec/bundles.md): for each block it reports, per
// atomic bundle, whether every atomic leg succeeds when the block executes
// in order, and it advances each executor through committed blocks with
// their verdicts, exactly as the rollups' own adapters do.
//
// Executor kinds are compiled in (Kinds); "kv" is the reference rollup
// (rollup-adapters/kv). A new kind (an EVM, say) implements Executor and
// Preview and registers a constructor and a genesis check in kinds.go.
package atomic
