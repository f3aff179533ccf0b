// The console in a real browser (Debian's Chromium through playwright-core), with the real bot
// behind it: dana asks for an upgrade of the EKS Workshop's managed node group, may not approve it
// herself, sam approves it through the confirm dialog, and the thread shows the upgrade done.
// Saves a screenshot; MNG_UPDATE_SCREENSHOT=1 writes it to docs/console.png, the README's picture.
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { startDemo } from '../../src/demo/demo.js';
import { createLogger } from '../../src/log.js';
import { APPROVER, REQUESTER, startBotWithConsole, waitForRun, type BotWithConsole } from './bot-fixture.js';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOT = process.env.MNG_UPDATE_SCREENSHOT === '1' ? 'docs/console.png' : join(tmpdir(), 'mngbot-console.png');

let b: Pick<BotWithConsole, 'console' | 'close'> | undefined;
let browser: Browser | undefined;

afterEach(async () => {
  await browser?.close();
  await b?.close();
  browser = undefined;
  b = undefined;
});

function launch(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM}: run \`apt-get install -y chromium\` (CI installs it) to run the browser tests`);
  }
  return chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
}

const planMessage = (page: Page) => page.locator('#messages .msg', { hasText: 'Upgrade eksworkshop-eksctl/nodegroup' });

