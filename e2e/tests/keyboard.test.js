// Keyboard use of a tenant's home page: skip link, tab order, visible focus, no trap.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { launchBrowser } from '../lib/browser.js';
import { startServer } from '../lib/server.js';

const MAX_TABS = 400;
const LEVELS = ['kommune', 'tjeneste', 'individ'];

/** What the browser says about the focused element (runs in the page). */
function focusInfo() {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return { none: true };
  const r = el.getBoundingClientRect();
  const cs = getComputedStyle(el);
  const vw = document.documentElement.clientWidth;
  const vh = document.documentElement.clientHeight;
  const level = el.closest('.model-level');
  const desc =
    el.tagName.toLowerCase() +
    (el.id ? `#${el.id}` : '') +
    (el.getAttribute('href') ? `[href="${el.getAttribute('href')}"]` : '') +
    (el.getAttribute('name') ? `[name="${el.getAttribute('name')}"]` : '') +
    (el.getAttribute('value') && el.tagName === 'BUTTON' ? `[value="${el.getAttribute('value')}"]` : '') +
    ` "${(el.textContent || '').trim().replace(/\s+/g, ' ').slice(0, 40)}"`;
  if (!el.dataset.e2eSeen) el.dataset.e2eSeen = String(document.querySelectorAll('[data-e2e-seen]').length + 1);
  return {
    none: false,
    key: el.dataset.e2eSeen,
    desc,
    tag: el.tagName.toLowerCase(),
    id: el.id,
    isSkipLink: el.classList.contains('ds-skip-link'),
    inMain: Boolean(el.closest('main')),
    inFooter: Boolean(el.closest('footer')),
    level: level ? LEVEL_OF(level) : null,
    rect: { top: r.top, left: r.left, bottom: r.bottom, right: r.right, width: r.width, height: r.height },
    inViewport: r.width > 1 && r.height > 1 && r.top >= -1 && r.left >= -1 && r.bottom <= vh + 1 && r.right <= vw + 1,
    clipped: cs.clip !== 'auto' && cs.clip !== '' ? cs.clip : cs.clipPath !== 'none' ? cs.clipPath : null,
    visibility: cs.visibility,
    opacity: cs.opacity,
    outlineStyle: cs.outlineStyle,
    outlineWidth: parseFloat(cs.outlineWidth) || 0,
    boxShadow: cs.boxShadow,
  };
  function LEVEL_OF(node) {
    const m = /model-level-(\w+)/.exec(node.className);
    return m ? m[1] : '?';
  }
}

const hasFocusIndicator = (f) => (f.outlineStyle !== 'none' && f.outlineWidth > 0) || (f.boxShadow && f.boxShadow !== 'none');

