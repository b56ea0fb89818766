package orders

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"tradeguard/catalog"
	"tradeguard/tenants"
)

// LineInput is one paid line of a new order, with the gifts that ride on it.
type LineInput struct {
	ProductID uuid.UUID
	Quantity  int
	Gifts     []GiftInput
}

// GiftInput is a free item attached to a paid line; it is worth its product's list price if not returned.
type GiftInput struct {
	ProductID uuid.UUID
	Quantity  int
}

// CreateInput is a buyer's new order in one store.
type CreateInput struct {
	StoreID       uuid.UUID
	Lines         []LineInput
	PaymentMethod string
	ShipName      string
	ShipPhone     string
	ShipAddress   string
}

const (
	maxLines        = 50
	maxGiftsPerLine = 5
	maxQuantity     = 99
)

var phonePattern = regexp.MustCompile(`^\+?[0-9 ()-]{6,30}$`)

// ValidateCreate checks the shape of a new order, reporting every problem at once with its field path.
func ValidateCreate(in CreateInput) error {
	var errs tenants.RuleErrors
	if len(in.Lines) == 0 || len(in.Lines) > maxLines {
		errs = append(errs, tenants.Refuse("INVALID_LINES", fmt.Sprintf("an order has 1 to %d paid lines", maxLines), "input", "lines"))
	}
	qty := func(q int, path ...string) {
		if q < 1 || q > maxQuantity {
			errs = append(errs, tenants.Refuse("INVALID_QUANTITY", fmt.Sprintf("quantity must be 1 to %d", maxQuantity), path...))
		}
	}
	for i, l := range in.Lines {
		qty(l.Quantity, "input", "lines", fmt.Sprint(i), "quantity")
		if len(l.Gifts) > maxGiftsPerLine {
			errs = append(errs, tenants.Refuse("TOO_MANY_GIFTS", fmt.Sprintf("a line carries at most %d gifts", maxGiftsPerLine), "input", "lines", fmt.Sprint(i), "gifts"))
		}
		for j, g := range l.Gifts {
			qty(g.Quantity, "input", "lines", fmt.Sprint(i), "gifts", fmt.Sprint(j), "quantity")
		}
	}
	text := func(v string, min, max int, code, msg string, field string) {
		if n := utf8.RuneCountInString(strings.TrimSpace(v)); n < min || n > max {
			errs = append(errs, tenants.Refuse(code, msg, "input", "shippingAddress", field))
		}
	}
	text(in.ShipName, 1, 100, "INVALID_NAME", "the recipient's name must be 1 to 100 characters", "name")
	text(in.ShipAddress, 5, 500, "INVALID_ADDRESS", "the address must be 5 to 500 characters", "address")
	if !phonePattern.MatchString(strings.TrimSpace(in.ShipPhone)) {
		errs = append(errs, tenants.Refuse("INVALID_PHONE", "the phone number must be 6 to 30 digits, spaces, dashes or parentheses, with an optional leading +", "input", "shippingAddress", "phone"))
	}
	switch in.PaymentMethod {
	case "CARD", "WALLET", "BANK_TRANSFER", "CASH_ON_DELIVERY":
	default:
		errs = append(errs, tenants.Refuse("INVALID_PAYMENT_METHOD", "unknown payment method", "input", "paymentMethod"))
	}
	return errs.Err()
}

// AcceptsOrders says whether a store takes new orders now, and if not, why and since or until when.
func AcceptsOrders(st tenants.Store) error {
	switch st.Status {
	case "ACTIVE":
		return nil
	case "CLOSING":
		return tenants.Refuse("STORE_NOT_ACCEPTING_ORDERS", fmt.Sprintf("store %s is closing (it closes at %s) and takes no new orders", st.Name, fmtTime(st.ClosesAt)), "input", "storeId")
	case "CLOSED":
		return tenants.Refuse("STORE_NOT_ACCEPTING_ORDERS", fmt.Sprintf("store %s closed at %s", st.Name, fmtTime(st.ClosedAt)), "input", "storeId")
	default:
		return tenants.Refuse("STORE_NOT_ACCEPTING_ORDERS", fmt.Sprintf("store %s is %s and takes no orders", st.Name, strings.ToLower(st.Status)), "input", "storeId")
	}
}

func fmtTime(t *time.Time) string {
	if t == nil {
		return "an unknown time"
	}
	return t.UTC().Format(time.RFC3339)
}

