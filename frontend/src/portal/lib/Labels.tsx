import { Tag } from 'antd';
import { useTranslation } from 'react-i18next';

// The enums' labels and colours, one place for every page.

const statusColor: Record<string, string> = {
  EXCELLENT: 'green',
  GOOD: 'blue',
  AT_RISK: 'orange',
  FAILING: 'red',
  INSUFFICIENT_DATA: 'default',
};

export function MetricStatusTag({ status }: { status: string }) {
  const { t } = useTranslation();
  return <Tag color={statusColor[status]}>{t(`enums.MetricStatus.${status}`)}</Tag>;
}

const levelColor: Record<string, string> = { S: 'gold', A: 'green', B: 'blue', C: 'orange', D: 'red', UNRATED: 'default' };

export function LevelTag({ level }: { level: string }) {
  const { t } = useTranslation();
  return (
    <Tag color={levelColor[level]} style={{ fontWeight: 600 }}>
      {t(`enums.ScoreLevel.${level}`)}
    </Tag>
  );
}

export function EnumTag({ type, value, color }: { type: string; value: string; color?: string }) {
  const { t } = useTranslation();
  return <Tag color={color}>{t(`enums.${type}.${value}`)}</Tag>;
}
