//go:build race

package complaint

// raceEnabled: the race detector makes sync.Pool drop items, so allocation
// counts are only checked without it.
const raceEnabled = true
