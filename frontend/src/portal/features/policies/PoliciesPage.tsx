import { PageContainer } from '@ant-design/pro-components';
import { App, Button, Card, Empty, Flex, Table, Tag, Tooltip, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { CheckCircleFilled, CloudUploadOutlined } from '@ant-design/icons';
import type { ReactNode } from 'react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useQuery } from 'urql';
import { AdminScoringPoliciesDocument, type AdminPolicyFieldsFragment } from '../../../gql/graphql';
import { ApiError } from '../../lib/ApiError';
import { formatDateTime } from '../../lib/format';
import { LevelTag } from '../../lib/Labels';
import { PageLoading } from '../../lib/PageLoading';
import '../scoreboard/admin.css';
import { formatNumber, formatPolicyValue } from './policyValues';
import { PublishPolicy } from './PublishPolicy';

type Policy = AdminPolicyFieldsFragment;
interface Line {
  key: string;
  section?: string;
  label?: ReactNode;
  // what a version shows on this line, and a comparable value to mark what changed from the version before
  cell?: (p: Policy) => { node: ReactNode; value: string };
}

// The scoring policy's versions side by side (newest first, the one in force marked, what changed from the
// version before highlighted), and publishing a new version.
export default function PoliciesPage() {
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  const lang = i18n.language;
  const [{ data, error, fetching }, refetch] = useQuery({ query: AdminScoringPoliciesDocument });
  const [open, setOpen] = useState(false);
  const [opened, setOpened] = useState(0);
  if (!data && fetching) return <PageLoading />;
  const versions = data?.scoringPolicies ?? [];
  const now = Date.now();
  const current = versions.find((p) => Date.parse(p.publishedAt) <= now) ?? versions[0];

  const metricOrder = [...new Set([...(current?.rules ?? []), ...versions.flatMap((p) => p.rules)].map((r) => r.metric))];
  const lines: Line[] = [
    { key: 's-metrics', section: t('policies.sectionMetrics') },
    ...metricOrder.map(
      (m): Line => ({
        key: `m-${m}`,
        label: (
          <Flex vertical gap={0}>
            <Typography.Text strong>{t(`enums.MetricKey.${m}`)}</Typography.Text>
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              {t((current?.rules.find((r) => r.metric === m)?.higherIsBetter ?? m === 'averageRating') ? 'policies.higherBetter' : 'policies.lowerBetter')}
            </Typography.Text>
          </Flex>
        ),
        cell: (p) => {
          const r = p.rules.find((x) => x.metric === m);
          if (!r) return { node: '—', value: '' };
          return {
            value: `${r.weight}|${r.excellent}|${r.threshold}`,
            node: (
              <Flex vertical gap={0} data-testid={`policy-${p.version}-${m}`} data-weight={r.weight}>
                <Typography.Text strong className="tg-num" style={{ fontSize: 15 }}>
                  {r.weight > 0 ? t('policies.weightShort', { weight: r.weight }) : <Typography.Text type="secondary">{t('policies.notWeighted')}</Typography.Text>}
                </Typography.Text>
                <Typography.Text type="secondary" className="tg-num" style={{ fontSize: 12 }}>
                  {t('policies.eShort', { value: formatPolicyValue(m, r.excellent, lang) })} · {t('policies.tShort', { value: formatPolicyValue(m, r.threshold, lang) })}
                </Typography.Text>
              </Flex>
            ),
          };
        },
      }),
    ),
    { key: 's-deduction', section: t('policies.sectionDeduction') },
    { key: 'general', label: t('policies.generalPointValue'), cell: (p) => ({ value: String(p.generalPointValue), node: t('policies.pointsOff', { value: formatNumber(p.generalPointValue, lang) }) }) },
    { key: 'serious', label: t('policies.seriousPointValue'), cell: (p) => ({ value: String(p.seriousPointValue), node: t('policies.pointsOff', { value: formatNumber(p.seriousPointValue, lang) }) }) },
    { key: 'cap', label: t('policies.deductionCap'), cell: (p) => ({ value: String(p.deductionCap), node: formatNumber(p.deductionCap, lang) }) },
    { key: 's-levels', section: t('policies.sectionLevels') },
    ...['S', 'A', 'B', 'C'].map(
      (level): Line => ({
        key: `band-${level}`,
        label: (
          <span>
            <LevelTag level={level} /> {t('policies.band', { level })}
          </span>
        ),
        cell: (p) => {
          const b = p.bands.find((x) => x.level === level);
          return { value: b ? String(b.min) : '', node: b ? `≥ ${formatNumber(b.min, lang)}` : '—' };
        },
      }),
    ),
    { key: 'lowest', label: t('policies.lowestLevel'), cell: (p) => ({ value: p.lowestLevel, node: <LevelTag level={p.lowestLevel} /> }) },
    { key: 's-other', section: t('policies.sectionOther') },
    { key: 'minOrders', label: t('policies.minOrders'), cell: (p) => ({ value: String(p.minOrders), node: formatNumber(p.minOrders, lang) }) },
    { key: 'published', label: t('policies.publishedAt'), cell: (p) => ({ value: '', node: formatDateTime(p.publishedAt, lang) }) },
    {
      key: 'note',
      label: t('policies.note'),
      cell: (p) => ({
        value: '',
        node: p.note ? (
          <Typography.Paragraph type="secondary" style={{ fontSize: 12, marginBottom: 0 }} ellipsis={{ rows: 3, tooltip: p.note }}>
            {p.note}
          </Typography.Paragraph>
        ) : (
          '—'
        ),
      }),
    },
  ];

  const span = versions.length + 1;
  const columns: ColumnsType<Line> = [
    {
      key: 'item',
      title: t('policies.item'),
      fixed: 'left',
      width: 240,
      onCell: (l) => (l.section ? { colSpan: span } : {}),
      render: (_, l) => (l.section ? <Typography.Text strong>{l.section}</Typography.Text> : l.label),
    },
    ...versions.map(
      (p, i): ColumnsType<Line>[number] => ({
        key: `v${p.version}`,
        width: 220,
        title: (
          <Flex vertical gap={2} data-testid={`version-${p.version}`}>
            <Flex gap={6} align="center">
              <Typography.Text strong>{t('policies.version', { version: p.version })}</Typography.Text>
              {p === current && (
                <Tag color="success" icon={<CheckCircleFilled />} data-testid="current-version">
                  {t('policies.current')}
                </Tag>
              )}
            </Flex>
            <Typography.Text type="secondary" style={{ fontSize: 12, fontWeight: 'normal' }}>
              {t('policies.published', { time: formatDateTime(p.publishedAt, lang) })}
            </Typography.Text>
          </Flex>
        ),
        onCell: (l) => (l.section ? { colSpan: 0 } : { className: p === current ? 'tg-policy-current' : undefined }),
        render: (_, l) => {
          if (!l.cell) return null;
          const c = l.cell(p);
          const older = versions[i + 1];
          const changed = older && c.value !== '' && l.cell(older).value !== c.value;
          return changed ? (
            <Tooltip title={t('policies.changed')}>
              <div className="tg-policy-changed">{c.node}</div>
            </Tooltip>
          ) : (
            c.node
          );
        },
      }),
    ),
  ];

  return (
    <PageContainer
      className="tg-page"
      title={t('policies.title')}
      subTitle={current && t('policies.subtitle', { version: current.version, time: formatDateTime(current.publishedAt, lang) })}
      extra={
        current && [
          <Button
            key="publish"
            type="primary"
            icon={<CloudUploadOutlined />}
            data-testid="open-publish"
            onClick={() => {
              setOpened((n) => n + 1);
              setOpen(true);
            }}
          >
            {t('policies.publish')}
          </Button>,
        ]
      }
    >
      <ApiError error={error} onRetry={() => refetch({ requestPolicy: 'network-only' })} />
      <Card title={t('policies.versions')} extra={<Typography.Text type="secondary">{versions.length}</Typography.Text>} size="small" className="tg-table-card">
        <Typography.Paragraph type="secondary" style={{ padding: '12px 16px 0', marginBottom: 8 }}>
          {t('policies.versionsHint')}
        </Typography.Paragraph>
        {versions.length === 0 ? (
          <Empty description={t('policies.noPolicy')} style={{ padding: 32 }} />
        ) : (
          <Table<Line>
            className="tg-policy-table"
            data-testid="policy-versions"
            rowKey="key"
            size="middle"
            bordered
            pagination={false}
            columns={columns}
            dataSource={lines}
            rowClassName={(l) => (l.section ? 'tg-policy-section' : '')}
            scroll={{ x: 240 + 220 * versions.length }}
          />
        )}
      </Card>
      {current && (
        <PublishPolicy
          key={opened}
          current={current}
          open={open}
          onOpenChange={setOpen}
          onPublished={(p) => {
            message.success(t('policies.form.published', { version: p.version }));
            setOpen(false);
            // the versions are re-read by urql's invalidation of ScoringPolicy (the mutation returns one)
          }}
        />
      )}
    </PageContainer>
  );
}
