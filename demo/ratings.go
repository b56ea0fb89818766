package demo

import (
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"tradeguard/orders"
	"tradeguard/ratings"
	"tradeguard/tenants"
)

// Ratings: about 60% of the delivered and completed orders get one, mostly 4–5 stars, about 9% negative as
// first given (some of those revised upwards after the store's answer), some with comments in English
// or Chinese, some answered by the store. Each order's rating is drawn from a PCG stream seeded by the order's
// id, and every time is a whole number of seconds relative to the order's delivery, so the same now gives the
// same ratings. Every rule of the ratings package holds: given after delivery and before now, within 15 days
// of completion; revised once within 30 days; answered once, after it was given.

const ratingSeed = 0x726174696e6773 // "ratings"

type ratingRow struct {
	TenantID                uuid.UUID  `db:"tenant_id"`
	OrderID                 uuid.UUID  `db:"order_id"`
	BuyerID                 uuid.UUID  `db:"buyer_id"`
	Overall                 int        `db:"overall"`
	DescriptionMatch        int        `db:"description_match"`
	ServiceAttitude         int        `db:"service_attitude"`
	LogisticsSpeed          int        `db:"logistics_speed"`
	Comment                 string     `db:"comment"`
	InitialOverall          int        `db:"initial_overall"`
	InitialDescriptionMatch int        `db:"initial_description_match"`
	InitialServiceAttitude  int        `db:"initial_service_attitude"`
	InitialLogisticsSpeed   int        `db:"initial_logistics_speed"`
	InitialComment          string     `db:"initial_comment"`
	CreatedAt               time.Time  `db:"created_at"`
	RevisedAt               *time.Time `db:"revised_at"`
	Reply                   *string    `db:"reply"`
	RepliedAt               *time.Time `db:"replied_at"`
	RepliedBy               *uuid.UUID `db:"replied_by"`
}

type ratedOrder struct {
	TenantID    uuid.UUID  `db:"tenant_id"`
	ID          uuid.UUID  `db:"id"`
	BuyerID     uuid.UUID  `db:"buyer_id"`
	Number      string     `db:"number"`
	DeliveredAt time.Time  `db:"delivered_at"`
	CompletedAt *time.Time `db:"completed_at"`
}

// ratingText is what buyers write and stores answer, in one language.
type ratingText struct {
	good, okay, bad, update, thanks, sorry []string
}

var ratingTexts = map[string]ratingText{
	"en": {
		good: []string{"Great quality, exactly as described.", "Fast delivery and well packed. Will buy again!",
			"Works perfectly, thank you 👍", "Second order from this store and it never disappoints.",
			"Excellent value for money.", "Arrived a day early, very happy with it."},
		okay: []string{"OK for the price; delivery took a while.", "Decent, but the colour is a little different from the photos.",
			"Does the job. The packaging could be better."},
		bad: []string{"Arrived damaged: the box was crushed.", "Not as described, it feels cheap.",
			"Stopped working after two days.", "Took over a week to arrive and nobody answered my messages."},
		update: []string{"Update: the store sent a replacement right away. Problem solved.",
			"Update: refunded the difference without any fuss, thank you."},
		thanks: []string{"Thank you for your support!", "Thanks for the kind words, see you again soon.",
			"We're glad you like it. Thank you for shopping with us!"},
		sorry: []string{"We're sorry about this. Our service team has contacted you to arrange a replacement.",
			"Apologies for the trouble. Please check your messages: we have offered a refund or an exchange."},
	},
	"zh-TW": {
		good: []string{"質感很好，與描述相符！", "出貨速度快，包裝完整，推薦！", "CP值很高，會再回購。",
			"第二次購買了，品質一樣穩定 👍"},
		okay: []string{"東西還可以，但包裝有點簡陋。", "物流稍慢，商品本身沒問題。"},
		bad:  []string{"收到時外盒破損，商品也有刮痕。", "和照片差很多，很失望。", "客服回覆很慢，商品有瑕疵。"},
		update: []string{"更新：賣家主動聯繫並換貨，處理態度很好。",
			"追加評價：已經換到新品，使用正常。"},
		thanks: []string{"感謝您的支持與好評！", "謝謝您的肯定，期待再次為您服務 🙏"},
		sorry: []string{"非常抱歉造成您的不便，我們已安排換貨，請留意簡訊通知。",
			"很抱歉讓您有不好的體驗，客服已主動與您聯繫處理。"},
	},
	"zh-CN": {
		good: []string{"质量很好，和描述一致！", "包装很用心，物流也快，五星好评！", "性价比很高，会回购的。",
			"穿着很舒服，做工不错 👍"},
		okay: []string{"还行吧，物流有点慢。", "东西一般，对得起这个价格。"},
		bad:  []string{"收到的时候包装破了，商品有污渍。", "和描述不符，面料很差。", "物流太慢了，等了一个多星期。"},
		update: []string{"追评：商家很负责，已经换新了，态度很好。",
			"更新：问题已解决，客服处理得很及时。"},
		thanks: []string{"感谢亲的好评，欢迎再次光临～", "谢谢您的支持，我们会继续努力！"},
		sorry:  []string{"非常抱歉给您带来不好的体验，客服已联系您安排换货。", "很抱歉，我们已为您办理退款，请注意查收。"},
	},
}

