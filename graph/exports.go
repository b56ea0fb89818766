package graph

import (
	"context"
	"errors"
	"time"

	"tradeguard/exports"
	"tradeguard/graph/model"
	"tradeguard/tenants"
)

func createExport(ctx context.Context, now time.Time, input model.BulkExportCreateInput) (*model.BulkExportPayload, error) {
	in := exports.Input{Kind: input.Kind}
	if input.Format != nil {
		in.Format = *input.Format
	}
	if f := input.Filter; f != nil {
		in.Filter = exports.Filter{CreatedFrom: f.CreatedFrom, CreatedTo: f.CreatedTo, UpdatedSince: f.UpdatedSince}
	}
	s := tenants.SessionFrom(ctx)
	e, err := exports.Create(ctx, s, in, now)
	ues, err := userErrors(err)
	if err != nil || ues != nil {
		return &model.BulkExportPayload{UserErrors: ues}, err
	}
	return &model.BulkExportPayload{Export: &e, UserErrors: []model.UserError{}}, nil
}

// bulkExport is an export by global id; missing and not visible are both null.
func bulkExport(ctx context.Context, id string) (*exports.Export, error) {
	ids, ok := parseID(id, exports.Kind, 2)
	if !ok {
		return nil, nil
	}
	e, err := exports.Get(ctx, tenants.SessionFrom(ctx), ids[0], ids[1])
	if errors.Is(err, tenants.ErrNotFound) {
		return nil, nil
	}
	return &e, err
}
