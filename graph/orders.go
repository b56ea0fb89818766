package graph

import (
	"context"

	"github.com/google/uuid"

	"tradeguard/graph/model"
	"tradeguard/orders"
	"tradeguard/tenants"
)

// orderKey decodes an order id from a mutation input; anything malformed is "not found", like an order
// the caller cannot see.
func orderKey(id string) (orders.Key, error) {
	ids, ok := parseID(id, kindOrder, 2)
	if !ok {
		return orders.Key{}, tenants.ErrNotFound
	}
	return orders.Key{StoreID: ids[0], ID: ids[1]}, nil
}

// orderPayload turns a domain result into the mutation payload: rule refusals become userErrors. A partner
// token that may change orders but not read them gets no order back (reading an Order needs ORDERS_READ).
// It is curried so a domain call's two results can be passed straight in: orderPayload(ctx)(orders.Ship(…)).
func orderPayload(ctx context.Context) func(orders.Order, error) (*model.OrderPayload, error) {
	return func(o orders.Order, err error) (*model.OrderPayload, error) {
		ues, err := userErrors(err)
		if err != nil || ues != nil {
			return &model.OrderPayload{UserErrors: ues}, err
		}
		out := &model.OrderPayload{UserErrors: []model.UserError{}}
		if tenants.PrincipalFrom(ctx).Allows(tenants.ScopeOrdersRead) {
			out.Order = &o
		}
		return out, nil
	}
}

// productOf decodes a product id of the given store; a malformed id or another store's product becomes the
// nil id, which the order's validation reports as PRODUCT_UNAVAILABLE on that line.
func productOf(id string, store uuid.UUID) uuid.UUID {
	ids, ok := parseID(id, kindProduct, 2)
	if !ok || ids[0] != store {
		return uuid.Nil
	}
	return ids[1]
}

func orderCreateInput(in model.OrderCreateInput) (orders.CreateInput, error) {
	ids, ok := parseID(in.StoreID, kindStore, 1)
	if !ok {
		return orders.CreateInput{}, tenants.Refuse("STORE_NOT_FOUND", "no such store", "input", "storeId")
	}
	out := orders.CreateInput{StoreID: ids[0], PaymentMethod: in.PaymentMethod}
	if a := in.ShippingAddress; a != nil {
		out.ShipName, out.ShipPhone, out.ShipAddress = a.Name, a.Phone, a.Address
	}
	for _, l := range in.Lines {
		line := orders.LineInput{ProductID: productOf(l.ProductID, out.StoreID), Quantity: l.Quantity}
		for _, g := range l.Gifts {
			line.Gifts = append(line.Gifts, orders.GiftInput{ProductID: productOf(g.ProductID, out.StoreID), Quantity: g.Quantity})
		}
		out.Lines = append(out.Lines, line)
	}
	return out, nil
}

func orderDeadline(ctx context.Context, r *Resolver, o *orders.Order) *model.Deadline {
	at, action, ok := orders.Deadline(*o, r.Now())
	if !ok {
		return nil
	}
	return &model.Deadline{At: at, Action: action}
}
