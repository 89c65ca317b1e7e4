// Search as a reader uses it: suggestions by keyboard from the field on every page
// (the combobox pattern), the results page with a typo and a filter, and help when
// nothing is found; every search page passes axe in bokmål and nynorsk.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { formatViolations, launchBrowser, runAxe } from '../lib/browser.js';
import { startServer } from '../lib/server.js';

describe('search', () => {
  let server;
  let browser;
  const violations = new Map();

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  async function check(page, label) {
    const found = await runAxe(page);
    if (found.length) violations.set(`${label} ${page.url()}`, found);
  }

  it('suggests as the reader types, and opens a suggestion by keyboard', async () => {
    const { page } = browser;
    await page.goto(`${server.origin}/nb/fjordvik`);
    const field = page.getByRole('combobox', { name: 'Søk i modellen' });
    await field.focus();
    await page.keyboard.type('helsesjukepleiar');
    const listbox = page.getByRole('listbox', { name: 'Forslag' });
    await listbox.getByRole('option').first().waitFor();
    assert.equal(await field.getAttribute('aria-expanded'), 'true');
    assert.match(await page.locator('.search-form [role=status]').innerText(), /forslag/);
    await check(page, 'suggestions open');
    // The health station and school health service is among them: move to it.
    const titles = await listbox.locator('.suggestion-title').allInnerTexts();
    const target = titles.indexOf('Helsestasjon og skolehelsetjeneste');
    assert.ok(target >= 0, titles.join(' | '));
    for (let i = 0; i <= target; i += 1) await page.keyboard.press('ArrowDown');
    const active = await field.getAttribute('aria-activedescendant');
    assert.equal(await page.locator(`#${active}`).getAttribute('aria-selected'), 'true');
    assert.match(await page.locator(`#${active}`).innerText(), /Helsestasjon og skolehelsetjeneste/);
    await Promise.all([page.waitForURL(/\/nb\/fjordvik\/innhold\/helsestasjon$/), page.keyboard.press('Enter')]);

    // Escape closes the list and leaves the text.
    const again = page.getByRole('combobox', { name: 'Søk i modellen' });
    await again.focus();
    await page.keyboard.type('ppt');
    await page.getByRole('listbox').getByRole('option').first().waitFor();
    await page.keyboard.press('Escape');
    assert.equal(await again.getAttribute('aria-expanded'), 'false');
    assert.equal(await again.inputValue(), 'ppt');
  });

  it('finds with a typo, filters, and helps when nothing is found', async () => {
    const { page } = browser;
    await page.goto(`${server.origin}/nb/fjordvik`);
    await page.getByRole('combobox', { name: 'Søk i modellen' }).fill('bekymrigsmelding');
    await Promise.all([page.waitForURL(/\/sok\?q=bekymrigsmelding$/), page.keyboard.press('Enter')]);
    assert.match(await page.locator('main').innerText(), /Mente du/);
    const hits = page.locator('.search-hits');
    assert.ok(await hits.getByRole('link', { name: /Bekymringsmelding til barnevernet/ }).count() > 0);
    await check(page, 'results with a typo');
    // A filter by keyboard: the form kind only.
    await page.locator('.search-filters').getByRole('link', { name: /^Skjema \(\d+\)$/ }).focus();
    await Promise.all([page.waitForURL(/type=skjema/), page.keyboard.press('Enter')]);
    const kinds = await page.locator('.search-hits .search-kind').allInnerTexts();
    assert.ok(kinds.length > 0 && kinds.every((k) => k === 'Skjema'), kinds.join());
    await check(page, 'filtered');

    for (const lang of ['nb', 'nn']) {
      for (const q of ['', '?q=PPT', '?q=helsest%C3%B8ster&for=foresatte', '?q=xyzzyqq']) {
        const res = await page.goto(`${server.origin}/${lang}/lauvdal-strandheim/sok${q}`);
        assert.equal(res.status(), 200, q);
        await check(page, `${lang} ${q}`);
      }
    }
    assert.match(await page.locator('main').innerText(), /Ingen treff/);
    assert.equal(violations.size, 0, formatViolations(violations));
  });
});