// ratingLanguages: the languages a store's buyers write in (repeats weigh them).
var ratingLanguages = map[string][]string{
	"lotus-electronics": {"zh-TW", "zh-TW", "en"},
	"maple-apparel":     {"zh-CN", "zh-CN", "en"},
	"harbor-foods":      {"en", "en", "en", "en", "zh-TW"},
}

// insertRatings gives about 60% of the delivered and completed demo orders a rating (see above). It runs in
// Load's transaction after the orders exist, and leaves it as the system.
func insertRatings(ctx context.Context, tx *sqlx.Tx, now time.Time) error {
	now = now.UTC().Truncate(time.Second)
	ids := make([]uuid.UUID, len(stores))
	for i, s := range stores {
		ids[i] = storeID(s.slug)
	}
	var rated []ratedOrder
	if err := tx.SelectContext(ctx, &rated, `select tenant_id, id, buyer_id, number, delivered_at, completed_at from orders
		where status in ('DELIVERED', 'COMPLETED') and delivered_at is not null and tenant_id = any($1)
		order by tenant_id, number`, pq.Array(ids)); err != nil {
		return err
	}
	slugs := map[uuid.UUID]string{}
	for _, s := range stores {
		slugs[storeID(s.slug)] = s.slug
	}
	var rows []ratingRow
	for _, o := range rated {
		if r, ok := genRating(o, slugs[o.TenantID], now); ok {
			rows = append(rows, r)
		}
	}
	// Each rating is given, answered and revised through the ratings package, as its buyer and the store's
	// staff would, at its own instants.
	for _, row := range rows {
		if err := playRating(ctx, tx, row); err != nil {
			return fmt.Errorf("rating of order %s: %w", row.OrderID, err)
		}
	}
	_, err := tenants.Become(ctx, tx, tenants.System)
	return err
}

func playRating(ctx context.Context, tx *sqlx.Tx, row ratingRow) error {
	s, err := tenants.Become(ctx, tx, buyer(row.BuyerID))
	if err != nil {
		return err
	}
	r, err := ratings.Create(ctx, s, orders.Key{StoreID: row.TenantID, ID: row.OrderID}, ratings.Input{Overall: row.InitialOverall,
		DescriptionMatch: row.InitialDescriptionMatch, ServiceAttitude: row.InitialServiceAttitude,
		LogisticsSpeed: row.InitialLogisticsSpeed, Comment: row.InitialComment}, row.CreatedAt)
	if err != nil {
		return err
	}
	if row.Reply != nil {
		staff := tenants.Principal{Role: tenants.RoleMerchant, UserID: *row.RepliedBy, StoreID: row.TenantID, StaffRole: tenants.StaffOwner}
		if *row.RepliedBy == userID("agent@lotus-electronics.test") {
			staff.StaffRole = tenants.StaffAgent
		}
		if s, err = tenants.Become(ctx, tx, staff); err != nil {
			return err
		}
		if _, err := ratings.Reply(ctx, s, ratings.KeyOf(r), *row.Reply, *row.RepliedAt); err != nil {
			return err
		}
	}
	if row.RevisedAt != nil {
		if s, err = tenants.Become(ctx, tx, buyer(row.BuyerID)); err != nil {
			return err
		}
		if _, err := ratings.Revise(ctx, s, ratings.KeyOf(r), ratings.Input{Overall: row.Overall, DescriptionMatch: row.DescriptionMatch,
			ServiceAttitude: row.ServiceAttitude, LogisticsSpeed: row.LogisticsSpeed, Comment: row.Comment}, *row.RevisedAt); err != nil {
			return err
		}
	}
	return nil
}

