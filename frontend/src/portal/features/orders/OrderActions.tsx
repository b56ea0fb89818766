import { Form, Input, Space } from 'antd';
import { CarOutlined, CheckCircleOutlined, CloseCircleOutlined, InboxOutlined, WalletOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { useMutation } from 'urql';
import {
  OrdersCancelDocument,
  OrdersConfirmReceiptDocument,
  OrdersMarkDeliveredDocument,
  OrdersPayDocument,
  OrdersShipDocument,
  type OrderAction,
} from '../../../gql/graphql';
import { useSession } from '../../auth/useSession';
import { formatMoney, type Money } from '../../lib/format';
import { ActionModal } from './ActionModal';
import { ShipFields } from './ShipFields';

export interface ActionableOrder {
  id: string;
  number: string;
  version: number;
  total: Money;
  paidAt?: string | null;
  availableActions: readonly OrderAction[];
}

// The buttons of what the caller may do to an order now (availableActions), each with its own form.
// only: limit to some actions (the list shows SHIP only).
export function OrderActions({ order, onChanged, only, size }: { order: ActionableOrder; onChanged: () => void; only?: OrderAction[]; size?: 'small' | 'middle' }) {
  const { t, i18n } = useTranslation();
  const session = useSession();
  const [, ship] = useMutation(OrdersShipDocument);
  const [, markDelivered] = useMutation(OrdersMarkDeliveredDocument);
  const [, confirmReceipt] = useMutation(OrdersConfirmReceiptDocument);
  const [, cancel] = useMutation(OrdersCancelDocument);
  const [, pay] = useMutation(OrdersPayDocument);
  const actions = order.availableActions.filter((a) => !only || only.includes(a));
  // What changed is refetched by the client's cache (the mutation returns the order); a CONFLICT reloads.
  const common = {
    onConflict: onChanged,
    conflictText: t('orders.conflict'),
    buttonProps: { size },
  };
  const total = formatMoney(order.total, i18n.language);
  const reasonRequired = session?.role !== 'BUYER';

  return (
    <Space wrap size={8}>
      {actions.includes('PAY') && (
        <ActionModal
          {...common}
          primary
          icon={<WalletOutlined />}
          testId="order-action-PAY"
          label={t('enums.OrderAction.PAY')}
          title={t('orders.payTitle', { number: order.number })}
          okText={t('orders.payOk', { total })}
          intro={t('orders.payIntro', { total })}
          success={t('orders.payDone')}
          submit={async (_v, idempotencyKey) => {
            const r = await pay({ input: { orderId: order.id, idempotencyKey } });
            return { error: r.error, userErrors: r.data?.orderPay.userErrors ?? [] };
          }}
        />
      )}
      {actions.includes('SHIP') && (
        <ActionModal<{ carrier: string; trackingNumber: string }>
          {...common}
          primary
          icon={<CarOutlined />}
          testId="order-action-SHIP"
          label={t('enums.OrderAction.SHIP')}
          title={t('orders.shipTitle', { number: order.number })}
          okText={t('orders.shipOk')}
          intro={t('orders.shipIntro')}
          fields={['carrier', 'trackingNumber']}
          success={t('orders.shipped', { number: order.number })}
          submit={async (v) => {
            const r = await ship({ input: { orderId: order.id, carrier: v.carrier.trim(), trackingNumber: v.trackingNumber.trim(), expectedVersion: order.version } });
            return { error: r.error, userErrors: r.data?.orderShip.userErrors ?? [] };
          }}
        >
          <ShipFields />
        </ActionModal>
      )}
      {actions.includes('MARK_DELIVERED') && (
        <ActionModal
          {...common}
          icon={<InboxOutlined />}
          testId="order-action-MARK_DELIVERED"
          label={t('enums.OrderAction.MARK_DELIVERED')}
          title={t('orders.markDeliveredTitle', { number: order.number })}
          okText={t('orders.markDeliveredOk')}
          intro={t('orders.markDeliveredIntro')}
          success={t('orders.markedDelivered')}
          submit={async () => {
            const r = await markDelivered({ input: { orderId: order.id, expectedVersion: order.version } });
            return { error: r.error, userErrors: r.data?.orderMarkDelivered.userErrors ?? [] };
          }}
        />
      )}
      {actions.includes('CONFIRM_RECEIPT') && (
        <ActionModal
          {...common}
          primary
          icon={<CheckCircleOutlined />}
          testId="order-action-CONFIRM_RECEIPT"
          label={t('enums.OrderAction.CONFIRM_RECEIPT')}
          title={t('orders.confirmReceiptTitle', { number: order.number })}
          okText={t('orders.confirmReceiptOk')}
          intro={t('orders.confirmReceiptIntro')}
          success={t('orders.receiptConfirmed')}
          submit={async () => {
            const r = await confirmReceipt({ input: { orderId: order.id, expectedVersion: order.version } });
            return { error: r.error, userErrors: r.data?.orderConfirmReceipt.userErrors ?? [] };
          }}
        />
      )}
      {actions.includes('CANCEL') && (
        <ActionModal<{ reason?: string }>
          {...common}
          danger
          icon={<CloseCircleOutlined />}
          testId="order-action-CANCEL"
          label={t('enums.OrderAction.CANCEL')}
          title={t('orders.cancelTitle', { number: order.number })}
          okText={t('orders.cancelOk')}
          intro={order.paidAt ? t(reasonRequired ? 'orders.cancelIntroPaidStore' : 'orders.cancelIntroPaid', { total }) : t('orders.cancelIntroUnpaid')}
          fields={['reason']}
          success={t('orders.cancelled')}
          submit={async (v) => {
            const reason = v.reason?.trim();
            const r = await cancel({ input: { orderId: order.id, reason: reason || null, expectedVersion: order.version } });
            return { error: r.error, userErrors: r.data?.orderCancel.userErrors ?? [] };
          }}
        >
          <Form.Item
            name="reason"
            label={t('orders.cancelReason')}
            extra={reasonRequired ? t('orders.cancelReasonHelp') : undefined}
            rules={[
              { required: reasonRequired, whitespace: true, message: t('orders.cancelReasonRequired') },
              { max: 500, message: t('orders.cancelReasonTooLong') },
            ]}
          >
            <Input.TextArea rows={3} showCount maxLength={500} />
          </Form.Item>
        </ActionModal>
      )}
    </Space>
  );
}
