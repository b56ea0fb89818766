import { Alert, Button, Flex, Progress, Typography } from 'antd';
import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { useQuery } from 'urql';
import { AdminScoreJobDocument, type AdminScoreJobFieldsFragment } from '../../../gql/graphql';

// A score recomputation's progress, asked for every second until the job is done; onFinished runs once.
export function RecomputeProgress({
  job: started,
  dayLabel,
  onFinished,
  onClose,
}: {
  job: AdminScoreJobFieldsFragment;
  dayLabel: string;
  onFinished: (job: AdminScoreJobFieldsFragment) => void;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const [{ data, error, fetching }, poll] = useQuery({ query: AdminScoreJobDocument, variables: { id: started.id }, requestPolicy: 'network-only' });
  const job = data?.scoreJob ?? started;
  const running = job.status === 'RUNNING';
  const finished = useRef(false);

  // A second after each answer, ask again: never two requests at once, so none is cut off by the next.
  useEffect(() => {
    if (!running || fetching) return;
    const id = setTimeout(() => poll({ requestPolicy: 'network-only' }), 1000);
    return () => clearTimeout(id);
  }, [running, fetching, data, poll]);

  useEffect(() => {
    if (!running && !finished.current) {
      finished.current = true;
      onFinished(job);
    }
  }, [running, job, onFinished]);

  const percent = job.total > 0 ? Math.round((100 * (job.done + job.failed)) / job.total) : running ? 0 : 100;
  const status = job.status === 'FAILED' || job.failed > 0 ? 'exception' : running ? 'active' : 'success';
  return (
    <Alert
      className="tg-recompute"
      data-testid="recompute-progress"
      data-status={job.status}
      type={job.status === 'FAILED' ? 'error' : running ? 'info' : 'success'}
      showIcon
      message={
        running
          ? t('scoreboard.recomputing', { day: dayLabel })
          : job.status === 'SUCCEEDED'
            ? t('scoreboard.recomputeDone', { done: job.done, total: job.total })
            : t('scoreboard.recomputeFailed', { error: job.error ?? error?.message ?? '' })
      }
      description={
        <Flex vertical gap={4}>
          <Progress percent={percent} status={status} aria-label={t('scoreboard.recompute')} />
          <Typography.Text type="secondary" data-testid="recompute-count">
            {job.total === 0 && running
              ? t('scoreboard.recomputeStarting')
              : t('scoreboard.recomputeProgress', { done: job.done, total: job.total })}
            {job.failed > 0 && ` · ${t('scoreboard.recomputeFailedCount', { failed: job.failed })}`}
            {' · '}
            {t(`scoreboard.jobStatus.${job.status}`)}
          </Typography.Text>
        </Flex>
      }
      action={
        !running && (
          <Button size="small" onClick={onClose}>
            {t('common.close')}
          </Button>
        )
      }
    />
  );
}
