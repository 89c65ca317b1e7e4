// "I am worried about a child" with the keyboard only: from the home page to level 2
// of the guide, one question per page, with axe on every page and nothing personal in
// the address.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { formatViolations, launchBrowser, runAxe } from '../lib/browser.js';
import { startServer } from '../lib/server.js';

describe('the "I am worried" path', () => {
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

  /** Tabs until the focused element matches `test` (runs in the page); fails after `max` presses. */
  async function tabTo(page, test, arg, max = 120) {
    for (let i = 0; i < max; i++) {
      await page.keyboard.press('Tab');
      if (await page.evaluate(test, arg)) return;
    }
    assert.fail(`never reached ${arg} by Tab`);
  }

  async function checkPage(page, violations) {
    const found = await runAxe(page);
    if (found.length) violations.set(page.url(), found);
    const url = new URL(page.url());
    assert.equal(url.search, '', 'no answers in the address');
    assert.ok(
      await page.evaluate(() => document.body.innerText.includes('116 111')),
      'the helpline number is in sight',
    );
  }

  for (const [lang, tenant] of [
    ['nn', 'fjordvik'],
    ['nb', 'lauvdal-strandheim'],
  ]) {
    it(`walks to level 2 in ${lang} on ${tenant} by keyboard alone`, async () => {
      const { page } = browser;
      const violations = new Map();
      await page.goto(`${server.origin}/${lang}/${tenant}`);
      // From the home page: Tab to the "I am worried" link and press Enter.
      await tabTo(page, (href) => document.activeElement?.getAttribute('href') === href, `/${lang}/${tenant}/bekymret`);
      await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
      // The answers, in order; for a tenant with several guides, the general guide.
      const choices = ['nei', 'ansatt', '@guide', 'nei', 'ja', 'nei', 'en-to'];
      for (const choice of choices) {
        await checkPage(page, violations);
        const key = await page.locator('input[name=sporsmal]').getAttribute('value');
        if (choice === '@guide' && key !== 'veileder') continue;
        const value = choice === '@guide' ? 'generell' : choice;
        // Tab into the radio group; arrows move between the choices.
        await tabTo(page, () => document.activeElement?.getAttribute('name') === 'valg');
        for (let i = 0; i < 6; i++) {
          if ((await page.evaluate(() => document.activeElement.value)) === value) break;
          await page.keyboard.press('ArrowDown');
        }
        assert.equal(await page.evaluate(() => document.activeElement.value), value, `choice ${value} for ${key}`);
        await page.keyboard.press('Space');
        await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
      }
      await checkPage(page, violations);
      const heading = await page.locator('h1').innerText();
      assert.match(heading.toLowerCase(), /nivå 2/, heading);
      assert.equal(violations.size, 0, formatViolations(violations));
      // The result leads on to the steps of level 2.
      assert.ok((await page.locator('a[href*="/steg/"]').count()) > 0, 'links to the steps');
    });
  }

  it('shows an error summary when no answer is chosen, and keeps earlier answers', async () => {
    const { page } = browser;
    await page.goto(`${server.origin}/nb/fjordvik/bekymret`);
    await page.getByLabel('Nei').check();
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Neste' }).click()]);
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Neste' }).click()]);
    assert.ok(await page.locator('.ds-error-summary').isVisible());
    assert.equal(await page.locator('input[name=svar]').getAttribute('value'), 'fare=nei');
    const violations = await runAxe(page);
    assert.equal(violations.length, 0, formatViolations(new Map([[page.url(), violations]])));
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Tilbake' }).click()]);
    assert.match(await page.locator('h1').innerText(), /i fare/);
  });
});
