package demo

// The fixed tables of the demo: stores, their catalogues, and the buyers' shipping details.

type storeSpec struct {
	slug, name, category, currency, timeZone string
	prefix                                   string // order number prefix: "LE" → LE-000123
	orders                                   int    // how many orders to generate
	owner                                    string // owner's display name
	shipFee, freeShipFrom                    int64  // flat shipping fee, waived from this subtotal on
	carriers                                 []string
	profile                                  profile
}

// profile is how well a store runs, as the chances its orders and buyers give it: the demo's three stores are
// one excellent (lotus), one average (maple) and one failing on dissatisfaction and late shipments (harbor).
type profile struct {
	late, merchantCancel, notShipped float64 // of the paid orders: shipped late, cancelled by the store, never shipped
	negative, three, four            float64 // of the ratings: 1–2 stars, 3 stars, 4 stars (the rest are 5)
	cases                            float64 // of the delivered orders: the share with an after-sales case
	ignores                          float64 // of the cancellation requests: the share the store lets lapse (auto-approved)
	mix                              []weighted
}

// weighted is a case scenario and how often a store's cases follow it.
type weighted struct {
	scenario string
	weight   int
}

var stores = []storeSpec{
	{slug: "lotus-electronics", name: "Lotus Electronics", category: "electronics", currency: "TWD",
		timeZone: "Asia/Taipei", prefix: "LE", orders: 420, owner: "Lotus Owner",
		shipFee: 6000, freeShipFrom: 100000, carriers: []string{"Black Cat", "Black Cat", "HCT"},
		profile: profile{late: 0.003, merchantCancel: 0.002, negative: 0.004, three: 0.02, four: 0.09, cases: 0.035,
			mix: []weighted{{"noReasonReturn", 45}, {"withdrawn", 15}, {"warrantyRepair", 12}, {"exchange", 6},
				{"complaintRejected", 8}, {"qualityRefund", 5}, {"arbitrationForMerchant", 9}}}},
	{slug: "maple-apparel", name: "Maple Apparel", category: "apparel", currency: "CNY",
		timeZone: "Asia/Shanghai", prefix: "MA", orders: 320, owner: "Maple Owner",
		shipFee: 1000, freeShipFrom: 19900, carriers: []string{"SF Express", "SF Express", "HCT"},
		profile: profile{late: 0.02, merchantCancel: 0.01, notShipped: 0.004, negative: 0.012, three: 0.06, four: 0.26,
			cases: 0.09, ignores: 0.1,
			mix: []weighted{{"noReasonReturn", 35}, {"exchange", 10}, {"qualityRefund", 8}, {"damagedReturn", 6},
				{"rejectedClosed", 6}, {"rejectedRevised", 5}, {"complaintResolved", 5}, {"complaintRejected", 5},
				{"complaintToPlatform", 3}, {"arbitrationForMerchant", 5}, {"arbitrationOverturned", 3}, {"withdrawn", 9}}}},
	{slug: "harbor-foods", name: "Harbor Foods", category: "food", currency: "USD",
		timeZone: "America/Los_Angeles", prefix: "HF", orders: 330, owner: "Harbor Owner",
		shipFee: 799, freeShipFrom: 5000, carriers: []string{"UPS", "UPS", "Black Cat"},
		profile: profile{late: 0.10, merchantCancel: 0.012, notShipped: 0.008, negative: 0.035, three: 0.12, four: 0.30, cases: 0.10,
			ignores: 0.15,
			mix: []weighted{{"qualityRefund", 30}, {"damagedReturn", 18}, {"noResponse", 6}, {"rejectedClosed", 10},
				{"arbitrationForMerchant", 6}, {"complaintToPlatform", 4}, {"complaintResolved", 6},
				{"noReasonReturn", 14}, {"arbitrationUpheld", 4}}}},
}

type productSpec struct {
	sku, title, category string
	price                int64 // minor units of the store's currency
	warranty             int   // days
	archived             bool
	gift                 bool // cheap enough to be given away with a paid item
}

