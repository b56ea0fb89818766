import { Typography } from 'antd';
import { ClockCircleOutlined, WarningOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { countdown } from './format';
import { useNow } from './useNow';

// A live countdown to a deadline, red and marked once it has passed.
export function Countdown({ at }: { at: string }) {
  const { t } = useTranslation();
  const now = useNow(1000);
  const c = countdown(at, now);
  const time =
    c.days > 0 ? t('common.durationDHM', { d: c.days, h: c.hours, m: c.minutes }) : t('common.durationHMS', { h: c.hours, m: c.minutes, s: c.seconds });
  return (
    <Typography.Text type={c.overdue ? 'danger' : c.days === 0 && c.hours < 6 ? 'warning' : 'secondary'} data-overdue={c.overdue ? 'true' : 'false'} className="tg-countdown">
      {c.overdue ? <WarningOutlined /> : <ClockCircleOutlined />} {c.overdue ? t('common.overdue', { time }) : t('common.dueIn', { time })}
    </Typography.Text>
  );
}
