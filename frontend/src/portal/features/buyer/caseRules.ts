import type { AfterSalesCaseType, AfterSalesReason, OrderStatus } from '../../../gql/graphql';

// Which after-sales requests fit an order as it is (the API checks again, with the dates, when the case
// opens): a cancel request before shipment, a not-received refund once shipped, refunds, returns,
// exchanges and repairs once delivered, and a complaint about any paid order.

export const REASONS: Record<AfterSalesCaseType, AfterSalesReason[]> = {
  ORDER_CANCEL: ['NO_REASON', 'LATE_DELIVERY', 'OTHER'],
  REFUND_ONLY: ['QUALITY_DEFECT', 'NOT_AS_DESCRIBED', 'DAMAGED_IN_TRANSIT', 'WRONG_ITEM', 'MISSING_ITEM', 'NOT_RECEIVED', 'LATE_DELIVERY'],
  RETURN_REFUND: ['NO_REASON', 'QUALITY_DEFECT', 'NOT_AS_DESCRIBED', 'DAMAGED_IN_TRANSIT', 'WRONG_ITEM'],
  EXCHANGE: ['QUALITY_DEFECT', 'NOT_AS_DESCRIBED', 'DAMAGED_IN_TRANSIT', 'WRONG_ITEM'],
  WARRANTY_REPAIR: ['QUALITY_DEFECT'],
  COMPLAINT: ['PRICE_FRAUD', 'SERVICE_ATTITUDE', 'ORDER_STATUS_ABNORMAL', 'OTHER'],
};

export const ALL_TYPES: AfterSalesCaseType[] = ['ORDER_CANCEL', 'REFUND_ONLY', 'RETURN_REFUND', 'EXCHANGE', 'WARRANTY_REPAIR', 'COMPLAINT'];

export function typesFor(status: OrderStatus, paid: boolean, hasWarranty: boolean): AfterSalesCaseType[] {
  switch (status) {
    case 'PAID':
      return ['ORDER_CANCEL', 'COMPLAINT'];
    case 'SHIPPED':
      return ['REFUND_ONLY', 'COMPLAINT'];
    case 'DELIVERED':
    case 'COMPLETED':
      return ['REFUND_ONLY', 'RETURN_REFUND', 'EXCHANGE', ...(hasWarranty ? (['WARRANTY_REPAIR'] as const) : []), 'COMPLAINT'];
    case 'CANCELLED':
      return paid ? ['COMPLAINT'] : [];
    default:
      return [];
  }
}

export function reasonsFor(type: AfterSalesCaseType, status: OrderStatus): AfterSalesReason[] {
  // Before delivery the only refund is for goods that never arrived.
  if (type === 'REFUND_ONLY' && status === 'SHIPPED') return ['NOT_RECEIVED'];
  return REASONS[type];
}

// What each type says about lines and money.
export const needsItems = (t: AfterSalesCaseType) => t !== 'ORDER_CANCEL' && t !== 'COMPLAINT';
export const takesItems = (t: AfterSalesCaseType) => t !== 'ORDER_CANCEL';
export const asksMoney = (t: AfterSalesCaseType) => t === 'REFUND_ONLY' || t === 'RETURN_REFUND' || t === 'COMPLAINT';
// Digital and hygiene goods may go back under the 7-day right only unopened.
export const OPENED_ONLY = ['digital', 'hygiene'];
