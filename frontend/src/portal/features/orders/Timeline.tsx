import { Space, Tag, Timeline, Typography } from 'antd';
import { ArrowRightOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { formatDateTime } from '../../lib/format';

export interface HistoryEvent {
  at: string;
  actor: string;
  action: string;
  fromStatus?: string | null;
  toStatus?: string | null;
  reason?: string | null;
  note?: string | null;
}

const actorColor: Record<string, string | undefined> = { BUYER: 'blue', MERCHANT: 'orange', SYSTEM: undefined, ADMIN: 'purple' };

// The history of an order or a case, newest first: who did what, the status it moved from and to, and the
// reason and note as written (rendered as text). label(action) names the action in the reader's language;
// statusType is the enum of the statuses (OrderStatus or AfterSalesCaseStatus).
export function History({
  events,
  label,
  statusType,
  timeZone,
  testId,
}: {
  events: readonly HistoryEvent[];
  label: (action: string) => string;
  statusType: string;
  timeZone: string;
  testId?: string;
}) {
  const { t, i18n } = useTranslation();
  const items = [...events].reverse().map((e, n) => ({
    key: n,
    color: n === 0 ? '#ff5000' : actorColor[e.actor] ?? 'gray',
    children: (
      <div data-testid={testId ? `${testId}-entry` : undefined} data-action={e.action}>
        <Space size={6} wrap>
          <Typography.Text strong>{label(e.action)}</Typography.Text>
          <Tag bordered={false} color={actorColor[e.actor]}>
            {t(`enums.OrderActor.${e.actor}`)}
          </Tag>
        </Space>
        <div>
          <Typography.Text type="secondary" className="tgo-small">
            {formatDateTime(e.at, i18n.language, timeZone)}
          </Typography.Text>
        </div>
        {e.toStatus && e.fromStatus !== e.toStatus && (
          <Space size={4} className="tgo-small" wrap>
            {e.fromStatus && <Typography.Text type="secondary">{t(`enums.${statusType}.${e.fromStatus}`)}</Typography.Text>}
            {e.fromStatus && <ArrowRightOutlined aria-label={t('orders.movedTo')} />}
            <Typography.Text>{t(`enums.${statusType}.${e.toStatus}`)}</Typography.Text>
          </Space>
        )}
        {e.reason && (
          <Typography.Paragraph className="tgo-small" style={{ margin: '2px 0 0', whiteSpace: 'pre-wrap' }}>
            <span className="tgo-kv-label">{t('orders.kv', { label: t('common.reason') })}</span>
            {e.reason}
          </Typography.Paragraph>
        )}
        {e.note && (
          <Typography.Paragraph className="tgo-small" type="secondary" style={{ margin: '2px 0 0', whiteSpace: 'pre-wrap' }}>
            <span className="tgo-kv-label">{t('orders.kv', { label: t('common.note') })}</span>
            {e.note}
          </Typography.Paragraph>
        )}
      </div>
    ),
  }));
  return <Timeline className="tgo-timeline" items={items} />;
}

// actionLabel: the label of an event's action from a catalogue prefix, or the code made readable when the
// portal does not know it yet (a newer server).
export function useActionLabel(prefix: string, deadlinePrefix?: string) {
  const { t, i18n } = useTranslation();
  return (action: string) => {
    if (i18n.exists(`${prefix}.${action}`)) return t(`${prefix}.${action}`);
    if (deadlinePrefix && action.startsWith('DEADLINE_')) {
      const rest = action.slice('DEADLINE_'.length);
      if (i18n.exists(`${deadlinePrefix}.${rest}`)) return t('orders.deadlinePassed', { action: t(`${deadlinePrefix}.${rest}`) });
    }
    return action.replace(/_/g, ' ').toLowerCase().replace(/^./, (c) => c.toUpperCase());
  };
}
