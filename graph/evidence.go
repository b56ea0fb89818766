package graph

import (
	"context"

	"tradeguard/aftersales"
	"tradeguard/graph/model"
	"tradeguard/tenants"
)

const (
	kindEvidence    = "Evidence"
	kindCaseMessage = "CaseMessage"
)

// MaxUploadRequestBytes bounds a multipart GraphQL request: one evidence file (10 MiB) plus the operations and
// map fields and the parts' headers. JSON requests keep their own, smaller limit.
const MaxUploadRequestBytes = aftersales.MaxEvidenceBytes + 1<<20

// evidencePayload: rule refusals become userErrors; a token without CASES_READ gets no evidence back.
func evidencePayload(ctx context.Context) func(aftersales.Evidence, error) (*model.CaseEvidencePayload, error) {
	return func(e aftersales.Evidence, err error) (*model.CaseEvidencePayload, error) {
		ues, err := userErrors(err)
		if err != nil || ues != nil {
			return &model.CaseEvidencePayload{UserErrors: ues}, err
		}
		out := &model.CaseEvidencePayload{UserErrors: []model.UserError{}}
		if tenants.PrincipalFrom(ctx).Allows(tenants.ScopeCasesRead) {
			out.Evidence = &e
		}
		return out, nil
	}
}

func messagePayload(ctx context.Context) func(aftersales.Message, error) (*model.CaseMessagePayload, error) {
	return func(m aftersales.Message, err error) (*model.CaseMessagePayload, error) {
		ues, err := userErrors(err)
		if err != nil || ues != nil {
			return &model.CaseMessagePayload{UserErrors: ues}, err
		}
		out := &model.CaseMessagePayload{UserErrors: []model.UserError{}}
		if tenants.PrincipalFrom(ctx).Allows(tenants.ScopeCasesRead) {
			out.Message = &m
		}
		return out, nil
	}
}
