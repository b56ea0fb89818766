import { Button, Flex, Select, Space, Typography } from 'antd';
import { LeftOutlined, RightOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import type { UrlList } from './listState';

// Previous / next over a cursor-paginated connection, with its total and the page size: a cursor cannot
// jump to page 7, so the pager moves one page at a time and says where it is.
export function CursorPager({ list, totalCount, hasNextPage, endCursor, testId }: { list: UrlList; totalCount: number; hasNextPage: boolean; endCursor?: string | null; testId?: string }) {
  const { t } = useTranslation();
  const pages = Math.max(1, Math.ceil(totalCount / list.pageSize));
  const from = totalCount === 0 ? 0 : (list.page - 1) * list.pageSize + 1;
  const to = Math.min(totalCount, list.page * list.pageSize);
  return (
    <Flex justify="space-between" align="center" wrap gap={8} className="tg-pager" data-testid={testId}>
      <Typography.Text type="secondary" data-testid={testId && `${testId}-range`}>
        {t('scoreboard.pager.range', { from, to, total: totalCount })}
      </Typography.Text>
      <Space>
        <Button icon={<LeftOutlined />} disabled={list.page <= 1} onClick={list.prev} aria-label={t('scoreboard.pager.prev')}>
          {t('scoreboard.pager.prev')}
        </Button>
        <Typography.Text>{t('scoreboard.pager.page', { page: list.page, pages })}</Typography.Text>
        <Button disabled={!hasNextPage || !endCursor} onClick={() => endCursor && list.next(endCursor)} aria-label={t('scoreboard.pager.next')}>
          {t('scoreboard.pager.next')} <RightOutlined />
        </Button>
        <Select
          aria-label={t('scoreboard.pager.size')}
          value={list.pageSize}
          style={{ width: 120 }}
          onChange={list.setPageSize}
          options={[...new Set([10, 20, 50, 100, list.pageSize])].sort((a, b) => a - b).map((n) => ({ value: n, label: t('scoreboard.pager.perPage', { n }) }))}
        />
      </Space>
    </Flex>
  );
}
