import { App, Button, Empty, Flex, Form, Image, Select, Space, Spin, Tag, Tooltip, Typography, Upload } from 'antd';
import { DownloadOutlined, FileImageOutlined, FilePdfOutlined, FileTextOutlined, UploadOutlined } from '@ant-design/icons';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useMutation } from 'urql';
import { CasesEvidenceAddDocument, type CasesDetailFragment, type EvidenceKind } from '../../../gql/graphql';
import { expiresSoon, getSession, renew } from '../../auth/session';
import { ApiError, type UserError } from '../../lib/ApiError';
import { formatDateTime } from '../../lib/format';

type Evidence = CasesDetailFragment['evidence'][number];
const KINDS: EvidenceKind[] = ['PHOTO', 'SCREENSHOT', 'RECEIPT', 'CHAT_LOG', 'TECHNICAL_REPORT', 'OTHER'];
const MAX_BYTES = 10 * 1024 * 1024;

// fetchWithToken: GET a file of the API with the session's bearer token (renewed first when it is about
// to expire, and once more if refused).
async function fetchWithToken(url: string): Promise<Response> {
  let s = getSession();
  if (s && expiresSoon(s)) s = await renew();
  const get = (token?: string) => fetch(url, { headers: token ? { Authorization: 'Bearer ' + token } : {} });
  let res = await get(s?.accessToken);
  if (res.status === 401) {
    s = await renew();
    if (s) res = await get(s.accessToken);
  }
  return res;
}

// The page's Content-Security-Policy allows images only from the server and data: URLs, and the files
// need the bearer token: each is fetched and shown as a data: URL (never blob:).
const dataUrls = new Map<string, Promise<string>>();
function dataUrlOf(url: string): Promise<string> {
  if (!dataUrls.has(url)) {
    const p = fetchWithToken(url).then(async (res) => {
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const blob = await res.blob();
      return new Promise<string>((resolve, reject) => {
        const r = new FileReader();
        r.onload = () => resolve(String(r.result));
        r.onerror = () => reject(r.error);
        r.readAsDataURL(blob);
      });
    });
    p.catch(() => dataUrls.delete(url));
    dataUrls.set(url, p);
  }
  return dataUrls.get(url)!;
}

function useDataUrl(url: string, enabled: boolean) {
  const [state, setState] = useState<{ url?: string; failed?: boolean }>({});
  useEffect(() => {
    if (!enabled) return;
    let live = true;
    dataUrlOf(url).then(
      (u) => live && setState({ url: u }),
      () => live && setState({ failed: true }),
    );
    return () => {
      live = false;
    };
  }, [url, enabled]);
  return state;
}

