// Command adversarial measures what a stream of hostile documents does to everyone else (issue #9): the
// merchant's orders page at a fixed rate alone ("clean"), then the same rate with hostile documents added as
// 5% of all requests ("mixed"), alternating clean and mixed rounds so both see the same machine. It reports
// the orders page's latency in each and the ratio of the p99s, and checks every hostile request was refused
// with its code (never a 5xx or INTERNAL). Load generation is vegeta's (open loop, constant rate).
//
//	go run ./bench/adversarial -url http://127.0.0.1:18181/graphql -token "$TOKEN" -body bench/orders-query.json
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"tradeguard/internal/attackdocs"
)

func main() {
	url := flag.String("url", "http://127.0.0.1:18181/graphql", "the GraphQL endpoint")
	token := flag.String("token", "", "bearer token of the merchant whose orders page is measured")
	bodyFile := flag.String("body", "bench/orders-query.json", "the orders page request")
	rate := flag.Int("rate", 40, "orders-page requests per second")
	dur := flag.Duration("round", 20*time.Second, "length of one round")
	rounds := flag.Int("rounds", 2, "clean/mixed round pairs")
	warmup := flag.Duration("warmup", 10*time.Second, "a first round with hostile requests, not counted (a fresh server's first requests are slower)")
	share := flag.Float64("share", 0.05, "hostile requests as a share of all requests in the mixed rounds")
	flag.Parse()

	body, err := os.ReadFile(*bodyFile)
	if err != nil {
		fail(err)
	}
	hdr := http.Header{"Content-Type": {"application/json"}, "Authorization": {"Bearer " + *token}}
	normal := vegeta.NewStaticTargeter(vegeta.Target{Method: "POST", URL: *url, Body: body, Header: hdr})
	hostile := vegeta.NewStaticTargeter(hostileTargets(*url)...)
	hostileRate := int(float64(*rate)**share/(1-*share) + 0.5)

	fmt.Printf("orders page at %d/s; mixed rounds add %d hostile requests/s (%.0f%% of all); %d round pairs of %v\n",
		*rate, hostileRate, *share*100, *rounds, *dur)
	run(normal, *rate, *warmup, &side{hostile, hostileRate})
	var clean, mixed []time.Duration
	var hostileCodes = map[string]int{}
	for i := range *rounds {
		c, _ := run(normal, *rate, *dur, nil)
		clean = append(clean, c...)
		report(fmt.Sprintf("round %d clean", i+1), c)
		m, codes := run(normal, *rate, *dur, &side{hostile, hostileRate})
		mixed = append(mixed, m...)
		report(fmt.Sprintf("round %d mixed", i+1), m)
		for k, n := range codes {
			hostileCodes[k] += n
		}
	}
	fmt.Println("--- all rounds")
	cp, mp := report("clean", clean), report("mixed", mixed)
	fmt.Printf("p99 mixed / clean: %.2f (target: at most 1.50)\n", float64(mp)/float64(cp))
	fmt.Printf("hostile answers by HTTP status and code: %v\n", hostileCodes)
	for k := range hostileCodes {
		if strings.HasPrefix(k, "5") || strings.HasPrefix(k, "0") || strings.Contains(k, "INTERNAL") || strings.Contains(k, "(no code)") {
			fail(fmt.Errorf("a hostile request was not refused with its code: %s", k))
		}
	}
}

type side struct {
	targeter vegeta.Targeter
	rate     int
}

// run attacks the orders page at rate for d (and the hostile side at its rate meanwhile); it returns the
// orders page's latencies, and the hostile answers counted by "status code".
func run(normal vegeta.Targeter, rate int, d time.Duration, hostile *side) ([]time.Duration, map[string]int) {
	codes := map[string]int{}
	var wg sync.WaitGroup
	if hostile != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a := vegeta.NewAttacker(vegeta.Timeout(30*time.Second), vegeta.MaxBody(4096))
			for r := range a.Attack(hostile.targeter, vegeta.Rate{Freq: hostile.rate, Per: time.Second}, d, "hostile") {
				codes[fmt.Sprintf("%d %s", r.Code, codeOf(r.Body))]++
			}
		}()
	}
	a := vegeta.NewAttacker(vegeta.Timeout(30*time.Second), vegeta.MaxBody(1<<20))
	var lat []time.Duration
	bad := 0
	for r := range a.Attack(normal, vegeta.Rate{Freq: rate, Per: time.Second}, d, "orders") {
		if r.Code != 200 || strings.Contains(string(r.Body), `"errors"`) {
			bad++
			continue
		}
		lat = append(lat, r.Latency)
	}
	wg.Wait()
	if bad > 0 {
		fmt.Printf("  (%d orders-page requests failed)\n", bad)
	}
	return lat, codes
}

func codeOf(body []byte) string {
	var r struct {
		Errors []struct{ Extensions map[string]any }
	}
	if json.Unmarshal(body, &r) != nil || len(r.Errors) == 0 {
		return "(no code)"
	}
	c, _ := r.Errors[0].Extensions["code"].(string)
	return c
}

// report prints p50/p90/p99 of lat and returns its p99.
func report(name string, lat []time.Duration) time.Duration {
	if len(lat) == 0 {
		fmt.Printf("%-16s no successful requests\n", name)
		return 0
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	q := func(p float64) time.Duration { return lat[int(float64(len(lat)-1)*p)] }
	fmt.Printf("%-16s %6d requests  p50 %7.2f ms  p90 %7.2f ms  p99 %7.2f ms\n", name, len(lat),
		ms(q(0.5)), ms(q(0.9)), ms(q(0.99)))
	return q(0.99)
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// hostileTargets are the attacks, anonymous, as requests.
func hostileTargets(url string) []vegeta.Target {
	post := func(query string, vars any) vegeta.Target {
		b, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
		return vegeta.Target{Method: "POST", URL: url, Body: b, Header: http.Header{"Content-Type": {"application/json"}}}
	}
	const statusVar = `query($s: [OrderStatus!]) { orders(first: 1, filter: {status: $s}) { totalCount } }`
	return []vegeta.Target{
		post(attackdocs.FanOut(24, "{ %s }", "Query", "viewer { id }"), nil),
		post(attackdocs.FanOut(64, "{ %s }", "Query", "viewer { id }"), nil),
		post(attackdocs.Chain(100, "{ viewer { %s } }", "Viewer", "... on Viewer { %s }", "id"), nil),
		post(attackdocs.Inline(1000, "{ viewer { %s } }", "id"), nil),
		post("{ viewer { id"+strings.Repeat(" @skip(if: false)", 10000)+" } }", nil),
		post(attackdocs.Ops(21, "{ viewer { id } }"), nil),
		post(`query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": strings.Repeat("x", 1_000_000)}),
		post(statusVar, map[string]any{"s": attackdocs.NestedList(9000, "PAID")}),
		post(statusVar, map[string]any{"s": attackdocs.List(100_000, "PAID")}),
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "adversarial:", err)
	os.Exit(1)
}
