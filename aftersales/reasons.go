package aftersales

// Reason a buyer gives; its Category is what the metrics count.
type Reason string

// Category of a reason: BUYER reasons never count against the merchant.
type Category string

const (
	CategoryBuyer      Category = "BUYER"
	CategoryQuality    Category = "QUALITY"
	CategoryFulfilment Category = "FULFILMENT"
	CategoryComplaint  Category = "COMPLAINT"
)

const (
	NoReason            Reason = "NO_REASON"
	QualityDefect       Reason = "QUALITY_DEFECT"
	NotAsDescribed      Reason = "NOT_AS_DESCRIBED"
	DamagedInTransit    Reason = "DAMAGED_IN_TRANSIT"
	WrongItem           Reason = "WRONG_ITEM"
	MissingItem         Reason = "MISSING_ITEM"
	NotReceived         Reason = "NOT_RECEIVED"
	LateDelivery        Reason = "LATE_DELIVERY"
	PriceFraud          Reason = "PRICE_FRAUD"
	ServiceAttitude     Reason = "SERVICE_ATTITUDE"
	OrderStatusAbnormal Reason = "ORDER_STATUS_ABNORMAL"
	OtherComplaint      Reason = "OTHER"
)

// Categories maps every reason to its category (DESIGN §3.2).
var Categories = map[Reason]Category{
	NoReason:            CategoryBuyer,
	QualityDefect:       CategoryQuality,
	NotAsDescribed:      CategoryQuality,
	DamagedInTransit:    CategoryQuality,
	WrongItem:           CategoryQuality,
	MissingItem:         CategoryQuality,
	NotReceived:         CategoryFulfilment,
	LateDelivery:        CategoryFulfilment,
	PriceFraud:          CategoryComplaint,
	ServiceAttitude:     CategoryComplaint,
	OrderStatusAbnormal: CategoryComplaint,
	OtherComplaint:      CategoryComplaint,
}

// ReasonsFor lists the reasons each type of case accepts.
var ReasonsFor = map[Type][]Reason{
	OrderCancel:    {NoReason, LateDelivery, OtherComplaint},
	RefundOnly:     {QualityDefect, NotAsDescribed, DamagedInTransit, WrongItem, MissingItem, NotReceived, LateDelivery},
	ReturnRefund:   {NoReason, QualityDefect, NotAsDescribed, DamagedInTransit, WrongItem},
	Exchange:       {QualityDefect, NotAsDescribed, DamagedInTransit, WrongItem},
	WarrantyRepair: {QualityDefect},
	Complaint:      {PriceFraud, ServiceAttitude, OrderStatusAbnormal, OtherComplaint},
}

// NeedsReturn: the goods come back before the case moves on.
func (t Type) NeedsReturn() bool { return t == ReturnRefund || t == Exchange || t == WarrantyRepair }

// Reships: the merchant sends goods back (a replacement or the repaired item).
func (t Type) Reships() bool { return t == Exchange || t == WarrantyRepair }
