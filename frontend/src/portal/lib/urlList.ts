import { useCallback, useEffect, useState } from 'react';
import { useSearchParams } from 'react-router';

// What the portal's numbered lists share: their state in the URL, and numbered pages over the API's cursor
// pagination. (The scoreboard keeps its cursors themselves in the URL instead: features/scoreboard/listState.ts.)

// useUrlState: the page's query parameters, and an update that writes several at once (null removes one)
// and goes back to the first page unless keepPage.
export function useUrlState() {
  const [params, setParams] = useSearchParams();
  const update = useCallback(
    (changes: Record<string, string | null>, keepPage = false) => {
      setParams(
        () => {
          // From the address bar, not the last render's params: a navigation just made (a reset, then a
          // search before React re-rendered) may not have rendered yet, and both must count.
          const next = new URLSearchParams(window.location.search);
          for (const [k, v] of Object.entries(changes)) {
            if (v) next.set(k, v);
            else next.delete(k);
          }
          if (!keepPage) next.delete('page');
          return next;
        },
        { replace: false },
      );
    },
    [setParams],
  );
  // updateList: a multi-value filter changed from the value it was rendered with (rendered) to next. Only
  // what the user added or removed is applied, to the address bar's list: the router renders in a
  // transition, so a second click may come before the first one's render, and must not undo it.
  const updateList = useCallback(
    (key: string, rendered: readonly (string | number)[], next: readonly (string | number)[], order?: (a: string, b: string) => number) => {
      const current = new URLSearchParams(window.location.search).get(key);
      update({ [key]: applyListChange(current, rendered, next, order) });
    },
    [update],
  );
  const clear = useCallback(() => setParams(new URLSearchParams()), [setParams]);
  return { params, update, updateList, clear };
}

// applyListChange: a comma-separated list param (current) with what changed from rendered to next applied;
// null when nothing is left.
export function applyListChange(
  current: string | null,
  rendered: readonly (string | number)[],
  next: readonly (string | number)[],
  order?: (a: string, b: string) => number,
): string | null {
  const was = rendered.map(String);
  const now = next.map(String);
  const added = now.filter((v) => !was.includes(v));
  const removed = was.filter((v) => !now.includes(v));
  const list = (current ?? '').split(',').filter((v) => v && !removed.includes(v));
  for (const v of added) if (!list.includes(v)) list.push(v);
  if (order) list.sort(order);
  return list.join(',') || null;
}

export const PAGE_SIZES = [10, 20, 50];

export function pageParams(params: URLSearchParams, defaultSize = 10) {
  const page = Math.max(1, Math.floor(Number(params.get('page'))) || 1);
  const size = PAGE_SIZES.includes(Number(params.get('size'))) ? Number(params.get('size')) : defaultSize;
  return { page, size };
}

// The end cursors of the pages already seen, per list and filter, for this tab's life.
const trails = new Map<string, (string | null | undefined)[]>();
const STEP = 100;

export type EndCursorFn = (after: string | null, first: number) => Promise<{ endCursor?: string | null; hasNextPage: boolean } | null>;

// useCursorPage turns a page number into the `after` cursor of that page: known from the pages already
// seen, else found by asking for end cursors only, at most 100 rows at a time. `ready` once it is known.
export function useCursorPage(key: string, page: number, size: number, endCursor: EndCursorFn) {
  const trailKey = `${key}|${size}`;
  if (!trails.has(trailKey)) trails.set(trailKey, [null]);
  const trail = trails.get(trailKey)!;
  const known = trail[page - 1];
  const [found, setFound] = useState<{ key: string; page: number; after: string | null } | null>(null);
  const [failed, setFailed] = useState(false);

  useEffect(() => {
    if (known !== undefined) return;
    let cancelled = false;
    void (async () => {
      let p = page - 1;
      while (p > 1 && trail[p - 1] === undefined) p--;
      let after = trail[p - 1] ?? null;
      let remaining = (page - p) * size;
      while (remaining > 0) {
        const n = Math.min(STEP, remaining);
        const r = await endCursor(after, n);
        if (cancelled) return;
        if (!r) {
          setFailed(true);
          return;
        }
        if (r.endCursor) after = r.endCursor;
        remaining -= n;
        if (!r.hasNextPage) break;
      }
      trail[page - 1] = after;
      setFound({ key: trailKey, page, after });
    })();
    return () => {
      cancelled = true;
    };
  }, [trailKey, page, size, known, trail, endCursor]);

  const after = known !== undefined ? known : found && found.key === trailKey && found.page === page ? found.after : undefined;
  const remember = useCallback(
    (end: string | null | undefined) => {
      if (end) trails.get(trailKey)![page] = end;
    },
    [trailKey, page],
  );
  return { after: after ?? null, ready: after !== undefined, remember, failed };
}
