import { Checkbox, Empty, Form, Input, Radio, Select, Space, Typography } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useMutation } from 'urql';
import {
  CasesApproveDocument,
  CasesArbitrationAppealDecideDocument,
  CasesArbitrationAppealDocument,
  CasesArbitrationRuleDocument,
  CasesComplaintPriorityEscalateDocument,
  CasesComplaintResolveDocument,
  CasesConfirmReshipDocument,
  CasesEscalateDocument,
  CasesMarkReturnDeliveredDocument,
  CasesReceiveReturnDocument,
  CasesRefundAccountSetDocument,
  CasesRefundRetryDocument,
  CasesRejectDocument,
  CasesReshipDocument,
  CasesReviseDocument,
  CasesShipReturnDocument,
  CasesWithdrawDocument,
  type AfterSalesCaseAction,
  type CasesDetailFragment,
  type ComplaintOutcome,
  type Liability,
} from '../../../gql/graphql';
import { useSession } from '../../auth/useSession';
import { formatMoney } from '../../lib/format';
import { ActionModal } from '../orders/ActionModal';
import { ShipFields } from '../orders/ShipFields';
import { amountRule, toMinor, type MutationOutcome } from '../orders/shared';

// The order the buttons appear in: the step forward first, refusals and giving up last.
const ORDER: AfterSalesCaseAction[] = [
  'APPROVE',
  'RESOLVE_COMPLAINT',
  'RECEIVE_RETURN',
  'MARK_RETURN_DELIVERED',
  'RESHIP',
  'SHIP_RETURN',
  'CONFIRM_RESHIP',
  'RULE',
  'DECIDE_APPEAL',
  'RETRY_REFUND',
  'REVISE',
  'APPEAL',
  'PRIORITY_ESCALATE',
  'ESCALATE',
  'REJECT',
  'WITHDRAW',
];
const PRIMARY = new Set<AfterSalesCaseAction>(['APPROVE', 'RESOLVE_COMPLAINT', 'RECEIVE_RETURN', 'RESHIP', 'SHIP_RETURN', 'CONFIRM_RESHIP', 'RULE', 'DECIDE_APPEAL', 'RETRY_REFUND']);
const DANGER = new Set<AfterSalesCaseAction>(['REJECT', 'WITHDRAW']);

type Payload = { userErrors: readonly { code: string; field?: readonly string[] | null; message: string }[] } | undefined;

function outcome<D>(r: { error?: MutationOutcome['error']; data?: D }, pick: (d: D) => Payload): MutationOutcome {
  return { error: r.error, userErrors: r.data ? (pick(r.data)?.userErrors ?? []) : [] };
}

