// The signed-in pages as a person uses them: the demo tenant administrator logs in by
// keyboard, sets up two-step login with the code an authenticator app would show, and
// every page on the way (login, errors, two-step setup, recovery codes, start, account,
// users, audit log) is checked with axe in bokmål and nynorsk; then logs out.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { formatViolations, launchBrowser, runAxe } from '../lib/browser.js';
import { startServer } from '../lib/server.js';
import { totp } from '../lib/totp.js';

const PASSWORD = 'demo-passord-saman';

describe('signed-in pages', () => {
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

  async function check(label) {
    const found = await runAxe(browser.page);
    if (found.length) violations.set(`${label} ${browser.page.url()}`, found);
  }

  it('logs in with two steps by keyboard, and every page passes axe', { timeout: 180_000 }, async () => {
    const { page } = browser;
    const { origin } = server;
    await page.goto(`${origin}/nb/fjordvik`);
    await page.getByRole('link', { name: 'Logg inn' }).first().focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/nb\/fjordvik\/logg-inn$/);
    await check('login');

    // A wrong password: the message, and the form again with the e-mail kept.
    await page.getByLabel('E-postadresse').fill('admin@fjordvik.example');
    await page.getByLabel('Passord').fill('ikke riktig passord');
    await page.keyboard.press('Enter');
    await page.waitForLoadState('load');
    assert.match(await page.locator('[role=alert]').innerText(), /feil/);
    assert.equal(await page.getByLabel('E-postadresse').inputValue(), 'admin@fjordvik.example');
    await check('login failed');

    await page.getByLabel('Passord').fill(PASSWORD);
    await page.getByLabel('Passord').press('Enter');
    await page.waitForURL(/\/logg-inn\/totrinn$/);
    await check('two-step setup');
    const secret = (await page.locator('.totp-secret').innerText()).trim();
    assert.match(secret, /^[A-Z2-7]{32}$/);

    await page.getByRole('textbox', { name: 'Kode' }).fill('123456');
    await page.getByRole('textbox', { name: 'Kode' }).press('Enter');
    await page.waitForLoadState('load');
    await check('two-step wrong code');
    await page.getByRole('textbox', { name: 'Kode' }).fill(totp(secret));
    await page.getByRole('textbox', { name: 'Kode' }).press('Enter');
    await page.waitForLoadState('load');
    assert.equal(await page.locator('.recovery-codes li').count(), 10);
    await check('recovery codes');
    await page.getByRole('link', { name: 'Jeg har tatt vare på kodene' }).click();
    await page.waitForURL(/\/nb\/fjordvik\/start$/);

    for (const lang of ['nb', 'nn']) {
      for (const path of ['start', 'konto', 'admin/brukere', 'admin/revisjon', 'admin/revisjon?hendelse=login&fra=2020-01-01']) {
        const res = await page.goto(`${origin}/${lang}/fjordvik/${path}`);
        assert.equal(res.status(), 200, path);
        assert.equal(res.headers()['cache-control'], 'no-store', path);
        await check(path);
      }
    }
    // A person's page: roles and services.
    await page.goto(`${origin}/nb/fjordvik/admin/brukere`);
    await page.getByRole('link', { name: 'Rune Rasmussen' }).click();
    await page.waitForLoadState('load');
    assert.match(await page.locator('h1').innerText(), /Rune Rasmussen/);
    await check('a person');
    await page.getByRole('button', { name: 'Lagre roller og tjenester' }).click();
    await page.waitForLoadState('load');
    assert.match(await page.locator('main [role=status]').innerText(), /lagret/);
    await check('a person saved');

    // Invite an editor; the invitation waits in the outbox, shown by the demo's mail view.
    await page.goto(`${origin}/nb/fjordvik/admin/brukere`);
    await page.getByLabel('E-postadresse').fill('ny.redaktor@fjordvik.example');
    await page.getByLabel('Navn').fill('Nora Nyheim');
    await page.getByLabel('redaktør').check();
    await page.getByRole('button', { name: 'Send invitasjon' }).click();
    await page.waitForLoadState('load');
    assert.match(await page.locator('main [role=status]').innerText(), /Invitasjonen til ny.redaktor@fjordvik.example er sendt/);
    await check('invitation sent');
    await page.goto(`${origin}/nb/demo/e-post`);
    await check('demo mail view');
    const mailText = await page.locator('.mail-text').first().innerText();
    const link = mailText.split(/\s+/).find((w) => w.startsWith('http://'));
    assert.ok(link && link.includes('/invitasjon/'), mailText);

    // The invited editor, in a browser of her own, sets a password and logs in.
    const second = await launchBrowser();
    const other = second.page;
    await other.goto(link);
    assert.match(await other.locator('h1').innerText(), /Velkommen/);
    const setPasswordViolations = await runAxe(other);
    if (setPasswordViolations.length) violations.set(`set password ${other.url()}`, setPasswordViolations);
    await other.getByLabel('Nytt passord', { exact: true }).fill('nora har et langt passord');
    await other.getByLabel('Gjenta nytt passord').fill('nora har et langt passord');
    await other.getByRole('button', { name: 'Lagre passordet' }).click();
    await other.waitForURL(/\/logg-inn\?passord=satt$/);
    await other.getByLabel('E-postadresse').fill('ny.redaktor@fjordvik.example');
    await other.getByLabel('Passord').fill('nora har et langt passord');
    await other.getByLabel('Passord').press('Enter');
    await other.waitForURL(/\/nb\/fjordvik\/start$/);
    await second.close();

    // The audit log shows all of it: logins, the invitation, the password set.
    await page.goto(`${origin}/nb/fjordvik/admin/revisjon`);
    const audit = await page.locator('main table').innerText();
    for (const event of ['innlogging', 'totrinn slått på', 'invitert', 'invitasjon tatt i bruk']) {
      assert.ok(audit.includes(event), `${event} in the audit log`);
    }

    // A password that is too common comes back with the message at the field.
    await page.goto(`${origin}/nb/fjordvik/konto`);
    await page.getByLabel('Nåværende passord').fill(PASSWORD);
    await page.getByLabel('Nytt passord', { exact: true }).fill('sommer2026sommer');
    await page.getByLabel('Gjenta nytt passord').fill('sommer2026sommer');
    await page.getByRole('button', { name: 'Bytt passord' }).click();
    await page.waitForLoadState('load');
    assert.match(await page.locator('#new-password-error').innerText(), /vanlig/);
    await check('password problem');

    // Log out with the header's button, by keyboard.
    await page.getByRole('button', { name: 'Logg ut', exact: true }).focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/nb\/fjordvik$/);
    const res = await page.goto(`${origin}/nb/fjordvik/start`);
    assert.match(page.url(), /\/logg-inn$/, `after logout: ${res.status()}`);

    assert.equal(violations.size, 0, `axe violations:\n${formatViolations(violations)}`);
  });

  it('an editor in the nynorsk tenant needs no second step', { timeout: 60_000 }, async () => {
    const { page, context } = browser;
    const { origin } = server;
    await context.clearCookies();
    await page.goto(`${origin}/nn/lauvdal-strandheim/logg-inn`);
    await page.getByLabel('E-postadresse').fill('redaktor@lauvdal-strandheim.example');
    await page.getByLabel('Passord').fill(PASSWORD);
    await page.getByLabel('Passord').press('Enter');
    await page.waitForURL(/\/nn\/lauvdal-strandheim\/start$/);
    await check('editor start');
    await page.goto(`${origin}/nn/lauvdal-strandheim/konto`);
    await check('editor account');
    const res = await page.goto(`${origin}/nn/lauvdal-strandheim/admin/brukere`);
    assert.equal(res.status(), 404, 'an editor does not administer people');
    assert.equal(violations.size, 0, `axe violations:\n${formatViolations(violations)}`);
  });

  it('a guardian logs in with the test ID-porten at level high; level substantial is refused', { timeout: 60_000 }, async () => {
    const { page, context } = browser;
    const { origin } = server;
    const foreign = [];
    const onRequest = (req) => {
      if (new URL(req.url()).origin !== origin) foreign.push(req.url());
    };
    context.on('request', onRequest);
    for (const [level, expectStart] of [['Betydelig (som MinID)', false], ['Høyt (som BankID)', true]]) {
      await context.clearCookies();
      await page.goto(`${origin}/nb/fjordvik/logg-inn`);
      await page.getByRole('link', { name: 'Logg inn med test-ID-porten (demo)' }).click();
      await page.waitForURL(/\/test-idporten\/authorize/);
      await check('test ID-porten');
      await page.getByLabel('Hanne Haugland').check();
      await page.getByLabel(level).check();
      await page.getByRole('button', { name: 'Logg inn' }).click();
      await page.waitForLoadState('load');
      if (expectStart) {
        assert.match(page.url(), /\/nb\/fjordvik\/start$/);
        assert.match(await page.locator('main').innerText(), /Hanne Haugland/);
        await check('guardian start');
      } else {
        assert.match(await page.locator('main').innerText(), /høyt sikkerhetsnivå/);
        await check('level refused');
      }
    }
    context.off('request', onRequest);
    assert.deepEqual(foreign, [], 'the test ID-porten is on the same site');
    assert.equal(violations.size, 0, `axe violations:\n${formatViolations(violations)}`);
  });

  it('the pages of forgotten passwords and spent links pass axe in both languages', { timeout: 60_000 }, async () => {
    const { page, context } = browser;
    const { origin } = server;
    await context.clearCookies();
    for (const [lang, tenant] of [['nb', 'fjordvik'], ['nn', 'lauvdal-strandheim']]) {
      await page.goto(`${origin}/${lang}/${tenant}/glemt-passord`);
      await check('forgot password');
      await page.getByLabel('E-postadresse').fill('ingen@eksempel.example');
      await page.getByRole('button', { name: 'Send lenke' }).click();
      await page.waitForLoadState('load');
      assert.match(await page.locator('h1').innerText(), /Sjekk e-posten/);
      await check('forgot password sent');
      for (const kind of ['invitasjon', 'nytt-passord']) {
        await page.goto(`${origin}/${lang}/${tenant}/${kind}/ikke-en-gyldig-lenke`);
        assert.match(await page.locator('h1').innerText(), /Lenk/);
        await check(`spent ${kind} link`);
      }
    }
    assert.equal(violations.size, 0, `axe violations:\n${formatViolations(violations)}`);
  });
});
