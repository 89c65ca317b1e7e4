// The reader's tools in the header: text size (a form and a cookie, no JavaScript)
// and the switch between bokmål and nynorsk.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { launchBrowser } from '../lib/browser.js';
import { startServer } from '../lib/server.js';

describe('reader settings', () => {
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

  const htmlState = (page) =>
    page.evaluate(() => ({
      className: document.documentElement.className,
      fontSize: parseFloat(getComputedStyle(document.documentElement).fontSize),
      pressed: [...document.querySelectorAll('form.text-size button[aria-pressed="true"]')].map((b) => b.value),
    }));

  async function chooseSize(page, label) {
    const button = page.getByRole('button', { name: label, exact: true });
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), button.click()]);
  }

  const cases = [
    // [page, button, class, next page, expected font size in px]
    ['/nb/fjordvik/tjenester', 'Stor', 'text-large', '/nb/fjordvik', 18],
    ['/nn/lauvdal-strandheim/niva/tjeneste', 'Større', 'text-larger', '/nn/lauvdal-strandheim/tidslinje', 21],
  ];
  for (const [path, label, cls, next, px] of cases) {
    it(`"${label}" on ${path} sets ${cls} on <html>, and it stays on the next page`, async () => {
      const { page } = browser;
      await page.goto(server.origin + path, { waitUntil: 'load' });
      const before = await htmlState(page);
      assert.match(before.className, /\btext-normal\b/, `a new reader should have normal text, got "${before.className}"`);
      assert.equal(before.fontSize, 16);

      await chooseSize(page, label);
      assert.equal(new URL(page.url()).pathname, path, 'the form should lead back to the same page');
      const after = await htmlState(page);
      assert.match(after.className, new RegExp(`\\b${cls}\\b`));
      assert.equal(after.fontSize, px, `the root font size with ${cls}`);
      assert.equal(after.pressed.length, 1, 'exactly one size button is pressed');

      await page.goto(server.origin + next, { waitUntil: 'load' });
      const later = await htmlState(page);
      assert.match(later.className, new RegExp(`\\b${cls}\\b`), `${cls} should persist on ${next}`);
      assert.equal(later.fontSize, px);

      // And back to normal, so the next case starts clean.
      await chooseSize(page, 'Normal');
      assert.match((await htmlState(page)).className, /\btext-normal\b/);
    });
  }

  it('the text size form works from the keyboard', async () => {
    const { page } = browser;
    await page.goto(`${server.origin}/nb/fjordvik/om`, { waitUntil: 'load' });
    await page.getByRole('button', { name: 'Stor', exact: true }).focus();
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.keyboard.press('Enter')]);
    assert.match((await htmlState(page)).className, /\btext-large\b/);
    await chooseSize(page, 'Normal');
  });

  it('the language link leads to the same page in the other language', async () => {
    const { page } = browser;
    const { origin } = server;
    // An item page (a service), found through the services directory.
    await page.goto(`${origin}/nb/fjordvik/tjenester`, { waitUntil: 'load' });
    const itemHref = await page.$eval('.service-list a[href*="/innhold/"]', (a) => a.getAttribute('href'));
    const paths = [
      '/nb',
      '/nn',
      '/nb/fjordvik',
      '/nn/lauvdal-strandheim',
      '/nb/fjordvik/niva/kommune',
      '/nb/fjordvik/tjenester?malgruppe=13-18',
      itemHref,
      '/nn/lauvdal-strandheim/tidslinje',
      '/nn/lauvdal-strandheim/om',
      '/nb/lauvdal-strandheim/tilgjengelighet',
    ];
    const wrong = [];
    for (const path of paths) {
      await page.goto(origin + path, { waitUntil: 'load' });
      const from = path.slice(1, 3);
      const to = from === 'nb' ? 'nn' : 'nb';
      const link = page.locator('.lang-switch a');
      assert.equal(await link.getAttribute('lang'), to);
      assert.equal(await link.getAttribute('hreflang'), to);
      assert.equal((await link.textContent()).trim(), to === 'nn' ? 'Nynorsk' : 'Bokmål');
      await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), link.click()]);
      const url = new URL(page.url());
      const expected = `/${to}${path.slice(3)}`;
      const lang = await page.evaluate(() => document.documentElement.lang);
      if (url.pathname + url.search !== expected || lang !== to) {
        wrong.push(`${path} → ${url.pathname}${url.search} (lang ${lang}), expected ${expected}`);
      }
    }
    assert.deepEqual(wrong, [], wrong.join('\n'));
  });
});
