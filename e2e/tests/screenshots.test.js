// Full-page screenshots of the main page types, for people to look at, saved to
// e2e/screenshots/ (not committed). Also checks that the pages reflow at 320 px.

import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { launchBrowser } from '../lib/browser.js';
import { E2E_DIR, startServer } from '../lib/server.js';

const DIR = join(E2E_DIR, 'screenshots');

/** Width and height of a PNG, from its IHDR chunk. */
function pngSize(file) {
  const buf = readFileSync(file);
  assert.equal(buf.toString('latin1', 1, 4), 'PNG', `${file} is not a PNG`);
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
}

describe('screenshots', () => {
  let server;
  let browser;
  let itemPath;

  before(async () => {
    mkdirSync(DIR, { recursive: true });
    server = await startServer();
    browser = await launchBrowser();
    // A service with contact details, found through the services directory.
    const { page } = browser;
    await page.goto(`${server.origin}/nb/fjordvik/tjenester`, { waitUntil: 'load' });
    itemPath = await page.$$eval('.service-list > li', (cards) => {
      const withContact = cards.find((c) => c.querySelector('a[href^="tel:"]') && c.querySelector('a[href^="mailto:"]'));
      return withContact?.querySelector('h3 a')?.getAttribute('href') ?? null;
    });
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  async function shoot(name, path, { width = 1280, height = 800 } = {}) {
    const { page } = browser;
    await page.setViewportSize({ width, height });
    const res = await page.goto(server.origin + path, { waitUntil: 'load' });
    assert.equal(res.status(), 200, `${path} answered ${res.status()}`);
    await page.evaluate(() => document.fonts.ready);
    const file = join(DIR, `${name}.png`);
    await page.screenshot({ path: file, fullPage: true });
    const size = pngSize(file);
    const docHeight = await page.evaluate(() => document.documentElement.scrollHeight);
    // At 320 px a page that does not reflow makes a wider picture: the reflow test says why.
    assert.ok(size.width >= width, `${name}.png is ${size.width} px wide`);
    assert.ok(size.height >= Math.min(docHeight, height), `${name}.png is not the full page (${size.height} px of ${docHeight})`);
    return page;
  }

  const desktop = [
    ['platform-nb', '/nb'],
    ['home-fjordvik-nb', '/nb/fjordvik'],
    ['home-fjordvik-nn', '/nn/fjordvik'],
    ['home-lauvdal-strandheim-nb', '/nb/lauvdal-strandheim'],
    ['home-lauvdal-strandheim-nn', '/nn/lauvdal-strandheim'],
    ['level-tjeneste-fjordvik-nb', '/nb/fjordvik/niva/tjeneste'],
    ['services-fjordvik-nb', '/nb/fjordvik/tjenester'],
    ['timeline-fjordvik-nb', '/nb/fjordvik/tidslinje'],
  ];
  for (const [name, path] of desktop) {
    it(`${name}.png (${path})`, async () => {
      await shoot(name, path);
    });
  }

  it('item-service-nb.png (a service with contact details)', async () => {
    assert.ok(itemPath, 'no service with a phone number and an e-mail address in the services directory');
    const page = await shoot('item-service-nb', itemPath);
    assert.equal(await page.locator('.contact-box').count(), 1, `${itemPath} should show a contact box`);
  });

  it('every page type reflows at 320 px without horizontal scrolling (WCAG 1.4.10)', async () => {
    const { page } = browser;
    const paths = [
      '/nb',
      '/nb/fjordvik',
      '/nn/lauvdal-strandheim',
      '/nb/fjordvik/niva/kommune',
      '/nn/lauvdal-strandheim/niva/individ',
      itemPath,
      '/nb/fjordvik/tjenester',
      '/nn/lauvdal-strandheim/tjenester',
      '/nb/fjordvik/tidslinje',
      '/nn/fjordvik/om',
      '/nb/lauvdal-strandheim/tilgjengelighet',
      '/nb/finnes-ikke/x',
    ];
    const wide = [];
    for (const path of paths) {
      await page.setViewportSize({ width: 320, height: 640 });
      await page.goto(server.origin + path, { waitUntil: 'load' });
      await page.evaluate(() => document.fonts.ready);
      const overflow = await page.evaluate(() => {
        const vw = document.documentElement.clientWidth;
        const describe = (el) =>
          `${el.tagName.toLowerCase()}${el.classList.length ? '.' + [...el.classList].join('.') : ''} ` +
          `"${(el.textContent || '').trim().replace(/\s+/g, ' ').slice(0, 40)}"`;
        const culprits = [];
        for (const el of document.querySelectorAll('body *')) {
          if (!el.getClientRects().length || el.closest('.ds-skip-link, .ds-sr-only')) continue;
          const r = el.getBoundingClientRect();
          // The box sticks out, or its own text does (a long word in a heading).
          const sticksOut = r.right > vw + 1;
          const textSticksOut = getComputedStyle(el).overflowX === 'visible' && el.scrollWidth > el.clientWidth + 1 &&
            [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
          if (sticksOut || textSticksOut) culprits.push(`${describe(el)} right=${Math.round(Math.max(r.right, r.left + el.scrollWidth))}`);
        }
        return { scrollWidth: document.documentElement.scrollWidth, vw, culprits: culprits.slice(-6) };
      });
      if (overflow.scrollWidth > overflow.vw + 1) {
        wide.push(`${path}: ${overflow.scrollWidth} px wide at ${overflow.vw} px; e.g.\n    ${overflow.culprits.join('\n    ')}`);
      }
    }
    await page.setViewportSize({ width: 1280, height: 800 });
    assert.deepEqual(wide, [], `pages that scroll sideways at 320 px:\n${wide.join('\n')}`);
  });

  for (const [name, path] of [
    ['narrow-home-fjordvik-nb', '/nb/fjordvik'],
    ['narrow-services-fjordvik-nb', '/nb/fjordvik/tjenester'],
  ]) {
    it(`${name}.png (${path} at 320 px)`, async () => {
      await shoot(name, path, { width: 320, height: 640 });
    });
  }
});
