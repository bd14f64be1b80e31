//go:build !race

package complaint

const raceEnabled = false