/** Visible links and controls in <main> and the footer that were never focused (runs in the page). */
function reachableTargets() {
  const sel = 'main a[href], main button, main select, main input:not([type=hidden]), main textarea, footer a[href]';
  return [...document.querySelectorAll(sel)]
    .filter((el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden')
    .filter((el) => !el.dataset.e2eSeen)
    .map((el) => el.tagName.toLowerCase() + (el.getAttribute('href') ? `[href="${el.getAttribute('href')}"]` : '') + ` "${(el.textContent || '').trim().replace(/\s+/g, ' ').slice(0, 40)}"`);
}

describe('keyboard navigation', () => {
  let server;
  let browser;

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  for (const path of ['/nb/fjordvik', '/nn/lauvdal-strandheim']) {
    it(`${path}: skip link, visible focus on every stop, all model levels and the footer reached`, async () => {
      const { page } = browser;
      await page.goto(server.origin + path, { waitUntil: 'load' });

      // 1. The first Tab lands on the skip link, which then shows.
      await page.keyboard.press('Tab');
      const skip = await page.evaluate(focusInfo);
      assert.ok(skip.isSkipLink, `the first Tab should focus the skip link, focused ${skip.desc ?? 'nothing'}`);
      assert.ok(
        skip.inViewport && !skip.clipped && skip.visibility === 'visible' && Number(skip.opacity) > 0,
        `the focused skip link should be visible: ${JSON.stringify(skip)}`,
      );
      assert.ok(skip.rect.width >= 20 && skip.rect.height >= 16, `the skip link is too small when focused: ${JSON.stringify(skip.rect)}`);

      // 2. Activating it moves focus to <main>.
      await page.keyboard.press('Enter');
      await page.waitForFunction(() => document.activeElement?.tagName === 'MAIN', null, { timeout: 5000 }).catch(() => {});
      const onMain = await page.evaluate(() => ({ tag: document.activeElement?.tagName, hash: location.hash }));
      assert.equal(onMain.tag, 'MAIN', `after the skip link, focus should be on <main> (is on ${onMain.tag}, hash ${onMain.hash})`);

      // 3. Tab through the rest of the page.
      const stops = [];
      const problems = [];
      const seen = new Set();
      for (let i = 0; i < MAX_TABS; i++) {
        await page.keyboard.press('Tab');
        const f = await page.evaluate(focusInfo);
        if (f.none || f.isSkipLink) break; // left the document, or wrapped round to the top
        if (seen.has(f.key)) {
          problems.push(`focus came back to ${f.desc} after ${stops.length} stops (a cycle)`);
          break;
        }
        seen.add(f.key);
        stops.push(f);
        if (!f.inViewport) problems.push(`${f.desc}: not inside the viewport when focused (${JSON.stringify(f.rect)})`);
        if (f.visibility !== 'visible' || Number(f.opacity) === 0 || f.clipped) problems.push(`${f.desc}: focused but hidden`);
        if (!hasFocusIndicator(f)) {
          problems.push(`${f.desc}: no visible focus indicator (outline ${f.outlineStyle} ${f.outlineWidth}px, box-shadow ${f.boxShadow})`);
        }
      }

      assert.ok(stops.length > 0, 'Tab after <main> reached nothing');
      assert.ok(stops[0].inMain, `the first Tab after the skip link should stay in <main>, went to ${stops[0].desc}`);
      assert.deepEqual(problems, [], `focus problems on ${path}:\n${problems.join('\n')}`);

      const levels = new Set(stops.filter((s) => s.level).map((s) => s.level));
      for (const level of LEVELS) assert.ok(levels.has(level), `no link of the model level "${level}" was reached by Tab`);
      assert.ok(stops.some((s) => s.inFooter), `focus never reached the footer (keyboard trap?) after ${stops.length} stops`);
      assert.ok(stops.length < MAX_TABS, `more than ${MAX_TABS} Tab stops: a trap?`);

      // Every link and control in <main> and the footer was a Tab stop.
      const missed = await page.evaluate(reachableTargets);
      assert.deepEqual(missed, [], `not reachable by Tab on ${path}:\n${missed.join('\n')}`);

      // 4. Without the skip link, the header's links and buttons show focus too.
      await page.goto(server.origin + path, { waitUntil: 'load' });
      await page.keyboard.press('Tab'); // the skip link
      const header = [];
      for (let i = 0; i < 40; i++) {
        await page.keyboard.press('Tab');
        const f = await page.evaluate(focusInfo);
        if (f.none || f.inMain) break;
        header.push(f);
        if (!f.inViewport) problems.push(`${f.desc}: not inside the viewport when focused (${JSON.stringify(f.rect)})`);
        if (!hasFocusIndicator(f)) {
          problems.push(`${f.desc}: no visible focus indicator (outline ${f.outlineStyle} ${f.outlineWidth}px, box-shadow ${f.boxShadow})`);
        }
      }
      assert.ok(header.length >= 4, `expected the header's home link, language link and text size buttons, got ${header.map((f) => f.desc).join(', ')}`);
      assert.deepEqual(problems, [], `focus problems in the header of ${path}:\n${problems.join('\n')}`);
      console.log(`${path}: ${header.length} Tab stops in the header, ${stops.length} after the skip link; levels ${[...levels].join(', ')}`);
    });
  }
});
