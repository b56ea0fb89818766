package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"tradeguard/aftersales"
)

func wireUpload(t *testing.T, h *harness, token, caseID, kind, filename string, data []byte, preflight bool) (int, []byte) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	ops, _ := json.Marshal(map[string]any{
		"query":     `mutation($in: CaseEvidenceAddInput!) { caseEvidenceAdd(input: $in) { evidence { id kind filename contentType sizeBytes sha256 uploadedBy downloadUrl } userErrors { code field message } } }`,
		"variables": map[string]any{"in": map[string]any{"caseId": caseID, "kind": kind, "file": nil}},
	})
	_ = mw.WriteField("operations", string(ops))
	_ = mw.WriteField("map", `{"0": ["variables.in.file"]}`)
	fw, _ := mw.CreateFormFile("0", filename)
	_, _ = fw.Write(data)
	_ = mw.Close()
	req, _ := http.NewRequest(http.MethodPost, h.URL+"/graphql", &b)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	if preflight {
		req.Header.Set("GraphQL-Require-Preflight", "1")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return res.StatusCode, raw
}

func TestWireEvidenceUpload(t *testing.T) {
	h := setup(t)
	f := evSetup(t, h)
	caseID := fixtureGlobalID("AfterSalesCase", f.kase.StoreID, f.kase.ID)
	buyer := h.login(t, f.buyerEmail)

	st, raw := wireUpload(t, h, buyer, caseID, "PHOTO", "C:\\x\\crack.png", f.pic, true)
	t.Logf("png: %d %s", st, raw)
	if st != 200 || !strings.Contains(string(raw), `"contentType":"image/png"`) {
		t.Fatal("png upload")
	}
	var p struct {
		Data struct {
			CaseEvidenceAdd struct {
				Evidence struct{ DownloadURL string }
			}
		}
	}
	_ = json.Unmarshal(raw, &p)
	req, _ := http.NewRequest("GET", h.URL+p.Data.CaseEvidenceAdd.Evidence.DownloadURL, nil)
	req.Header.Set("Authorization", "Bearer "+buyer)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !bytes.Equal(got, f.pic) {
		t.Fatalf("download via app: %d %s", res.StatusCode, got)
	}

	exact := bytes.Repeat([]byte("a"), aftersales.MaxEvidenceBytes)
	st, raw = wireUpload(t, h, buyer, caseID, "OTHER", "big.txt", exact, true)
	t.Logf("exact: %d %.300s", st, raw)
	if st != 200 || !strings.Contains(string(raw), `"sizeBytes":10485760`) {
		t.Fatal("exact")
	}
	st, raw = wireUpload(t, h, buyer, caseID, "OTHER", "big.txt", append(exact, 'a'), true)
	t.Logf("over by one: %d %.300s", st, raw)
	if st != 200 || !strings.Contains(string(raw), `TOO_LARGE`) {
		t.Fatal("over")
	}
	st, raw = wireUpload(t, h, buyer, caseID, "OTHER", "big.txt", bytes.Repeat([]byte("a"), 12<<20), true)
	t.Logf("12 MiB: %d %.300s", st, raw)
	if st != 413 {
		t.Fatal("12MiB")
	}
	st, raw = wireUpload(t, h, buyer, caseID, "PHOTO", "photo.jpg", []byte("<html><script>alert(1)</script></html>"), true)
	t.Logf("html: %d %.300s", st, raw)
	if st != 200 || !strings.Contains(string(raw), `UNSUPPORTED_TYPE`) {
		t.Fatal("html")
	}
	st, raw = wireUpload(t, h, buyer, caseID, "PHOTO", "a.png", f.pic, false)
	t.Logf("no preflight: %d %.300s", st, raw)
	if st != 400 {
		t.Fatal("preflight")
	}
	other := h.login(t, f.otherBuyerEmail)
	st, raw = wireUpload(t, h, other, caseID, "PHOTO", "a.png", f.pic, true)
	t.Logf("other buyer: %d %.300s", st, raw)
	if !strings.Contains(string(raw), `NOT_FOUND`) {
		t.Fatal("other")
	}
	// JSON keeps 1 MiB
	big := strings.Repeat("x", 1<<20)
	r := h.post(t, buyer, `mutation($in: CaseMessagePostInput!) { caseMessagePost(input: $in) { message { id } userErrors { code } } }`, map[string]any{"in": map[string]any{"caseId": caseID, "body": big}})
	t.Logf("json 1MiB: %d", r.Status)
	if r.Status != 413 {
		t.Fatal("json limit")
	}
	r = ok(t, h.post(t, buyer, `mutation($in: CaseMessagePostInput!) { caseMessagePost(input: $in) { message { id author body } userErrors { code } } }`, map[string]any{"in": map[string]any{"caseId": caseID, "body": " <b>hi</b> "}}))
	t.Logf("message: %s", r.Data["caseMessagePost"])
	owner := h.login(t, lotusOwner)
	r = ok(t, h.post(t, owner, `mutation($in: CaseMessagePostInput!) { caseMessagePost(input: $in) { message { id author body } userErrors { code } } }`, map[string]any{"in": map[string]any{"caseId": caseID, "body": strings.Repeat("y", 2001)}}))
	t.Logf("too long: %s", r.Data["caseMessagePost"])
	r = ok(t, h.post(t, owner, fmt.Sprintf(`{ afterSalesCase(id: %q) { evidence { kind sizeBytes sha256 filename uploadedBy } messages { author body createdAt } } }`, caseID), nil))
	t.Logf("case: %s", r.Data["afterSalesCase"])
}
