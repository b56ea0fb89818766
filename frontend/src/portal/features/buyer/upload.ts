import { print } from 'graphql';
import { BuyerEvidenceAddDocument, type BuyerEvidenceAddMutation, type EvidenceKind } from '../../../gql/graphql';
import { expiresSoon, getSession, renew } from '../../auth/session';
import type { UserError } from '../../lib/ApiError';

export interface UploadResult {
  evidence?: NonNullable<BuyerEvidenceAddMutation['caseEvidenceAdd']['evidence']>;
  userErrors: UserError[];
  error?: string;
}

// uploadEvidence attaches a file to a case with caseEvidenceAdd as a GraphQL multipart request, reporting
// the upload's progress (0 to 1). It renews an expiring session first and once more if the server refuses
// the token, like the portal's client does.
export async function uploadEvidence(caseId: string, kind: EvidenceKind, file: File, onProgress: (p: number) => void): Promise<UploadResult> {
  let session = getSession();
  if (session && expiresSoon(session)) session = await renew();
  let r = await send(caseId, kind, file, session?.accessToken, onProgress);
  if (r.status === 401) {
    session = await renew();
    r = await send(caseId, kind, file, session?.accessToken, onProgress);
  }
  const body = r.body as { data?: BuyerEvidenceAddMutation; errors?: { message: string }[] } | null;
  if (!body) return { userErrors: [], error: r.error ?? `HTTP ${r.status}` };
  if (body.errors?.length) return { userErrors: [], error: body.errors.map((e) => e.message).join('; ') };
  const p = body.data?.caseEvidenceAdd;
  return { evidence: p?.evidence ?? undefined, userErrors: p?.userErrors ?? [] };
}

function send(caseId: string, kind: EvidenceKind, file: File, token: string | undefined, onProgress: (p: number) => void) {
  return new Promise<{ status: number; body: unknown; error?: string }>((resolve) => {
    const form = new FormData();
    form.append(
      'operations',
      JSON.stringify({ query: print(BuyerEvidenceAddDocument), operationName: 'BuyerEvidenceAdd', variables: { input: { caseId, kind, file: null } } }),
    );
    form.append('map', JSON.stringify({ 0: ['variables.input.file'] }));
    form.append('0', file, file.name);
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/graphql');
    xhr.setRequestHeader('Accept', 'application/graphql-response+json, application/json;q=0.9');
    // The server takes multipart requests only with this header (CSRF protection).
    xhr.setRequestHeader('GraphQL-Require-Preflight', '1');
    if (token) xhr.setRequestHeader('Authorization', 'Bearer ' + token);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    };
    xhr.onload = () => {
      let body: unknown = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        // not JSON: reported by status
      }
      if (xhr.status < 400 || body) onProgress(1);
      resolve({ status: xhr.status, body });
    };
    xhr.onerror = () => resolve({ status: 0, body: null, error: 'network error' });
    xhr.send(form);
  });
}
