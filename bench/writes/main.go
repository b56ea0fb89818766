// Command writes measures the write paths over HTTP: each of -c workers loops, as long as -d lasts, through
// orderCreate and orderPay as a buyer, afterSalesCaseCreate (a cancellation of the paid order) as that buyer
// and afterSalesCaseApprove (which refunds it) as the store's owner, each step waiting for the one before, as
// a client would. It prints one line per mutation: RESULT requests/s p50 p99 (ms) and the number of answers
// that were not the expected payload.
//
//	go run ./bench/writes -url http://127.0.0.1:18181/graphql -c 16 -d 20s
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

var steps = []string{"orderCreate", "orderPay", "afterSalesCaseCreate", "afterSalesCaseApprove"}

type client struct {
	url  string
	http *http.Client
}

// post sends one GraphQL request and decodes data.<field> into out; any error or userError fails it.
func (c client) post(token, query string, vars map[string]any, field string, out any) error {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, c.url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	var r struct {
		Data   map[string]json.RawMessage
		Errors []struct{ Message string }
	}
	if err := json.NewDecoder(res.Body).Decode(&r); err != nil {
		return fmt.Errorf("%s: HTTP %d: %v", field, res.StatusCode, err)
	}
	if len(r.Errors) > 0 {
		return fmt.Errorf("%s: HTTP %d: %s", field, res.StatusCode, r.Errors[0].Message)
	}
	var p struct {
		UserErrors []struct{ Code, Message string }
	}
	if err := json.Unmarshal(r.Data[field], &p); err == nil && len(p.UserErrors) > 0 {
		return fmt.Errorf("%s: %s: %s", field, p.UserErrors[0].Code, p.UserErrors[0].Message)
	}
	return json.Unmarshal(r.Data[field], out)
}

func (c client) login(email, password string) string {
	var p struct{ AccessToken string }
	err := c.post("", `mutation($i: LoginInput!) { login(input: $i) { accessToken userErrors { code message } } }`,
		map[string]any{"i": map[string]any{"email": email, "password": password}}, "login", &p)
	if err != nil || p.AccessToken == "" {
		log.Fatalf("login %s: %v", email, err)
	}
	return p.AccessToken
}

func main() {
	url := flag.String("url", "http://127.0.0.1:18181/graphql", "GraphQL endpoint")
	conc := flag.Int("c", 16, "workers (each its own connection)")
	dur := flag.Duration("d", 20*time.Second, "how long to run")
	store := flag.String("store", "lotus-electronics", "store slug")
	buyer := flag.String("buyer", "buyer1@tradeguard.test", "buyer e-mail")
	owner := flag.String("owner", "owner@lotus-electronics.test", "store owner e-mail")
	password := flag.String("password", "demo-password", "password of both")
	flag.Parse()

	c := client{url: *url, http: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *conc}}}
	buyerTok, ownerTok := c.login(*buyer, *password), c.login(*owner, *password)
	var products struct {
		Nodes []struct {
			ID, Status string
			Store      struct{ ID, Slug string }
		}
	}
	if err := c.post(ownerTok, `{ products(first: 100) { nodes { id status store { id slug } } } }`, nil, "products", &products); err != nil {
		log.Fatal(err)
	}
	var storeID, productID string
	for _, p := range products.Nodes {
		if p.Store.Slug == *store && p.Status == "ACTIVE" {
			storeID, productID = p.Store.ID, p.ID
			break
		}
	}
	if productID == "" {
		log.Fatalf("store %s has no active product", *store)
	}

	var mu sync.Mutex
	lat := map[string][]time.Duration{}
	bad := map[string]int{}
	var firstErr error
	end := time.Now().Add(*dur)
	var wg sync.WaitGroup
	for w := range *conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; time.Now().Before(end); i++ {
				key := fmt.Sprintf("bench-%d-%d-%d", time.Now().UnixNano(), w, i)
				var orderID, caseID string
				run := func(step, token, query string, input map[string]any, read func(json.RawMessage) string) bool {
					var raw json.RawMessage
					t0 := time.Now()
					err := c.post(token, query, map[string]any{"i": input}, step, &raw)
					d := time.Since(t0)
					id := ""
					if err == nil {
						if id = read(raw); id == "" {
							err = fmt.Errorf("%s: no id in %s", step, raw)
						}
					}
					mu.Lock()
					defer mu.Unlock()
					lat[step] = append(lat[step], d)
					if err != nil {
						bad[step]++
						if firstErr == nil {
							firstErr = err
						}
						return false
					}
					switch step {
					case "orderCreate":
						orderID = id
					case "afterSalesCaseCreate":
						caseID = id
					}
					return true
				}
				orderOf := func(raw json.RawMessage) string {
					var p struct{ Order struct{ ID string } }
					_ = json.Unmarshal(raw, &p)
					return p.Order.ID
				}
				caseOf := func(raw json.RawMessage) string {
					var p struct{ Case struct{ ID string } }
					_ = json.Unmarshal(raw, &p)
					return p.Case.ID
				}
				ok := run("orderCreate", buyerTok, `mutation($i: OrderCreateInput!) { orderCreate(input: $i) { order { id } userErrors { code message } } }`,
					map[string]any{"storeId": storeID, "paymentMethod": "CARD",
						"shippingAddress": map[string]any{"name": "Lin Mei", "phone": "+886 912 345 678", "address": "No. 1, Zhongshan Rd, Taipei"},
						"lines":           []any{map[string]any{"productId": productID, "quantity": 1}}}, orderOf) &&
					run("orderPay", buyerTok, `mutation($i: OrderPayInput!) { orderPay(input: $i) { order { id } userErrors { code message } } }`,
						map[string]any{"orderId": orderID, "idempotencyKey": "pay-" + key}, orderOf) &&
					run("afterSalesCaseCreate", buyerTok, `mutation($i: AfterSalesCaseCreateInput!) { afterSalesCaseCreate(input: $i) { case { id } userErrors { code message } } }`,
						map[string]any{"orderId": orderID, "type": "ORDER_CANCEL", "reason": "NO_REASON"}, caseOf)
				if ok {
					run("afterSalesCaseApprove", ownerTok, `mutation($i: AfterSalesCaseApproveInput!) { afterSalesCaseApprove(input: $i) { case { id } userErrors { code message } } }`,
						map[string]any{"caseId": caseID, "idempotencyKey": "approve-" + key}, caseOf)
				}
			}
		}()
	}
	wg.Wait()
	for _, s := range steps {
		ds := lat[s]
		slices.Sort(ds)
		if len(ds) == 0 {
			fmt.Printf("%s RESULT 0 0 0 %d\n", s, bad[s])
			continue
		}
		ms := func(q float64) float64 { return float64(ds[int(q*float64(len(ds)-1))].Microseconds()) / 1000 }
		fmt.Printf("%s RESULT %.1f %.2f %.2f %d\n", s, float64(len(ds))/dur.Seconds(), ms(0.5), ms(0.99), bad[s])
	}
	if firstErr != nil {
		log.Printf("first error: %s", strings.TrimSpace(firstErr.Error()))
	}
}
