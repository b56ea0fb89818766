import { useCallback } from 'react';
import { useSearchParams } from 'react-router';

// A list's state kept in the URL query, so a reload or a shared link shows the same filters, sort and page.
// Cursor pagination: `c` holds the cursors of the pages before the current one, comma-separated (cursors are
// opaque base64url, never containing a comma), so a reload of page 3 asks for page 3 and "previous" still works.

export interface UrlList {
  params: URLSearchParams;
  get: (name: string) => string | undefined;
  getList: (name: string) => string[];
  // set: changes some params (undefined / '' / [] removes one); filters reset the page unless keepPage.
  set: (changes: Record<string, string | string[] | number | undefined | null>, opts?: { keepPage?: boolean }) => void;
  pageSize: number;
  cursors: string[];
  after: string | undefined;
  page: number;
  next: (endCursor: string) => void;
  prev: () => void;
  setPageSize: (n: number) => void;
}

export function useUrlList(prefix = '', defaultPageSize = 20): UrlList {
  const [params, setParams] = useSearchParams();
  const p = (n: string) => prefix + n;
  const get = (name: string) => params.get(p(name)) || undefined;
  const getList = (name: string) => (params.get(p(name)) ?? '').split(',').filter(Boolean);
  const set = useCallback<UrlList['set']>(
    (changes, opts) => {
      // From the address bar itself, not the last render's params: two changes in quick succession (a
      // filter, then a search before React re-rendered) must both be kept.
      setParams(
        () => {
          const next = new URLSearchParams(window.location.search);
          for (const [k, v] of Object.entries(changes)) {
            const value = Array.isArray(v) ? v.join(',') : v == null ? '' : String(v);
            if (value === '') next.delete(prefix + k);
            else next.set(prefix + k, value);
          }
          if (!opts?.keepPage) next.delete(prefix + 'c');
          return next;
        },
        { replace: false },
      );
    },
    [setParams, prefix],
  );
  const size = Number(params.get(p('size')));
  // Any size the API takes (1–100) from a link; the pager offers 10, 20, 50 and 100.
  const pageSize = Number.isInteger(size) && size >= 1 && size <= 100 ? size : defaultPageSize;
  const cursors = (params.get(p('c')) ?? '').split(',').filter(Boolean);
  return {
    params,
    get,
    getList,
    set,
    pageSize,
    cursors,
    after: cursors.at(-1),
    page: cursors.length + 1,
    next: (endCursor) => set({ c: [...cursors, endCursor] }, { keepPage: true }),
    prev: () => set({ c: cursors.slice(0, -1) }, { keepPage: true }),
    setPageSize: (n) => set({ size: n === defaultPageSize ? undefined : n }),
  };
}
