// A model written as a hostile author would write it (crates/saman/tests/fixtures/hostile:
// script, event handlers and markup in every field, images from other hosts, every
// Unicode class, the longest names allowed) is imported, and every page of it is
// opened in the browser: no injected script may run, no request may go to another
// host, no page may answer 5xx, and the Content-Security-Policy must never have had
// anything to block (if it had, markup got through and only the policy stopped it).

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { launchBrowser } from '../lib/browser.js';
import { crawlable } from '../lib/crawl.js';
import { startServer } from '../lib/server.js';

const TENANT = 'fiendtlig';
const MIN_PAGES = 30;

describe('hostile model', () => {
  let server;
  let browser;
  const foreign = [];
  const problems = [];
  let current = '';

  before(async () => {
    server = await startServer({ importDirs: ['../crates/saman/tests/fixtures/hostile'] });
    browser = await launchBrowser();
    const { context } = browser;
    await context.addInitScript(() => {
      window.__violations = [];
      document.addEventListener('securitypolicyviolation', (e) =>
        window.__violations.push(`${e.violatedDirective} ${e.blockedURI}`),
      );
    });
    context.on('request', (req) => {
      const url = new URL(req.url());
      if (url.origin !== server.origin) foreign.push(`${current} → ${req.url()}`);
    });
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('runs no injected script and asks no other host on any page', { timeout: 300_000 }, async () => {
    const { page } = browser;
    const { origin } = server;
    page.on('dialog', (d) => {
      problems.push(`${current}: a dialog opened: ${d.message()}`);
      d.dismiss().catch(() => {});
    });
    const queue = [`${origin}/nb/${TENANT}`, `${origin}/nn/${TENANT}`];
    const seen = new Set(queue);
    let pages = 0;
    while (queue.length) {
      const url = queue.shift();
      current = url;
      const res = await page.goto(url, { waitUntil: 'load' });
      const status = res?.status() ?? 0;
      if (status >= 500) problems.push(`${url}: HTTP ${status}`);
      if (!(res?.headers()['content-type'] ?? '').startsWith('text/html')) continue;
      pages += 1;
      // Hover and focus everything, so that any handler that got through would fire.
      await page.$$eval('main *, header *, footer *', (els) => {
        for (const el of els) {
          for (const type of ['mouseover', 'focus', 'click']) {
            if (type === 'click' && (el.closest('a') || el.closest('button') || el.closest('form'))) continue;
            el.dispatchEvent(new Event(type, { bubbles: true }));
          }
        }
      });
      const state = await page.evaluate(() => ({
        pwned: window.__pwned ?? null,
        violations: window.__violations,
        scripts: [...document.scripts].map((s) => s.src).filter((src) => !src.includes('/assets/')),
        handlers: [...document.querySelectorAll('*')].flatMap((el) =>
          [...el.attributes].filter((a) => a.name.startsWith('on')).map((a) => `<${el.localName} ${a.name}>`),
        ),
        badLinks: [...document.querySelectorAll('[href],[src]')]
          .map((el) => el.getAttribute('href') ?? el.getAttribute('src'))
          .filter((v) => /^\s*(javascript|data|vbscript):/i.test(v)),
        images: [...document.images].map((img) => img.src),
      }));
      if (state.pwned) problems.push(`${url}: injected script ran (${state.pwned})`);
      for (const v of state.violations) problems.push(`${url}: the policy had to block ${v}`);
      for (const s of state.scripts) problems.push(`${url}: foreign script element ${s || '(inline)'}`);
      for (const h of state.handlers) problems.push(`${url}: event handler ${h}`);
      for (const l of state.badLinks) problems.push(`${url}: link ${l}`);
      for (const src of state.images) {
        if (new URL(src).origin !== origin) problems.push(`${url}: image from another host ${src}`);
      }
      const links = await page.$$eval('a[href]', (as) => as.map((a) => a.href));
      for (const href of links) {
        const next = crawlable(href, origin);
        if (next && new URL(next).pathname.split('/')[2] === TENANT && !seen.has(next)) {
          seen.add(next);
          queue.push(next);
        }
      }
    }
    assert.ok(pages >= MIN_PAGES, `only ${pages} pages crawled`);
    assert.deepEqual(foreign, [], 'requests to other hosts');
    assert.deepEqual(problems, []);
  });
});