// CaseActions: a button for every action the case offers the caller (availableActions), each with its own
// form: what will happen, the fields the mutation takes, and the API's refusals on their fields. Every
// request carries the case's version (a CONFLICT reloads the case); money-moving ones a fresh key.
export function CaseActions({ c, onChanged }: { c: CasesDetailFragment; onChanged: () => void }) {
  const { t, i18n } = useTranslation();
  const session = useSession()!;
  const lang = i18n.language;
  const money = (m: { amount: string; currencyCode: string } | null | undefined) => formatMoney(m, lang);
  const v = c.version;
  const caseId = c.id;

  const [, approve] = useMutation(CasesApproveDocument);
  const [, reject] = useMutation(CasesRejectDocument);
  const [, revise] = useMutation(CasesReviseDocument);
  const [, withdraw] = useMutation(CasesWithdrawDocument);
  const [, escalate] = useMutation(CasesEscalateDocument);
  const [, shipReturn] = useMutation(CasesShipReturnDocument);
  const [, markReturnDelivered] = useMutation(CasesMarkReturnDeliveredDocument);
  const [, receiveReturn] = useMutation(CasesReceiveReturnDocument);
  const [, reship] = useMutation(CasesReshipDocument);
  const [, confirmReship] = useMutation(CasesConfirmReshipDocument);
  const [, refundRetry] = useMutation(CasesRefundRetryDocument);
  const [, complaintResolve] = useMutation(CasesComplaintResolveDocument);
  const [, priorityEscalate] = useMutation(CasesComplaintPriorityEscalateDocument);
  const [, rule] = useMutation(CasesArbitrationRuleDocument);
  const [, appeal] = useMutation(CasesArbitrationAppealDocument);
  const [, appealDecide] = useMutation(CasesArbitrationAppealDecideDocument);
  const [, refundAccountSet] = useMutation(CasesRefundAccountSetDocument);

  const requested = money(c.requested);
  const refundable = c.order ? money(c.order.refundable) : requested;
  const maxAmount = { amount: c.requested.amount, label: requested };
  const lineIds = new Set(c.items.map((i) => i.orderItem?.id).filter(Boolean));
  const gifts = (c.order?.items ?? []).filter((g) => g.isGift && g.giftOf && lineIds.has(g.giftOf));

  const modal = (action: AfterSalesCaseAction, props: Partial<Parameters<typeof ActionModal>[0]> & { submit: Parameters<typeof ActionModal>[0]['submit']; children?: ReactNode }) => (
    <ActionModal
      key={action}
      testId={`case-action-${action}`}
      label={t(`enums.AfterSalesCaseAction.${action}`)}
      title={t('cases.actionTitle', { action: t(`enums.AfterSalesCaseAction.${action}`), number: c.number })}
      okText={t(`cases.ok.${action}`)}
      intro={t(`cases.intro.${action}`, { requested, refundable })}
      success={t(`cases.done.${action}`)}
      primary={PRIMARY.has(action)}
      danger={DANGER.has(action)}
      onConflict={onChanged}
      conflictText={t('cases.conflict')}
      {...props}
    />
  );

  const forms: Record<AfterSalesCaseAction, () => ReactNode> = {
    APPROVE: () =>
      modal('APPROVE', {
        intro: t(`cases.approveIntro.${c.type}`, { requested }),
        fields: ['amount'],
        submit: async (val, idempotencyKey) => {
          const amount = (val.amount as string | undefined)?.trim();
          return outcome(await approve({ input: { caseId, amount: amount || null, idempotencyKey, expectedVersion: v } }), (d) => d.afterSalesCaseApprove);
        },
        children:
          c.type !== 'ORDER_CANCEL' && toMinor(c.requested.amount) > 0 ? (
            <Form.Item name="amount" label={t('cases.approveAmount')} extra={t('cases.approveAmountHelp', { requested })} rules={[amountRule(t, maxAmount)]}>
              <Input inputMode="decimal" placeholder={c.requested.amount} addonAfter={c.requested.currencyCode} />
            </Form.Item>
          ) : null,
      }),
    REJECT: () =>
      modal('REJECT', {
        fields: ['reason'],
        submit: async (val) =>
          outcome(await reject({ input: { caseId, reason: String(val.reason ?? '').trim(), expectedVersion: v } }), (d) => d.afterSalesCaseReject),
        children: (
          <Form.Item
            name="reason"
            label={t('cases.rejectReason')}
            extra={t('cases.rejectReasonHelp')}
            rules={[
              { required: true, whitespace: true, message: t('cases.rejectReasonRequired') },
              { max: 1000, message: t('cases.tooLong', { max: 1000 }) },
            ]}
          >
            <Input.TextArea rows={4} showCount maxLength={1000} />
          </Form.Item>
        ),
      }),
    RESOLVE_COMPLAINT: () =>
      modal('RESOLVE_COMPLAINT', {
        fields: ['outcome', 'amount', 'note'],
        initialValues: { outcome: 'REFUND' },
        submit: async (val, idempotencyKey) => {
          const o = val.outcome as ComplaintOutcome;
          const amount = (val.amount as string | undefined)?.trim();
          const note = (val.note as string | undefined)?.trim();
          return outcome(
            await complaintResolve({
              input: { caseId, outcome: o, amount: o === 'REFUND' || o === 'PRICE_DIFFERENCE' ? amount || null : null, note: note || null, idempotencyKey, expectedVersion: v },
            }),
            (d) => d.complaintResolve,
          );
        },
        children: (
          <>
            <Form.Item name="outcome" label={t('cases.complaintOutcomeLabel')} rules={[{ required: true }]}>
              <Radio.Group>
                <Space direction="vertical">
                  {(['REFUND', 'PRICE_DIFFERENCE', 'EXCHANGE', 'REJECTED'] as ComplaintOutcome[]).map((o) => (
                    <Radio key={o} value={o}>
                      {t(`cases.complaintOutcome.${o}`)}
                      <Typography.Text type="secondary" className="tgo-small">
                        {' '}
                        — {t(`cases.complaintOutcomeHelp.${o}`, { refundable })}
                      </Typography.Text>
                    </Radio>
                  ))}
                </Space>
              </Radio.Group>
            </Form.Item>
            <Form.Item noStyle dependencies={['outcome']}>
              {({ getFieldValue }) => {
                const o = getFieldValue('outcome') as ComplaintOutcome;
                return (
                  <>
                    {(o === 'REFUND' || o === 'PRICE_DIFFERENCE') && (
                      <Form.Item
                        name="amount"
                        label={t('cases.amount')}
                        extra={o === 'REFUND' ? t('cases.refundAmountHelp', { refundable }) : t('cases.priceDifferenceHelp', { refundable })}
                        rules={[
                          { required: o === 'PRICE_DIFFERENCE', message: t('cases.amountRequired') },
                          amountRule(t, c.order ? { amount: c.order.refundable.amount, label: refundable } : undefined),
                        ]}
                      >
                        <Input inputMode="decimal" addonAfter={c.requested.currencyCode} />
                      </Form.Item>
                    )}
                    <Form.Item
                      name="note"
                      label={t('cases.noteToBuyer')}
                      rules={[
                        { required: o === 'REJECTED', whitespace: true, message: t('cases.noteRequired') },
                        { max: 2000, message: t('cases.tooLong', { max: 2000 }) },
                      ]}
                    >
                      <Input.TextArea rows={3} showCount maxLength={2000} />
                    </Form.Item>
                  </>
                );
              }}
            </Form.Item>
          </>
        ),
      }),
    SHIP_RETURN: () =>
      modal('SHIP_RETURN', {
        fields: ['carrier', 'trackingNumber'],
        submit: async (val) =>
          outcome(
            await shipReturn({ input: { caseId, carrier: String(val.carrier).trim(), trackingNumber: String(val.trackingNumber).trim(), expectedVersion: v } }),
            (d) => d.afterSalesCaseShipReturn,
          ),
        children: <ShipFields />,
      }),
    MARK_RETURN_DELIVERED: () =>
      modal('MARK_RETURN_DELIVERED', {
        submit: async () =>
          outcome(await markReturnDelivered({ input: { caseId, expectedVersion: v } }), (d) => d.afterSalesCaseMarkReturnDelivered),
      }),
    RECEIVE_RETURN: () =>
      modal('RECEIVE_RETURN', {
        intro: c.type === 'RETURN_REFUND' ? t('cases.receiveIntroRefund', { amount: money(c.approved ?? c.requested) }) : t('cases.receiveIntroReship'),
        fields: ['missingGiftItemIds'],
        submit: async (val, idempotencyKey) =>
          outcome(
            await receiveReturn({ input: { caseId, missingGiftItemIds: (val.missingGiftItemIds as string[] | undefined) ?? [], idempotencyKey, expectedVersion: v } }),
            (d) => d.afterSalesCaseReceiveReturn,
          ),
        children: gifts.length ? (
          <Form.Item name="missingGiftItemIds" label={t('cases.missingGifts')} extra={t('cases.missingGiftsHelp')}>
            <Checkbox.Group>
              <Space direction="vertical">
                {gifts.map((g) => (
                  <Checkbox key={g.id} value={g.id} data-testid="missing-gift">
                    {t('cases.giftLine', { title: g.title, quantity: g.quantity, value: money(g.declaredValue) })}
                  </Checkbox>
                ))}
              </Space>
            </Checkbox.Group>
          </Form.Item>
        ) : (
          <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('cases.noGifts')} />
        ),
      }),
    RESHIP: () =>
      modal('RESHIP', {
        fields: ['carrier', 'trackingNumber'],
        submit: async (val) =>
          outcome(
            await reship({ input: { caseId, carrier: String(val.carrier).trim(), trackingNumber: String(val.trackingNumber).trim(), expectedVersion: v } }),
            (d) => d.afterSalesCaseReship,
          ),
        children: <ShipFields />,
      }),
    CONFIRM_RESHIP: () =>
      modal('CONFIRM_RESHIP', {
        submit: async () => outcome(await confirmReship({ input: { caseId, expectedVersion: v } }), (d) => d.afterSalesCaseConfirmReship),
      }),
    REVISE: () =>
      modal('REVISE', {
        intro: t('cases.intro.REVISE', { left: Math.max(0, 3 - c.revisions), requested }),
        fields: ['amount', 'description'],
        initialValues: { description: c.description },
        submit: async (val) => {
          const amount = (val.amount as string | undefined)?.trim();
          const description = val.description as string | undefined;
          return outcome(
            await revise({ input: { caseId, amount: amount || null, description: description ?? null, expectedVersion: v } }),
            (d) => d.afterSalesCaseRevise,
          );
        },
        children: (
          <>
            {toMinor(c.requested.amount) > 0 && (
              <Form.Item name="amount" label={t('cases.reviseAmount')} extra={t('cases.reviseAmountHelp', { requested })} rules={[amountRule(t, maxAmount)]}>
                <Input inputMode="decimal" placeholder={c.requested.amount} addonAfter={c.requested.currencyCode} />
              </Form.Item>
            )}
            <Form.Item name="description" label={t('cases.description')} rules={[{ max: 2000, message: t('cases.tooLong', { max: 2000 }) }]}>
              <Input.TextArea rows={4} showCount maxLength={2000} />
            </Form.Item>
          </>
        ),
      }),
    ESCALATE: () =>
      modal('ESCALATE', {
        intro: t(c.type === 'COMPLAINT' ? 'cases.escalateIntroComplaint' : 'cases.intro.ESCALATE'),
        submit: async () => outcome(await escalate({ input: { caseId, expectedVersion: v } }), (d) => d.afterSalesCaseEscalate),
      }),
    PRIORITY_ESCALATE: () =>
      modal('PRIORITY_ESCALATE', {
        submit: async () =>
          outcome(await priorityEscalate({ input: { caseId, expectedVersion: v } }), (d) => d.complaintPriorityEscalate),
      }),
    RULE: () =>
      modal('RULE', {
        width: 600,
        fields: ['forBuyer', 'amount', 'liability', 'note'],
        initialValues: { forBuyer: 'BUYER', refund: 'FULL' },
        submit: async (val) => {
          const forBuyer = val.forBuyer === 'BUYER';
          const amount = forBuyer && val.refund === 'PARTIAL' ? String(val.amount ?? '').trim() || null : null;
          return outcome(
            await rule({ input: { caseId, forBuyer, amount, liability: val.liability as Liability, note: String(val.note ?? '').trim(), expectedVersion: v } }),
            (d) => d.arbitrationRule,
          );
        },
        children: (
          <>
            <Form.Item name="forBuyer" label={t('cases.rulingLabel')} rules={[{ required: true }]}>
              <Radio.Group optionType="button" buttonStyle="solid">
                <Radio value="BUYER">{t('cases.ruling.FOR_BUYER')}</Radio>
                <Radio value="MERCHANT">{t('cases.ruling.FOR_MERCHANT')}</Radio>
              </Radio.Group>
            </Form.Item>
            <Form.Item name="liability" label={t('cases.liabilityLabel')} rules={[{ required: true, message: t('cases.liabilityRequired') }]}>
              <Select
                placeholder={t('cases.liabilityPlaceholder')}
                options={(['MERCHANT', 'BUYER', 'CARRIER', 'PLATFORM'] as Liability[]).map((l) => ({ value: l, label: t(`cases.liability.${l}`) }))}
              />
            </Form.Item>
            <Form.Item noStyle dependencies={['forBuyer', 'refund']}>
              {({ getFieldValue }) =>
                getFieldValue('forBuyer') === 'BUYER' && (
                  <>
                    <Form.Item name="refund" label={t('cases.ruleRefund')}>
                      <Radio.Group>
                        <Radio value="FULL">{t('cases.ruleRefundFull', { requested })}</Radio>
                        <Radio value="PARTIAL">{t('cases.ruleRefundPartial')}</Radio>
                      </Radio.Group>
                    </Form.Item>
                    {getFieldValue('refund') === 'PARTIAL' && (
                      <Form.Item
                        name="amount"
                        label={t('cases.amount')}
                        extra={t('cases.ruleAmountHelp', { requested, refundable })}
                        rules={[{ required: true, message: t('cases.amountRequired') }, amountRule(t, maxAmount)]}
                      >
                        <Input inputMode="decimal" addonAfter={c.requested.currencyCode} />
                      </Form.Item>
                    )}
                  </>
                )
              }
            </Form.Item>
            <Form.Item
              name="note"
              label={t('cases.ruleNote')}
              rules={[
                { required: true, whitespace: true, message: t('cases.noteRequired') },
                { max: 2000, message: t('cases.tooLong', { max: 2000 }) },
              ]}
            >
              <Input.TextArea rows={4} showCount maxLength={2000} />
            </Form.Item>
          </>
        ),
      }),
    APPEAL: () =>
      modal('APPEAL', {
        fields: ['reason'],
        submit: async (val) =>
          outcome(await appeal({ input: { caseId, reason: String(val.reason ?? '').trim(), expectedVersion: v } }), (d) => d.arbitrationAppeal),
        children: (
          <Form.Item
            name="reason"
            label={t('cases.appealReason')}
            rules={[
              { required: true, whitespace: true, message: t('cases.appealReasonRequired') },
              { max: 2000, message: t('cases.tooLong', { max: 2000 }) },
            ]}
          >
            <Input.TextArea rows={4} showCount maxLength={2000} />
          </Form.Item>
        ),
      }),
    DECIDE_APPEAL: () =>
      modal('DECIDE_APPEAL', {
        fields: ['uphold', 'note'],
        initialValues: { uphold: 'UPHOLD' },
        submit: async (val, idempotencyKey) =>
          outcome(
            await appealDecide({ input: { caseId, uphold: val.uphold === 'UPHOLD', note: String(val.note ?? '').trim(), idempotencyKey, expectedVersion: v } }),
            (d) => d.arbitrationAppealDecide,
          ),
        children: (
          <>
            <Form.Item name="uphold" label={t('cases.appealDecision')} rules={[{ required: true }]}>
              <Radio.Group optionType="button" buttonStyle="solid">
                <Radio value="UPHOLD">{t('cases.appealOutcome.UPHELD')}</Radio>
                <Radio value="OVERTURN">{t('cases.appealOutcome.OVERTURNED')}</Radio>
              </Radio.Group>
            </Form.Item>
            <Form.Item
              name="note"
              label={t('cases.ruleNote')}
              rules={[
                { required: true, whitespace: true, message: t('cases.noteRequired') },
                { max: 2000, message: t('cases.tooLong', { max: 2000 }) },
              ]}
            >
              <Input.TextArea rows={4} showCount maxLength={2000} />
            </Form.Item>
          </>
        ),
      }),
    RETRY_REFUND: () =>
      modal('RETRY_REFUND', {
        intro: t('cases.intro.RETRY_REFUND', { error: c.refunds.at(-1)?.lastError ?? '—' }),
        submit: async (_val, idempotencyKey) =>
          outcome(await refundRetry({ input: { caseId, idempotencyKey, expectedVersion: v } }), (d) => d.afterSalesCaseRefundRetry),
      }),
    WITHDRAW: () =>
      modal('WITHDRAW', {
        submit: async () => outcome(await withdraw({ input: { caseId, expectedVersion: v } }), (d) => d.afterSalesCaseWithdraw),
      }),
  };

  const offered = ORDER.filter((a) => c.availableActions.includes(a));
  // A failed bank-transfer refund waits for the buyer's account (not one of availableActions).
  const needsAccount = session.role === 'BUYER' && c.status === 'REFUND_FAILED' && c.refunds.at(-1)?.route === 'BANK_TRANSFER';

  return (
    <Space wrap size={8} data-testid="case-actions">
      {offered.map((a) => forms[a]())}
      {needsAccount && (
        <ActionModal
          testId="case-action-REFUND_ACCOUNT"
          primary
          label={t('cases.refundAccount')}
          title={t('cases.refundAccountTitle', { number: c.number })}
          okText={t('cases.refundAccountOk')}
          intro={t('cases.refundAccountIntro')}
          success={t('cases.refundAccountDone')}
          onConflict={onChanged}
          conflictText={t('cases.conflict')}
          fields={['bankCode', 'accountNumber', 'holder']}
          submit={async (val) =>
            outcome(
              await refundAccountSet({ input: { caseId, bankCode: String(val.bankCode).trim(), accountNumber: String(val.accountNumber).trim(), holder: String(val.holder).trim() } }),
              (d) => d.afterSalesCaseRefundAccountSet,
            )
          }
        >
          <Form.Item name="bankCode" label={t('cases.bankCode')} rules={[{ required: true, pattern: /^\d{3}$/, message: t('cases.bankCodeInvalid') }]}>
            <Input inputMode="numeric" maxLength={3} />
          </Form.Item>
          <Form.Item
            name="accountNumber"
            label={t('cases.accountNumber')}
            rules={[{ required: true, message: t('cases.accountNumberInvalid') }, { pattern: /^[\d -]{10,24}$/, message: t('cases.accountNumberInvalid') }]}
          >
            <Input inputMode="numeric" autoComplete="off" />
          </Form.Item>
          <Form.Item name="holder" label={t('cases.accountHolder')} rules={[{ required: true, whitespace: true, message: t('cases.accountHolderRequired') }]}>
            <Input />
          </Form.Item>
        </ActionModal>
      )}
    </Space>
  );
}