function formatSize(bytes: number, lang: string): string {
  const nf = new Intl.NumberFormat(lang, { maximumFractionDigits: 1 });
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${nf.format(bytes / 1024)} KB`;
  return `${nf.format(bytes / 1024 / 1024)} MB`;
}

function EvidenceItem({ e, timeZone }: { e: Evidence; timeZone: string }) {
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  const image = e.contentType.startsWith('image/');
  const preview = useDataUrl(e.downloadUrl, image);
  const [downloading, setDownloading] = useState(false);

  const download = async () => {
    setDownloading(true);
    try {
      const href = await dataUrlOf(e.downloadUrl);
      const a = document.createElement('a');
      a.href = href;
      a.download = e.filename;
      document.body.appendChild(a);
      a.click();
      a.remove();
    } catch {
      message.error(t('cases.downloadFailed'));
    } finally {
      setDownloading(false);
    }
  };

  const icon = e.contentType === 'application/pdf' ? <FilePdfOutlined /> : image ? <FileImageOutlined /> : <FileTextOutlined />;
  return (
    <div className="tgo-evidence-item" data-testid="evidence-item" data-content-type={e.contentType}>
      <div className="tgo-evidence-thumb">
        {image ? (
          preview.url ? (
            <Image src={preview.url} alt={e.filename} height={110} data-testid="evidence-preview" preview={{ mask: t('cases.preview') }} />
          ) : preview.failed ? (
            <Typography.Text type="secondary">{t('cases.previewFailed')}</Typography.Text>
          ) : (
            <Spin size="small" aria-label={t('common.loading')} />
          )
        ) : (
          <span style={{ fontSize: 40, color: '#bfbfbf' }}>{icon}</span>
        )}
      </div>
      <Tooltip title={e.filename}>
        <Typography.Text className="tgo-evidence-name" ellipsis>
          {e.filename}
        </Typography.Text>
      </Tooltip>
      <Flex gap={4} wrap align="center">
        <Tag bordered={false} color="orange">
          {t(`cases.evidenceKind.${e.kind}`)}
        </Tag>
        <Typography.Text type="secondary" className="tgo-small">
          {t(`enums.OrderActor.${e.uploadedBy}`)} · {formatSize(e.sizeBytes, i18n.language)}
        </Typography.Text>
      </Flex>
      <Typography.Text type="secondary" className="tgo-small">
        {formatDateTime(e.createdAt, i18n.language, timeZone)}
      </Typography.Text>
      <Button size="small" icon={<DownloadOutlined />} loading={downloading} onClick={download} aria-label={t('cases.downloadFile', { name: e.filename })}>
        {t('cases.download')}
      </Button>
    </div>
  );
}

// The case's evidence, oldest first, with previews of the images and downloads of the rest; and the upload
// of a new file with its kind (not on closed cases). The case's query refetches itself when a file is
// added (it lists Evidence among its types).
export function EvidencePanel({ c }: { c: CasesDetailFragment }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [kind, setKind] = useState<EvidenceKind>('PHOTO');
  const [uploading, setUploading] = useState<string | null>(null);
  const [problem, setProblem] = useState<{ error?: Parameters<typeof ApiError>[0]['error']; userErrors?: UserError[] }>({});
  const [, add] = useMutation(CasesEvidenceAddDocument);
  const closed = !!c.closedAt;

  const upload = async (file: File) => {
    setProblem({});
    if (file.size > MAX_BYTES) {
      setProblem({ userErrors: [{ code: 'TOO_LARGE', message: t('cases.fileTooLarge') }] });
      return;
    }
    setUploading(file.name);
    const r = await add({ input: { caseId: c.id, kind, file } });
    setUploading(null);
    const errs = r.data?.caseEvidenceAdd.userErrors ?? [];
    if (r.error || errs.length) {
      setProblem({ error: r.error, userErrors: errs });
      return;
    }
    message.success(t('cases.uploaded', { name: file.name }));
  };

  return (
    <Space direction="vertical" size={12} style={{ width: '100%' }}>
      {!closed && (
        <Form layout="inline" className="tgo-filter-form">
          <Form.Item label={t('cases.evidenceKindLabel')} htmlFor="evidence-kind">
            <Select
              id="evidence-kind"
              value={kind}
              onChange={setKind}
              style={{ width: 170 }}
              options={KINDS.map((k) => ({ value: k, label: t(`cases.evidenceKind.${k}`) }))}
            />
          </Form.Item>
          <Form.Item>
            <Upload
              accept="image/jpeg,image/png,image/gif,image/webp,application/pdf,text/plain"
              showUploadList={false}
              disabled={!!uploading}
              beforeUpload={(file) => {
                void upload(file);
                return false;
              }}
            >
              <Button icon={<UploadOutlined />} loading={!!uploading} data-testid="evidence-upload">
                {t('cases.uploadFile')}
              </Button>
            </Upload>
          </Form.Item>
          <Typography.Text type="secondary" className="tgo-small" style={{ alignSelf: 'center' }}>
            {t('cases.uploadHelp')}
          </Typography.Text>
        </Form>
      )}
      {uploading && (
        <Space data-testid="evidence-uploading" role="status">
          <Spin size="small" />
          <Typography.Text type="secondary">{t('cases.uploading', { name: uploading })}</Typography.Text>
        </Space>
      )}
      <ApiError error={problem.error} userErrors={problem.userErrors} />
      {c.evidence.length === 0 ? (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={closed ? t('cases.noEvidenceClosed') : t('cases.noEvidence')} />
      ) : (
        <div className="tgo-evidence" data-testid="evidence-list">
          {c.evidence.map((e) => (
            <EvidenceItem key={e.id} e={e} timeZone={c.store.timeZone} />
          ))}
        </div>
      )}
    </Space>
  );
}
