// Crawls every page of both demo tenants in bokmål and nynorsk, runs axe-core
// (WCAG 2.0/2.1 A and AA) on each, and records every request the browser makes.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { formatViolations, launchBrowser, runAxe } from '../lib/browser.js';
import { crawlable, pathLang, section } from '../lib/crawl.js';
import { startServer } from '../lib/server.js';

const MIN_PAGES = 250;
const TENANTS = ['fjordvik', 'lauvdal-strandheim'];
// Pages that are not linked but must be accessible too, with the status they answer.
const ERROR_PAGES = [
  ['/nb/finnes-ikke/x', 404],
  ['/nn/finnes-ikke/x', 404],
  ['/nb/fjordvik/niva/kommune?malgruppe=ugyldig', 400],
  ['/nn/lauvdal-strandheim/niva/kommune?malgruppe=ugyldig', 400],
];

describe('accessibility crawl', () => {
  let server;
  let browser;
  /** url → { status, lang, violations, referrer, consoleErrors } */
  const pages = new Map();
  /** every request the browser made: { url, type, page } */
  const requests = [];
  /** subresources that failed or answered ≥ 400: { url, page, problem } */
  const badSubresources = [];
  let crawled = false;
  let current = '';

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    const { context, page } = browser;
    context.on('request', (req) => requests.push({ url: req.url(), type: req.resourceType(), page: current }));
    context.on('requestfailed', (req) =>
      badSubresources.push({ url: req.url(), page: current, problem: req.failure()?.errorText ?? 'failed' }),
    );
    context.on('response', (res) => {
      const req = res.request();
      if (req.resourceType() !== 'document' && res.status() >= 400) {
        badSubresources.push({ url: res.url(), page: current, problem: `HTTP ${res.status()}` });
      }
    });
    page.on('console', (msg) => {
      if (msg.type() === 'error') pages.get(current)?.consoleErrors.push(msg.text());
    });
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  async function visit(url, referrer) {
    const { page } = browser;
    const entry = { status: 0, lang: null, violations: [], referrer, consoleErrors: [], links: [] };
    current = url;
    pages.set(url, entry);
    const res = await page.goto(url, { waitUntil: 'load' });
    entry.status = res?.status() ?? 0;
    entry.contentType = res?.headers()['content-type'] ?? '';
    if (!entry.contentType.startsWith('text/html')) return entry;
    entry.lang = await page.evaluate(() => document.documentElement.getAttribute('lang'));
    entry.violations = await runAxe(page);
    entry.links = await page.$$eval('a[href]', (as) => as.map((a) => a.href));
    return entry;
  }

  it(`finds at least ${MIN_PAGES} pages and none has WCAG 2.1 A/AA violations`, { timeout: 420_000 }, async () => {
    const { origin } = server;
    const queue = [`${origin}/nb`, `${origin}/nn`];
    const queued = new Set(queue);
    const referrers = new Map();
    const broken = [];
    const started = Date.now();

    while (queue.length) {
      const url = queue.shift();
      const entry = await visit(url, referrers.get(url) ?? null);
      if (entry.status !== 200 || !entry.contentType.startsWith('text/html')) {
        broken.push(`${url} → HTTP ${entry.status} ${entry.contentType} (linked from ${entry.referrer})`);
        continue;
      }
      for (const href of entry.links) {
        const next = crawlable(href, origin);
        if (next && !queued.has(next)) {
          queued.add(next);
          referrers.set(next, url);
          queue.push(next);
        }
      }
    }
    const linkedCount = pages.size;

    for (const [path, status] of ERROR_PAGES) {
      const entry = await visit(`${origin}${path}`, null);
      assert.equal(entry.status, status, `${path} should answer ${status}`);
    }
    crawled = true;

    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    const perSection = new Map();
    for (const url of pages.keys()) {
      const s = section(new URL(url).pathname);
      perSection.set(s, (perSection.get(s) ?? 0) + 1);
    }
    console.log(
      `crawled ${linkedCount} linked pages + ${ERROR_PAGES.length} error pages in ${seconds} s: ` +
        [...perSection].map(([s, n]) => `${s}=${n}`).join(', '),
    );

    assert.deepEqual(broken, [], `broken links:\n${broken.join('\n')}`);
    assert.ok(linkedCount >= MIN_PAGES, `the crawl found only ${linkedCount} pages (expected ≥ ${MIN_PAGES})`);
    for (const lang of ['nb', 'nn']) {
      for (const tenant of TENANTS) {
        const n = perSection.get(`${lang}/${tenant}`) ?? 0;
        assert.ok(n >= 20, `only ${n} pages crawled under /${lang}/${tenant}`);
      }
    }

    const failing = [...pages].filter(([, e]) => e.violations.length > 0).map(([url, e]) => [url, e.violations]);
    if (failing.length) {
      const report = formatViolations(failing);
      const rules = new Map();
      for (const [, vs] of failing) for (const v of vs) rules.set(v.id, (rules.get(v.id) ?? 0) + 1);
      assert.fail(
        `${failing.length} of ${pages.size} pages have axe violations ` +
          `(${[...rules].map(([id, n]) => `${id} on ${n} pages`).join(', ')}):\n${report}`,
      );
    }
  });

  it('axe finds a violation planted in a page (so a clean crawl means something)', async () => {
    const { page } = browser;
    current = `${server.origin}/nb/fjordvik (planted)`;
    await page.goto(`${server.origin}/nb/fjordvik`, { waitUntil: 'load' });
    await page.evaluate(() => {
      const main = document.querySelector('main');
      main.insertAdjacentHTML(
        'beforeend',
        '<img src="/assets/favicon.svg"><p style="color:#bbb;background:#fff">Lys grå tekst</p>',
      );
    });
    const ids = (await runAxe(page)).map((v) => v.id);
    assert.ok(ids.includes('image-alt'), `expected image-alt among ${ids.join(', ')}`);
    assert.ok(ids.includes('color-contrast'), `expected color-contrast among ${ids.join(', ')}`);
  });

  it("every page's <html lang> is its path's language", (t) => {
    if (!crawled) return t.skip('the crawl did not finish');
    const wrong = [];
    for (const [url, e] of pages) {
      const want = pathLang(new URL(url).pathname);
      if (e.lang !== want) wrong.push(`${url}: lang="${e.lang}", expected "${want}"`);
    }
    assert.deepEqual(wrong, [], wrong.join('\n'));
  });

  it('the browser requests nothing from another origin, and every subresource loads', (t) => {
    if (!crawled) return t.skip('the crawl did not finish');
    const { origin } = server;
    assert.ok(requests.length >= pages.size, `only ${requests.length} requests recorded`);
    const foreign = requests.filter((r) => {
      if (r.url.startsWith('data:')) return false; // inline, no network
      try {
        return new URL(r.url).origin !== origin;
      } catch {
        return true;
      }
    });
    const list = (rs) => [...new Set(rs.map((r) => `${r.url} (${r.type ?? r.problem}, on ${r.page})`))].join('\n');
    assert.deepEqual(foreign.map((r) => r.url), [], `requests to other origins:\n${list(foreign)}`);
    assert.deepEqual(badSubresources.map((r) => r.url), [], `subresources that failed:\n${list(badSubresources)}`);
    const types = new Map();
    for (const r of requests) types.set(r.type, (types.get(r.type) ?? 0) + 1);
    console.log(`${requests.length} requests, all to ${origin}: ${[...types].map(([k, n]) => `${k}=${n}`).join(', ')}`);
  });

  it('no page logs a console error (such as a Content-Security-Policy violation)', (t) => {
    if (!crawled) return t.skip('the crawl did not finish');
    const errors = [];
    for (const [url, e] of pages) {
      // An error page's own 4xx status is logged by Chromium as a failed resource.
      const msgs = e.status === 200 ? e.consoleErrors : e.consoleErrors.filter((m) => !/status of (400|404)/.test(m));
      for (const m of msgs) errors.push(`${url}: ${m}`);
    }
    assert.deepEqual(errors, [], errors.join('\n'));
  });
});