describe('the console in a browser', () => {
  it('request, refused self-approval, approval with the confirm dialog, finished progress in the thread', { timeout: 90_000 }, async () => {
    browser = await launch();
    // Exactly what `npm start` runs with no configuration (the simulated cloud and the bot as their
    // own processes), only faster.
    const dataDir = mkdtempSync(join(tmpdir(), 'mngbot-demo-'));
    const demo = await startDemo({ consolePort: 0, speed: 400, dataDir, log: createLogger({ level: 'warn', write: () => {} }) });
    b = { console: demo.console, close: () => demo.stop() };
    const page = await browser.newPage({ viewport: { width: 1680, height: 1050 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(b.console.url);
    await expect.poll(() => page.locator('#live').textContent()).toBe('live');
    expect(await page.locator('#as-user').inputValue()).toBe(REQUESTER.id);
    expect(await page.locator('#transport').textContent()).toBe('HTTP · signed requests');

    // dana asks.
    await page.locator('#composer-text').fill('/mng upgrade nodegroup 1.23');
    await page.locator('#composer-text').press('Enter');
    const plan = planMessage(page);
    await plan.getByRole('button', { name: 'Approve', exact: true }).waitFor({ timeout: 10_000 });
    await expect.poll(() => plan.textContent()).toMatch(/1\.22 → 1\.23/);
    const oldNodes = [...((await plan.textContent()) ?? '').matchAll(/ip-[\d-]+\.us-west-2\.compute\.internal/g)].map((m) => m[0]);
    expect(new Set(oldNodes).size).toBe(3);
    const mine = page.locator('#messages .msg.ephemeral', { hasText: 'needs an approver' });
    await mine.waitFor();
    expect(await mine.textContent()).toContain('Only visible to you');

    // dana may not approve her own request: the dialog, then a private refusal.
    await plan.getByRole('button', { name: 'Approve', exact: true }).click();
    const dialog = page.getByRole('dialog');
    await expect.poll(() => dialog.locator('#modal-title').textContent()).toBe('Approve this upgrade?');
    expect(await dialog.textContent()).toMatch(/replace 3 nodes of eksworkshop-eksctl\/nodegroup/);
    await dialog.getByRole('button', { name: 'Approve' }).click();
    await page.locator('#messages .msg.ephemeral', { hasText: 'someone else must approve' }).waitFor({ timeout: 10_000 });

    // sam: dana's private replies are not his to see.
    await page.locator('#as-user').selectOption(APPROVER.id);
    await expect.poll(() => page.locator('.person.me').textContent()).toContain('sam');
    await expect.poll(() => page.locator('#messages .msg.ephemeral').count()).toBe(0);
    await planMessage(page).getByRole('button', { name: 'Approve', exact: true }).click();
    await expect.poll(() => dialog.isVisible()).toBe(true);
    // "Not yet" first: nothing happens.
    await dialog.getByRole('button', { name: 'Not yet' }).click();
    expect(await dialog.isVisible()).toBe(false);
    expect(await planMessage(page).getByRole('button', { name: 'Approve', exact: true }).count()).toBe(1);
    expect(await planMessage(page).textContent()).not.toMatch(/approved by/);
    await planMessage(page).getByRole('button', { name: 'Approve', exact: true }).click();
    await dialog.getByRole('button', { name: 'Approve' }).click();

    // The plan message is edited live (chat.update, pushed to the page): approved, then done.
    await expect.poll(() => planMessage(page).textContent(), { timeout: 20_000 }).toMatch(/approved by @sam/);
    await expect.poll(() => planMessage(page).textContent(), { timeout: 60_000 }).toMatch(/Succeeded|Failed|Aborted/);
    expect(await planMessage(page).textContent()).toMatch(/Succeeded/);
    expect(await planMessage(page).getByRole('button', { name: 'Approve', exact: true }).count()).toBe(0);

    // The thread: the progress message, edited in place to its end, and the summary.
    await planMessage(page).locator('button.replies').click();
    const thread = page.locator('#thread-messages');
    await expect.poll(() => thread.textContent(), { timeout: 10_000 }).toMatch(/Upgrade succeeded/);
    const threadText = (await thread.textContent()) ?? '';
    expect(threadText).toMatch(/Replaced 3\/3/);
    expect(threadText).toMatch(/Nodes replaced\s*3\/3/);
    for (const n of oldNodes) expect(threadText).toContain(n);

    // The picture for the README: the plan and its approval on the left, the finished thread on the right.
    await thread.locator('.thread-sep').evaluate((el) => el.scrollIntoView({ block: 'start' }));
    await page.locator('#messages').evaluate((el) => (el.scrollTop = el.scrollHeight));
    await page.mouse.move(1, 1);
    mkdirSync(dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT });
    expect(errors).toEqual([]);
  });
});

describe('the page says how the bot is reached', () => {
  it('Socket Mode, and whether the bot is connected', { timeout: 30_000 }, async () => {
    browser = await launch();
    const bot = await startBotWithConsole({ transport: 'socket' });
    b = bot;
    const page = await browser.newPage();
    await page.goto(bot.console.url);
    await expect.poll(() => page.locator('#transport').textContent()).toBe('Socket Mode · bot connected');
    // Slack asks for a refresh: the page hears the bot go and come back.
    bot.console.socketMode!.refresh();
    await expect.poll(() => page.locator('#transport').textContent(), { timeout: 15_000 }).toBe('Socket Mode · bot not connected');
    await expect.poll(() => page.locator('#transport').textContent(), { timeout: 15_000 }).toBe('Socket Mode · bot connected');
  });
});

describe('the page draws messages as Slack does', () => {
  it('Block Kit and mrkdwn, with nothing taken from the text as HTML', { timeout: 30_000 }, async () => {
    browser = await launch();
    b = await startBotWithConsole();
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${b.console.url}?as=${APPROVER.id}`);
    await expect.poll(() => page.locator('#live').textContent()).toBe('live');
    expect(await page.locator('#as-user').inputValue()).toBe(APPROVER.id);

    const blocks = [
      { type: 'header', text: { type: 'plain_text', text: 'A header :white_check_mark:', emoji: true } },
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text:
            '*bold* _italic_ ~gone~ `inline code` snake_case_name 2*3*4 &lt;img src=x onerror="window.hacked=1"&gt; &amp;\n' +
            '<https://example.com/docs|the docs> <javascript:alert(1)|bad link> <@U0REQUESTER> <!subteam^S0OPS|@ops> :x: :not_an_emoji:\n' +
            '&gt; a quote\n```line 1\n  line 2 *not bold*```after',
        },
        fields: [
          { type: 'mrkdwn', text: '*Field one*\nvalue 1' },
          { type: 'mrkdwn', text: '*Field two*\nvalue 2' },
        ],
      },
      { type: 'divider' },
      { type: 'context', elements: [{ type: 'mrkdwn', text: 'context _note_' }] },
      { type: 'actions', block_id: 'a1', elements: [{ type: 'button', action_id: 'x_danger', text: { type: 'plain_text', text: 'Danger' }, style: 'danger', value: '1' }] },
      { type: 'rich_text', elements: [] },
    ];
    const res = await fetch(`${b.console.apiUrl}chat.postMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer xoxb-console-test-0000' },
      body: JSON.stringify({ channel: 'platform-ops', text: 'fallback', blocks }),
    });
    expect(((await res.json()) as { ok: boolean }).ok).toBe(true);
    // A person's message with markup-looking text stays text.
    await page.locator('#composer-text').fill('<b>not bold</b> & <@U0APPROVER> @sam');
    await page.locator('#composer-text').press('Enter');

    const msg = page.locator('#messages .msg', { hasText: 'A header' });
    await msg.waitFor();
    expect(await msg.locator('.b-header .emoji').count()).toBe(1);
    expect(await msg.locator('b', { hasText: 'bold' }).first().textContent()).toBe('bold');
    expect(await msg.locator('i').first().textContent()).toBe('italic');
    expect(await msg.locator('s').textContent()).toBe('gone');
    expect(await msg.locator('code').textContent()).toBe('inline code');
    const text = (await msg.locator('.b-section-main > .b-text').textContent()) ?? '';
    expect(text).toContain('snake_case_name 2*3*4 <img src=x onerror="window.hacked=1"> &');
    expect(text).toContain(':not_an_emoji:');
    expect(text).toContain('@dana');
    expect(text).toContain('@ops');
    expect(await msg.locator('img').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { hacked?: number }).hacked)).toBeUndefined();
    const link = msg.locator('a.link');
    expect(await link.count()).toBe(1);
    expect(await link.getAttribute('href')).toBe('https://example.com/docs');
    expect(await link.textContent()).toBe('the docs');
    expect(await msg.locator('blockquote').textContent()).toBe('a quote');
    expect(await msg.locator('pre').textContent()).toBe('line 1\n  line 2 *not bold*');
    expect(await msg.locator('.b-field').allTextContents()).toEqual(['Field one\nvalue 1', 'Field two\nvalue 2']);
    expect(await msg.locator('hr.b-divider').count()).toBe(1);
    expect(await msg.locator('.b-context i').textContent()).toBe('note');
    expect(await msg.getByRole('button', { name: 'Danger' }).getAttribute('class')).toContain('danger');
    expect(await msg.locator('.b-unsupported').textContent()).toBe('[rich_text block]');

    const mine = page.locator('#messages .msg', { hasText: 'not bold</b>' });
    await mine.waitFor();
    // Typed <@…> is text, as in Slack; @name of a person becomes a mention.
    expect(await mine.locator('.m-body').textContent()).toBe('<b>not bold</b> & <@U0APPROVER> @sam');
    expect(await mine.locator('.m-body b').count()).toBe(0);
    expect(await mine.locator('.m-body .mention').allTextContents()).toEqual(['@sam']);

    // A long channel scrolls inside its pane: the header and the message box stay in view, the newest message too.
    for (let i = 0; i < 40; i++) await page.evaluate((n) => fetch('/console/type', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: 'U0APPROVER', text: `message ${n}` }) }), i);
    await page.locator('#messages .msg', { hasText: 'message 39' }).waitFor();
    expect(await page.evaluate(() => document.scrollingElement!.scrollTop)).toBe(0);
    const box = (await page.locator('#composer').boundingBox())!;
    expect(box.y + box.height).toBeLessThanOrEqual(900);
    expect(await page.locator('#messages .msg', { hasText: 'message 39' }).isVisible()).toBe(true);
    const last = (await page.locator('#messages .msg', { hasText: 'message 39' }).boundingBox())!;
    expect(last.y + last.height).toBeLessThanOrEqual(box.y);
    expect(errors).toEqual([]);
  });
});
