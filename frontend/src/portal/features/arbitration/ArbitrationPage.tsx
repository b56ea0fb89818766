import { PageContainer } from '@ant-design/pro-components';
import { useTranslation } from 'react-i18next';
import { useQuery } from 'urql';
import { AdminArbitrationQueueDocument } from '../../../gql/graphql';
import { useUrlList } from '../scoreboard/listState';
import { CaseQueue } from './CaseQueue';

// Cases in arbitration across stores, soonest deadline first; the ruling is given on the case's page.
export default function ArbitrationPage() {
  const { t } = useTranslation();
  const list = useUrlList();
  const [{ data, error, fetching }, refetch] = useQuery({ query: AdminArbitrationQueueDocument, variables: { first: list.pageSize, after: list.after } });
  const q = data?.arbitrationQueue;
  return (
    <PageContainer className="tg-page" title={t('arbitration.title')} subTitle={t('arbitration.subtitle')}>
      <CaseQueue
        kind="arbitration"
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
