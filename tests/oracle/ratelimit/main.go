// Differential-test oracle for src/ratelimit/bucket.ts: drives golang.org/x/time/rate's
// Limiter.AllowN at explicit times. Reads one JSON case per line on stdin:
//
//	{"rate": 0.5, "burst": 3, "ops": [[0, 1], [250, 2], ...]}   // ops: [ms since start, cost]
//
// and writes one JSON line per case: the decision of every op and the tokens in the bucket right
// after it (Limiter.TokensAt at the same instant).
package main

import (
	"bufio"
	"encoding/json"
	"os"
	"time"

	"golang.org/x/time/rate"
)

type testCase struct {
	Rate  float64    `json:"rate"`
	Burst int        `json:"burst"`
	Ops   [][2]int64 `json:"ops"`
}

type result struct {
	Allowed []bool    `json:"allowed"`
	Tokens  []float64 `json:"tokens"`
}

// The TS side uses epoch milliseconds; the same base keeps both clocks in step.
var base = time.UnixMilli(1_700_000_000_000)

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<26)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	enc := json.NewEncoder(out)
	for in.Scan() {
		var c testCase
		if err := json.Unmarshal(in.Bytes(), &c); err != nil {
			panic(err)
		}
		lim := rate.NewLimiter(rate.Limit(c.Rate), c.Burst)
		res := result{Allowed: make([]bool, len(c.Ops)), Tokens: make([]float64, len(c.Ops))}
		for i, op := range c.Ops {
			t := base.Add(time.Duration(op[0]) * time.Millisecond)
			res.Allowed[i] = lim.AllowN(t, int(op[1]))
			res.Tokens[i] = lim.TokensAt(t)
		}
		if err := enc.Encode(res); err != nil {
			panic(err)
		}
	}
	if err := in.Err(); err != nil {
		panic(err)
	}
}
