package graph

import (
	"time"

	"github.com/google/uuid"

	"tradeguard/catalog"
	"tradeguard/graph/model"
	"tradeguard/lifecycle"
	"tradeguard/money"
	"tradeguard/tenants"
)

// Translations for the store, staff and account mutations.

func closePayload(st *tenants.Store, blockers []lifecycle.Blocker, err error) (*model.StoreClosePayload, error) {
	ues, err := userErrors(err)
	if err != nil {
		return nil, err
	}
	if blockers == nil {
		blockers = []lifecycle.Blocker{}
	}
	if ues != nil {
		return &model.StoreClosePayload{Blockers: blockers, UserErrors: ues}, nil
	}
	return &model.StoreClosePayload{Store: st, Blockers: blockers, UserErrors: []model.UserError{}}, nil
}

func deletePayload(deletesAt *time.Time, blockers []lifecycle.Blocker, err error) (*model.AccountDeletePayload, error) {
	ues, err := userErrors(err)
	if err != nil {
		return nil, err
	}
	if blockers == nil {
		blockers = []lifecycle.Blocker{}
	}
	if ues != nil {
		return &model.AccountDeletePayload{Blockers: blockers, UserErrors: ues}, nil
	}
	return &model.AccountDeletePayload{DeletesAt: deletesAt, Blockers: blockers, UserErrors: []model.UserError{}}, nil
}

func invitePayload(inv tenants.Invite, token string, err error) (*model.StaffInvitePayload, error) {
	ues, err := userErrors(err)
	if err != nil || ues != nil {
		return &model.StaffInvitePayload{UserErrors: ues}, err
	}
	out := &model.StaffInvitePayload{Invite: &inv, UserErrors: []model.UserError{}}
	if token != "" {
		out.InviteToken = &token
	}
	return out, nil
}

// inviteKey decodes a StaffInvite id of the caller's store; anything else is "not found".
func inviteKey(id string, p tenants.Principal) (uuid.UUID, error) {
	ids, ok := parseID(id, kindStaffInvite, 2)
	if !ok || ids[0] != p.StoreID {
		return uuid.Nil, tenants.ErrNotFound
	}
	return ids[1], nil
}

// blockerID is the global id of what blocks: an order (or, later, a case).
func blockerID(b lifecycle.Blocker) *string {
	if b.Kind != "ORDER" || b.ID == uuid.Nil {
		return nil
	}
	id := globalID(kindOrder, b.StoreID, b.ID)
	return &id
}

func productCreateInput(in model.ProductCreateInput) (catalog.ProductInput, error) {
	price, err := money.ParseDecimal(in.Price.Amount, in.Price.CurrencyCode)
	if err != nil {
		return catalog.ProductInput{}, tenants.Refuse("INVALID_PRICE", err.Error(), "input", "price", "amount")
	}
	return catalog.ProductInput{SKU: in.Sku, Title: in.Title, Category: in.Category, Price: price, WarrantyDays: in.WarrantyDays}, nil
}

func productPayload(p catalog.Product, err error) (*model.ProductPayload, error) {
	ues, err := userErrors(err)
	if err != nil || ues != nil {
		return &model.ProductPayload{UserErrors: ues}, err
	}
	return &model.ProductPayload{Product: &p, UserErrors: []model.UserError{}}, nil
}