// products by store slug. Prices are ISO 4217 minor units (TWD, CNY and USD all have 2 decimals).
var products = map[string][]productSpec{
	"lotus-electronics": {
		{"LE-HP-001", "Aurora ANC Wireless Headphones", "electronics", 459000, 365, false, false},
		{"LE-EB-002", "Breeze True Wireless Earbuds", "electronics", 149000, 365, false, false},
		{"LE-SP-003", "Pebble Bluetooth Speaker", "electronics", 129900, 365, false, false},
		{"LE-PB-004", "PowerCell 20000mAh Power Bank", "electronics", 99000, 365, false, false},
		{"LE-KB-005", "Mechanical Keyboard 87-Key, Brown Switches", "electronics", 289000, 365, false, false},
		{"LE-MS-006", "Silent Wireless Mouse", "electronics", 59000, 365, false, false},
		{"LE-CH-007", "65W GaN USB-C Charger", "electronics", 89000, 365, false, false},
		{"LE-CB-008", "USB-C Braided Cable 1 m", "electronics", 29000, 365, false, true},
		{"LE-SC-009", "Screen Cleaning Kit", "electronics", 19900, 365, false, true},
		{"LE-CO-010", "Cable Organizer Clips (6 pcs)", "electronics", 9900, 365, false, true},
		{"LE-WC-011", "1080p Webcam with Privacy Shutter", "electronics", 169000, 365, true, false},
		{"LE-SW-012", "PhotoDesk Pro 1-Year Licence", "digital", 199000, 0, false, false},
	},
	"maple-apparel": {
		{"MA-TS-001", "Organic Cotton Crew T-Shirt", "apparel", 9900, 90, false, false},
		{"MA-HD-002", "Heavyweight Fleece Hoodie", "apparel", 32900, 90, false, false},
		{"MA-JN-003", "Slim Fit Stretch Jeans", "apparel", 25900, 90, false, false},
		{"MA-DJ-004", "Lightweight Down Jacket", "apparel", 59900, 90, false, false},
		{"MA-LS-005", "Linen Button-Down Shirt", "apparel", 19900, 90, false, false},
		{"MA-SK-006", "Merino Wool Socks, 3 Pairs", "apparel", 6900, 90, false, true},
		{"MA-TB-007", "Canvas Tote Bag", "apparel", 4900, 90, false, true},
		{"MA-CP-008", "Embroidered Baseball Cap", "apparel", 7900, 90, false, true},
		{"MA-BZ-009", "Made-to-Measure Wool Blazer", "custom_made", 169900, 90, false, false},
		{"MA-UW-010", "Bamboo Underwear, 3-Pack", "hygiene", 8900, 0, false, false},
		{"MA-SC-011", "Cashmere Blend Scarf", "apparel", 19900, 90, true, false},
	},
	"harbor-foods": {
		{"HF-CF-001", "Single-Origin Coffee Beans 12 oz", "food", 1699, 90, false, false},
		{"HF-OL-002", "Extra Virgin Olive Oil 500 ml", "food", 1899, 90, false, false},
		{"HF-HN-003", "Raw Wildflower Honey 16 oz", "food", 1299, 90, false, false},
		{"HF-MS-004", "Pure Maple Syrup 8 oz", "food", 1499, 90, false, false},
		{"HF-TE-005", "Jasmine Green Tea, 20 Bags", "food", 599, 90, false, true},
		{"HF-GR-006", "Granola Clusters 14 oz", "food", 799, 90, false, true},
		{"HF-CK-007", "Sea Salt Dark Chocolate Bar", "food", 449, 90, false, true},
		{"HF-SM-008", "Wild Sockeye Salmon Fillets 1 lb", "perishable", 2999, 0, false, false},
		{"HF-BR-009", "Sourdough Loaf", "perishable", 899, 0, false, false},
		{"HF-SB-010", "Organic Strawberries 1 lb", "perishable", 699, 0, false, false},
		{"HF-NT-011", "Mixed Nuts Gift Tin", "food", 2499, 90, true, false},
	},
}

// address is where a buyer has things shipped: one per buyer, used for all of the buyer's orders.
type address struct{ name, phone, address string }

// buyerAddresses[i] belongs to buyer i+1. Phone numbers use fictional ranges (US 555-01xx).
var buyerAddresses = []address{
	{"Chen Mei-Ling", "+886 912 345 601", "No. 12, Ln. 5, Sec. 2, Zhongshan N. Rd., Zhongshan Dist., Taipei City 104"},
	{"Lin Chia-Hao", "+886 922 118 402", "No. 88, Sec. 4, Xinyi Rd., Da'an Dist., Taipei City 106"},
	{"Wang Yu-Ting", "+886 933 620 113", "6F, No. 21, Minsheng Rd., West Dist., Taichung City 403"},
	{"Huang Po-Wei", "+886 955 207 804", "No. 3, Aly. 7, Ln. 150, Zhonghua Rd., East Dist., Hsinchu City 300"},
	{"Tsai Hsin-Yi", "+886 978 441 025", "No. 45, Wenhua Rd., Banqiao Dist., New Taipei City 220"},
	{"Liu Chun-Chieh", "+886 910 556 716", "No. 102, Zhongzheng 2nd Rd., Lingya Dist., Kaohsiung City 802"},
	{"Yang Shu-Fen", "+886 987 003 927", "No. 9, Dongmen Rd., Sec. 1, East Dist., Tainan City 701"},
	{"Hsu Kuan-Yu", "+886 921 774 338", "No. 17, Ln. 33, Zhongyang Rd., Taoyuan Dist., Taoyuan City 330"},
	{"Zhang Wei", "+86 138 0013 4501", "Room 1203, Bldg 5, 88 Century Ave, Pudong New Area, Shanghai 200120"},
	{"Li Na", "+86 139 1022 7702", "Unit 6-2-301, 16 Zhongguancun St, Haidian District, Beijing 100080"},
	{"Wang Fang", "+86 137 2831 4403", "Room 905, 233 Tianhe Rd, Tianhe District, Guangzhou 510620"},
	{"Liu Yang", "+86 135 6650 2104", "No. 18, Lane 99, Wensan Rd, Xihu District, Hangzhou 310012"},
	{"Chen Jie", "+86 136 0218 9905", "Room 1708, 2 Shennan Blvd, Futian District, Shenzhen 518048"},
	{"Zhao Min", "+86 150 8843 1206", "No. 7, 3rd Section, Renmin South Rd, Wuhou District, Chengdu 610041"},
	{"Emily Carter", "+1 503-555-0107", "1234 SE Hawthorne Blvd, Apt 5, Portland, OR 97214"},
	{"Michael Nguyen", "+1 415-555-0118", "780 Valencia St, San Francisco, CA 94110"},
	{"Sarah Johnson", "+1 206-555-0129", "2211 2nd Ave, Unit 402, Seattle, WA 98121"},
	{"David Kim", "+1 213-555-0130", "455 S Hope St, Apt 1210, Los Angeles, CA 90071"},
	{"Jessica Lopez", "+1 512-555-0141", "3100 Guadalupe St, Austin, TX 78705"},
	{"Ryan O'Brien", "+1 617-555-0152", "62 Beacon St, Apt 3, Boston, MA 02108"},
}
