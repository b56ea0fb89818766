// What the browser tests share (not a test file itself): the machine's chromium driven by playwright-core,
// and pages that record everything that went wrong on them.
import { chromium } from 'playwright-core';

export const BASE_URL = process.env.BASE_URL;
if (!BASE_URL) throw new Error('BASE_URL is not set: run the browser tests with scripts/e2e.sh (make e2e)');

export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic',
    ],
  });
}

// openPage opens BASE_URL + path in a fresh browser context (no shared storage, closed after the test). The
// page records its problems: console errors, uncaught exceptions, Content-Security-Policy violations, failed
// requests, answers of 400 or more, and any request to a host other than the server. requests lists every
// URL the page asked for. lang, if given, is the portal language remembered in localStorage before the page
// loads (a choice the page makes itself later is kept on reload). watch(page), if given, runs before the page
// loads and is not awaited (a waitForResponse, say); what it returns is watched.
export async function openPage(t, browser, path, { lang, watch } = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  t.after(() => context.close());
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const problems = [];
  const requests = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console error: ${msg.text()} (${msg.location().url})`);
  });
  page.on('pageerror', (err) => problems.push(`uncaught exception: ${err.message}`));
  page.on('request', (req) => {
    requests.push(req.url());
    if (!req.url().startsWith(BASE_URL + '/') && !req.url().startsWith('data:')) problems.push(`request to another host: ${req.url()}`);
  });
  // net::ERR_ABORTED is the page's own doing (a navigation or a reload cancelling what was still loading, an
  // AbortController), not an answer that failed: it is listed in aborted, not in problems. A refused, reset
  // or empty connection is still a problem, and so is every answer of 400 or more.
  const aborted = [];
  page.on('requestfailed', (req) => {
    const msg = `request failed: ${req.method()} ${req.url()}: ${req.failure()?.errorText}`;
    (req.failure()?.errorText === 'net::ERR_ABORTED' ? aborted : problems).push(msg);
  });
  page.on('response', (res) => {
    if (res.status() >= 400) problems.push(`HTTP ${res.status()}: ${res.request().method()} ${res.url()}${operationOf(res.request())}`);
  });
  await page.exposeFunction('__cspViolation', (v) => problems.push(`Content-Security-Policy violation: ${v}`));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) =>
      window.__cspViolation(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'} (${e.sourceFile}:${e.lineNumber})`));
  });
  // Awaited: an init script still being registered when goto starts may miss the first document.
  if (lang) await page.addInitScript((l) => localStorage.getItem('tradeguard.lang') || localStorage.setItem('tradeguard.lang', l), lang);
  const watched = watch?.(page);
  const res = await page.goto(BASE_URL + path, { waitUntil: 'load' });
  return { page, problems, aborted, requests, res, watched };
}

// operationOf names a GraphQL request's operation (" Name"), so that two refused requests of one page tell
// apart: persisted queries carry no text to tell them by.
function operationOf(req) {
  try {
    const name = JSON.parse(req.postData() ?? '').operationName;
    return name ? ` ${name}` : '';
  } catch {
    return '';
  }
}