// Create places a buyer's order: prices come from the store's active products, gifts ride on paid lines
// at price 0 with their list price as declared value, and the order awaits payment for 30 minutes.
func Create(ctx context.Context, s *tenants.Session, in CreateInput, now time.Time) (Order, error) {
	p := s.Principal()
	if !p.Is(tenants.RoleBuyer) {
		return Order{}, tenants.ErrForbidden
	}
	if err := ValidateCreate(in); err != nil {
		return Order{}, err
	}
	stores, err := tenants.StoresByIDs(ctx, s, []uuid.UUID{in.StoreID})
	if err != nil {
		return Order{}, err
	}
	if len(stores) == 0 {
		return Order{}, tenants.Refuse("STORE_NOT_FOUND", "no such store", "input", "storeId")
	}
	st := stores[0]
	if err := AcceptsOrders(st); err != nil {
		return Order{}, err
	}
	if err := tenants.CheckPenalty(ctx, s, st.ID, tenants.PenaltySellingSuspended, now, "input", "storeId"); err != nil {
		return Order{}, err
	}
	products, err := productsOf(ctx, s, st, in)
	if err != nil {
		return Order{}, err
	}
	buyer, err := tenants.Viewer(ctx, s)
	if err != nil {
		return Order{}, err
	}
	o := Order{StoreID: st.ID, ID: uuid.New(), BuyerID: p.UserID, Status: PendingPayment, Currency: st.Currency,
		PaymentMethod: &in.PaymentMethod, BuyerName: buyer.DisplayName, ShipName: strings.TrimSpace(in.ShipName),
		ShipPhone: strings.TrimSpace(in.ShipPhone), ShipAddress: strings.TrimSpace(in.ShipAddress), CreatedAt: now, Version: 1}
	var items []Item
	pos := 0
	for _, l := range in.Lines {
		pr := products[l.ProductID]
		pos++
		paid := Item{StoreID: st.ID, ID: uuid.New(), OrderID: o.ID, ProductID: pr.ID, Position: pos, Title: pr.Title,
			Quantity: l.Quantity, UnitPriceMinor: pr.PriceMinor}
		items = append(items, paid)
		o.SubtotalMinor += pr.PriceMinor * int64(l.Quantity)
		for _, g := range l.Gifts {
			gp := products[g.ProductID]
			pos++
			items = append(items, Item{StoreID: st.ID, ID: uuid.New(), OrderID: o.ID, ProductID: gp.ID, Position: pos,
				Title: gp.Title, Quantity: g.Quantity, GiftOf: &paid.ID, DeclaredValueMinor: gp.PriceMinor})
		}
	}
	o.TotalMinor = o.SubtotalMinor + o.ShippingMinor
	err = s.Do(ctx, func(tx *sqlx.Tx) error {
		var seq int64
		if err := tx.GetContext(ctx, &seq, `select nextval('order_number_seq')`); err != nil {
			return err
		}
		o.Number = fmt.Sprintf("%s-%06d", storePrefix(st.Slug), seq)
		if _, err := tx.NamedExecContext(ctx, `insert into orders (tenant_id, id, number, buyer_id, status, currency,
			subtotal_minor, shipping_minor, total_minor, payment_method, buyer_name, ship_name, ship_phone, ship_address,
			created_at, version) values (:tenant_id, :id, :number, :buyer_id, :status, :currency, :subtotal_minor,
			:shipping_minor, :total_minor, :payment_method, :buyer_name, :ship_name, :ship_phone, :ship_address, :created_at, 1)`, o); err != nil {
			return err
		}
		for _, it := range items {
			if _, err := tx.ExecContext(ctx, `insert into order_items (tenant_id, id, order_id, buyer_id, product_id, position,
				title, quantity, unit_price_minor, gift_of, declared_value_minor) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
				it.StoreID, it.ID, it.OrderID, o.BuyerID, it.ProductID, it.Position, it.Title, it.Quantity, it.UnitPriceMinor,
				it.GiftOf, it.DeclaredValueMinor); err != nil {
				return err
			}
		}
		return appendEvent(ctx, tx, p, o, "CREATE", nil, nil, nil, now)
	})
	if err != nil {
		return Order{}, err
	}
	return o, EnsureDeadlines(ctx, s, o, now)
}

// productsOf loads the order's products and refuses lines whose product is not an active product of the
// store, naming the line.
func productsOf(ctx context.Context, s *tenants.Session, st tenants.Store, in CreateInput) (map[uuid.UUID]catalog.Product, error) {
	var keys []catalog.Key
	for _, l := range in.Lines {
		keys = append(keys, catalog.Key{StoreID: st.ID, ID: l.ProductID})
		for _, g := range l.Gifts {
			keys = append(keys, catalog.Key{StoreID: st.ID, ID: g.ProductID})
		}
	}
	rows, err := catalog.ByKeys(ctx, s, keys)
	if err != nil {
		return nil, err
	}
	byID := map[uuid.UUID]catalog.Product{}
	for _, r := range rows {
		if r.Status == "ACTIVE" && r.Currency == st.Currency {
			byID[r.ID] = r
		}
	}
	var errs tenants.RuleErrors
	check := func(id uuid.UUID, path ...string) {
		if _, ok := byID[id]; !ok {
			errs = append(errs, tenants.Refuse("PRODUCT_UNAVAILABLE", "no such product on sale in "+st.Name, path...))
		}
	}
	for i, l := range in.Lines {
		check(l.ProductID, "input", "lines", fmt.Sprint(i), "productId")
		for j, g := range l.Gifts {
			check(g.ProductID, "input", "lines", fmt.Sprint(i), "gifts", fmt.Sprint(j), "productId")
		}
	}
	return byID, errs.Err()
}

// storePrefix makes an order-number prefix from a store's slug: "lotus-electronics" → "LE".
func storePrefix(slug string) string {
	var b strings.Builder
	for _, part := range strings.Split(slug, "-") {
		if part != "" {
			b.WriteString(strings.ToUpper(part[:1]))
		}
	}
	if b.Len() == 0 {
		return "TG"
	}
	return b.String()
}