// genRating draws order o's rating; ok is false for the orders left unrated (and those delivered too recently
// to have been rated yet).
func genRating(o ratedOrder, slug string, now time.Time) (ratingRow, bool) {
	r := rand.New(rand.NewPCG(ratingSeed, binary.BigEndian.Uint64(o.ID[:8])))
	if r.Float64() >= 0.60 {
		return ratingRow{}, false
	}
	// Given from an hour after delivery, mostly within the first days, always before now and before the window
	// closes (15 days after completion; an uncompleted delivered order has no end yet).
	last := now
	if o.CompletedAt != nil {
		last = minTime(last, o.CompletedAt.Add(15*24*time.Hour-time.Second))
	}
	span := int64(last.Sub(o.DeliveredAt) / time.Second)
	if span < hour {
		return ratingRow{}, false
	}
	created := o.DeliveredAt.Add(time.Duration(between(r, hour, min(span, between(r, 2*day, 12*day)))) * time.Second)

	texts := ratingTexts[pick(r, ratingLanguages[slug])]
	overall := 5
	pr := profileOf(slug)
	switch p := r.Float64(); {
	case p < pr.negative:
		overall = 1 + r.IntN(2)
	case p < pr.negative+pr.three:
		overall = 3
	case p < pr.negative+pr.three+pr.four:
		overall = 4
	}
	dim := func(base int) int {
		switch x := r.Float64(); {
		case x < 0.2:
			base--
		case x > 0.9:
			base++
		}
		return max(1, min(5, base))
	}
	row := ratingRow{TenantID: o.TenantID, OrderID: o.ID, BuyerID: o.BuyerID,
		Overall: overall, DescriptionMatch: dim(overall), ServiceAttitude: dim(overall), LogisticsSpeed: dim(overall),
		CreatedAt: created}
	negative := overall <= 2
	if negative || r.Float64() < 0.55 {
		switch {
		case negative:
			row.Comment = pick(r, texts.bad)
		case overall == 3:
			row.Comment = pick(r, texts.okay)
		default:
			row.Comment = pick(r, texts.good)
		}
	}
	row.InitialOverall, row.InitialDescriptionMatch, row.InitialServiceAttitude = row.Overall, row.DescriptionMatch, row.ServiceAttitude
	row.InitialLogisticsSpeed, row.InitialComment = row.LogisticsSpeed, row.Comment

	// The store answers most negative ratings and some others, within 3 days and before now.
	replyChance := 0.30
	if negative {
		replyChance = 0.85
	}
	if r.Float64() < replyChance {
		if at := created.Add(time.Duration(between(r, hour, 3*day)) * time.Second); !at.After(now) {
			reply := pick(r, texts.thanks)
			if negative || overall == 3 {
				reply = pick(r, texts.sorry)
			}
			by := userID("owner@" + slug + ".test")
			if slug == "lotus-electronics" && r.IntN(2) == 0 {
				by = userID("agent@lotus-electronics.test")
			}
			row.Reply, row.RepliedAt, row.RepliedBy = &reply, &at, &by
		}
	}
	// Some of the answered negative ratings (40%) are revised upwards a few days after the answer, within the
	// 30 days and before now.
	if negative && row.RepliedAt != nil && r.Float64() < 0.4 {
		at := row.RepliedAt.Add(time.Duration(between(r, 6*hour, 5*day)) * time.Second)
		if !at.After(now) && at.Before(created.Add(30*24*time.Hour)) {
			row.Overall, row.DescriptionMatch, row.ServiceAttitude = 4, 4, 5
			row.Comment = pick(r, texts.update)
			row.RevisedAt = &at
		}
	}
	return row, true
}

func profileOf(slug string) profile {
	for _, s := range stores {
		if s.slug == slug {
			return s.profile
		}
	}
	return profile{}
}

func pick(r *rand.Rand, from []string) string { return from[r.IntN(len(from))] }

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}
