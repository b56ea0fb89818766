import { PageContainer } from '@ant-design/pro-components';
import { useTranslation } from 'react-i18next';
import { useQuery } from 'urql';
import { AdminComplaintQueueDocument } from '../../../gql/graphql';
import { CaseQueue } from '../arbitration/CaseQueue';
import { useUrlList } from '../scoreboard/listState';

// Complaints in platform review across stores, soonest deadline first; resolved on the case's page.
export default function ComplaintsPage() {
  const { t } = useTranslation();
  const list = useUrlList();
  const [{ data, error, fetching }, refetch] = useQuery({ query: AdminComplaintQueueDocument, variables: { first: list.pageSize, after: list.after } });
  const q = data?.complaintQueue;
  return (
    <PageContainer className="tg-page" title={t('complaints.title')} subTitle={t('complaints.subtitle')}>
      <CaseQueue
        kind="complaint"
        list={list}
        cases={q?.nodes ?? []}
        totalCount={q?.totalCount}
        hasNextPage={!!q?.pageInfo.hasNextPage}
        endCursor={q?.pageInfo.endCursor}
        fetching={fetching}
        error={error}
        onRetry={() => refetch({ requestPolicy: 'network-only' })}
      />
    </PageContainer>
  );
}
