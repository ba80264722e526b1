import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { candlePixels, launchChromium, startServe } from './browser';
import { paths, rpc, sharedData, tempDir } from './helpers';

const ARTIFACTS = path.join(paths.root, 'test-artifacts');

describe('the app in headless Chromium against quantdesk serve', () => {
  let browser: Browser;
  let serve: Awaited<ReturnType<typeof startServe>>;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    serve = await startServe(tempDir(), ['--demo-days', '20']);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  });
  /** Backfills the demo's ES book or options for the day before the lake's last ES minute; returns the day. */
  const backfillDemoDay = async (schema: 'mbp-10' | 'options'): Promise<string> => {
    const last = await rpc(serve.url, 'bars.get', { symbol: 'ES', timeframe: '1m', limit: 1 });
    const day = new Date(last.t[0]! - 86_400_000).toISOString().slice(0, 10);
    const job = await rpc(serve.url, 'jobs.start', { kind: 'backfill', source: 'demo', symbols: ['ES'], timeframe: '1m', from: day, to: day, schema });
    await expect.poll(async () => (await rpc(serve.url, 'jobs.get', { jobId: job.jobId })).status, { timeout: 60_000 }).toBe('succeeded');
    return day;
  };

  // The tests share one page: a test that fails with a dialog open would otherwise fail every test after it.
  afterEach(async (ctx) => {
    if (ctx.task.result?.state !== 'fail') return;
    for (let i = 0; i < 3 && (await page.locator('[role="dialog"]').count()) > 0; i++) await page.keyboard.press('Escape');
  });
  afterAll(async () => {
    await browser?.close();
    await serve?.stop();
  });

  it('seeds the demo lake by itself on a fresh home and draws candles on the chart', async () => {
    await page.goto(serve.url);
    await page.getByTestId('status-bar').getByText('headless').waitFor();
    // The seed runs as a job: the empty chart shows its progress, then candles appear.
    await page.getByTestId('symbol-picker').locator('option').first().waitFor({ state: 'attached', timeout: 90_000 });
    await expect.poll(async () => (await candlePixels(page)).up + (await candlePixels(page)).down, { timeout: 30_000 }).toBeGreaterThan(500);
    const px = await candlePixels(page);
    expect(px.up).toBeGreaterThan(100);
    expect(px.down).toBeGreaterThan(100);
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'chart.png') });
    expect(fs.statSync(path.join(ARTIFACTS, 'chart.png')).size).toBeGreaterThan(10_000);
  });

  it('follows the system between dark and light, the chart’s canvas included', async () => {
    /** Share of chart canvas pixels painted in a colour: the background dominates an idle chart. */
    const share = (rgb: [number, number, number]): Promise<number> =>
      page.evaluate((c) => {
        let hit = 0;
        let all = 0;
        for (const canvas of document.querySelectorAll<HTMLCanvasElement>('[data-testid="chart"] canvas')) {
          const ctx = canvas.getContext('2d');
          if (!ctx || canvas.width === 0 || canvas.height === 0) continue;
          const d = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
          for (let i = 0; i < d.length; i += 4) {
            if (d[i + 3] !== 255) continue;
            all++;
            if (d[i] === c[0] && d[i + 1] === c[1] && d[i + 2] === c[2]) hit++;
          }
        }
        return all === 0 ? 0 : hit / all;
      }, rgb);
    const dark: [number, number, number] = [0x13, 0x17, 0x22];
    const white: [number, number, number] = [0xff, 0xff, 0xff];
    await page.emulateMedia({ colorScheme: 'dark' });
    await expect.poll(() => share(dark)).toBeGreaterThan(0.3);
    await page.emulateMedia({ colorScheme: 'light' });
    await expect.poll(() => page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor)).toBe('rgb(255, 255, 255)');
    await expect.poll(() => share(white)).toBeGreaterThan(0.3);
    expect(await share(dark)).toBeLessThan(0.05);
    await page.emulateMedia({ colorScheme: 'dark' });
    await expect.poll(() => share(dark)).toBeGreaterThan(0.3);
  });

  it('switches timeframe and shows OHLCV in the crosshair legend', async () => {
    await page.getByTestId('tf-1d').click();
    await expect.poll(() => page.getByTestId('legend').textContent(), { timeout: 15_000 }).toMatch(/^\d+ bars loaded · times in session dates$/);
    await page.getByTestId('tf-15m').click();
    const box = (await page.getByTestId('chart').boundingBox())!;
    // The crosshair follows mouse moves only: move again on every poll, in case the bars arrived after the last one.
    let dx = 0;
    await expect
      .poll(async () => {
        await page.mouse.move(box.x + box.width * (0.6 + (dx++ % 2) * 0.01), box.y + box.height * 0.4);
        return page.getByTestId('legend').textContent();
      }, { timeout: 15_000 })
      .toMatch(/O [\d.]+ {2}H [\d.]+ {2}L [\d.]+ {2}C [\d.]+ {2}V [\d,]+/);
  });

  it('runs a backfill from Data → Backfill…, shows its progress, and the Data view shows the new rows', async () => {
    await page.getByRole('menuitem', { name: 'Data' }).click();
    await page.getByRole('menuitem', { name: /Backfill/ }).click();
    const dialog = page.getByTestId('backfill-dialog');
    await dialog.waitFor();
    await page.getByTestId('bf-symbol-ES').uncheck();
    await page.getByTestId('bf-symbol-RTY').check();
    await page.getByTestId('bf-from').fill('2023-01-01');
    await page.getByTestId('bf-to').fill('2023-06-30');
    await page.getByTestId('bf-start').click();
    await page.getByTestId('bf-progress-bar').waitFor();
    const summary = page.getByTestId('bf-summary');
    await expect.poll(() => summary.textContent(), { timeout: 60_000 }).toMatch(/^Done: [\d,]+ new bars, 0 already present$/);
    const text = (await summary.textContent()) ?? '';
    const newBars = Number(/Done: ([\d,]+)/.exec(text)![1]!.replaceAll(',', ''));
    expect(newBars).toBeGreaterThan(100_000);
    expect(await page.getByTestId('bf-progress-bar').getAttribute('value')).toBe('1');
    await page.getByTestId('bf-close').click();

    await page.getByTestId('nav-data').click();
    const rtyRows = page.getByTestId('rows-RTY');
    await expect.poll(() => rtyRows.textContent(), { timeout: 10_000 }).not.toBeNull();
    const shown = Number(((await rtyRows.textContent()) ?? '').replaceAll(',', ''));
    const res = await fetch(`${serve.url}/rpc/lake.summary`, { method: 'POST', body: '{}' });
    const rty = ((await res.json()) as { symbol: string; rows: number }[]).find((r) => r.symbol === 'RTY')!;
    expect(shown).toBe(rty.rows);
    expect(shown).toBeGreaterThanOrEqual(newBars);
    // Three months later another range: the series' coverage strip shows the hole at a glance.
    const later = await rpc(serve.url, 'jobs.start', { kind: 'backfill', source: 'demo', symbols: ['RTY'], timeframe: '1m', from: '2023-10-02', to: '2023-10-05' });
    await expect.poll(async () => (await rpc(serve.url, 'jobs.get', { jobId: later.jobId })).status, { timeout: 60_000 }).toBe('succeeded');
    const strip = page.getByTestId('coverage-RTY');
    const empty = (): Promise<string[]> => strip.locator('.coverage-month.empty').evaluateAll((cells) => cells.map((c) => c.getAttribute('data-month') ?? ''));
    // (The lake may hold later RTY months from the app's first start; January to October 2023 are this test's.)
    await expect.poll(async () => (await empty()).filter((m) => m <= '2023-10'), { timeout: 10_000 }).toEqual(['2023-07', '2023-08', '2023-09']);
    expect(await strip.textContent()).toMatch(/\d+ sessions missing/);
    expect(await strip.locator('.coverage-month.full[data-month="2023-05"]').count()).toBe(1);
  });

  it('names the bad field in the dialog instead of failing silently', async () => {
    await page.keyboard.press('Control+b');
    await page.getByTestId('backfill-dialog').waitFor();
    // The symbols chosen last time are remembered.
    expect(await page.getByTestId('bf-symbol-RTY').isChecked()).toBe(true);
    expect(await page.getByTestId('bf-symbol-ES').isChecked()).toBe(false);
    await page.getByTestId('bf-symbol-RTY').uncheck();
    await page.getByTestId('bf-start').click();
    await expect.poll(() => page.getByTestId('backfill-dialog').textContent()).toContain('name at least one symbol');
    // A vendor source asks for typed symbols and says which key it needs when none is set.
    await page.getByTestId('bf-source').selectOption('polygon');
    // The headless host cannot encrypt keys: the dialog says which variable to set instead of offering a field.
    await expect.poll(() => page.getByTestId('bf-key-env').textContent()).toMatch(/No API key: set POLYGON_API_KEY/);
    expect(await page.getByTestId('bf-key-input').count()).toBe(0);
    await page.getByTestId('bf-symbols-text').fill('AAPL');
    await page.getByTestId('bf-timeframe').selectOption('1d');
    await page.getByTestId('bf-start').click();
    await expect.poll(() => page.getByTestId('backfill-dialog').textContent()).toContain('POLYGON_API_KEY');
    await page.getByTestId('backfill-dialog').getByRole('button', { name: 'Cancel' }).click();
    await page.getByTestId('backfill-dialog').waitFor({ state: 'detached' });
    // Source, symbols and timeframe survive a reload; the dates start from the last 30 days again.
    await page.reload();
    await page.getByTestId('nav-chart').waitFor();
    await page.keyboard.press('Control+b');
    await page.getByTestId('backfill-dialog').waitFor();
    // The sources arrive from the host after the dialog opens; until then the choice is empty.
    await expect.poll(() => page.getByTestId('bf-source').inputValue()).toBe('polygon');
    expect(await page.getByTestId('bf-symbols-text').inputValue()).toBe('AAPL');
    expect(await page.getByTestId('bf-timeframe').inputValue()).toBe('1d');
    expect(Date.parse(await page.getByTestId('bf-to').inputValue())).toBeGreaterThan(Date.now() - 3 * 86_400_000);
    // Dates are typed and shown as YYYY-MM-DD, as every date in the app and its errors; another form is marked at once.
    expect(await page.getByTestId('bf-to').inputValue()).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    await page.getByTestId('bf-from').fill('03/01/2024');
    expect(await page.getByTestId('bf-from').getAttribute('aria-invalid')).toBe('true');
    await page.getByTestId('backfill-dialog').getByRole('button', { name: 'Pick a date' }).first().click();
    await page.getByTestId('bf-from').fill('2024-03-01');
    expect(await page.getByTestId('bf-from').getAttribute('aria-invalid')).toBe('false');
    await page.getByTestId('bf-source').selectOption('demo');
    await page.getByTestId('backfill-dialog').getByRole('button', { name: 'Cancel' }).click();
    await page.getByTestId('backfill-dialog').waitFor({ state: 'detached' });
  });

  it('closes dialogs on Escape and a backdrop click, keeps shortcuts from acting behind them, and starts one job for a double click', async () => {
    await page.getByTestId('nav-chart').click();
    await page.keyboard.press('Control+b');
    const dialog = page.getByTestId('backfill-dialog');
    await dialog.waitFor();
    // Ctrl+3 (View → Features) waits behind the dialog; Escape closes it.
    await page.keyboard.press('Control+3');
    expect(await page.getByTestId('nav-chart').getAttribute('aria-current')).toBe('page');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    // A click on the backdrop closes it; one inside the dialog does not.
    await page.keyboard.press('Control+b');
    await dialog.waitFor();
    await dialog.locator('h2').click();
    expect(await dialog.count()).toBe(1);
    await page.mouse.click(5, 5);
    await dialog.waitFor({ state: 'detached' });
    // A double click on Start starts one backfill.
    const backfills = async (): Promise<number> => (await rpc(serve.url, 'jobs.list', { all: true })).filter((j: { kind: string }) => j.kind === 'backfill').length;
    const before = await backfills();
    await page.keyboard.press('Control+b');
    await dialog.waitFor();
    await page.getByTestId('bf-symbol-ES').uncheck();
    await page.getByTestId('bf-symbol-CL').check();
    await page.getByTestId('bf-from').fill('2022-01-03');
    await page.getByTestId('bf-to').fill('2022-01-07');
    await page.getByTestId('bf-start').dblclick();
    await page.getByTestId('bf-progress-bar').waitFor();
    await expect.poll(() => page.getByTestId('bf-summary').textContent(), { timeout: 60_000 }).toMatch(/^Done:/);
    expect(await backfills()).toBe(before + 1);
    await page.getByTestId('bf-close').click();
    await dialog.waitFor({ state: 'detached' });
    // Help → Keyboard Shortcuts (Ctrl+/) lists every accelerator from the menus' own model; no model yet points to Research → Train….
    await page.keyboard.press('Control+/');
    const sheet = page.getByTestId('shortcut-sheet');
    await sheet.waitFor();
    const text = (await sheet.textContent()) ?? '';
    for (const part of ['Backfill…', 'Ctrl + B', 'Halt All Trading', 'Ctrl + Shift + K', 'Keyboard Shortcuts', 'Escape']) expect(text).toContain(part);
    await page.keyboard.press('Escape');
    await sheet.waitFor({ state: 'detached' });
    await page.getByTestId('nav-models').click();
    await expect.poll(() => page.getByTestId('models-empty').textContent()).toContain('Research → Train…');
    // F1 (Help → Guide to This View) explains the view shown.
    await page.keyboard.press('F1');
    await expect.poll(() => page.getByTestId('view-guide').textContent()).toMatch(/^Models.*training form/);
    await page.keyboard.press('Escape');
    await page.getByTestId('nav-data').click();
    await page.getByRole('menuitem', { name: 'Help' }).click();
    await page.getByRole('menuitem', { name: 'Guide to This View' }).click();
    await expect.poll(() => page.getByTestId('view-guide').textContent()).toMatch(/^Data.*Delete… removes a series/);
    await page.keyboard.press('Escape');
  });

  it('offers Edit & retry, not Resume, for a job that failed on its input, and the retried import succeeds', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'zoned.csv');
    fs.writeFileSync(file, 'time,open,high,low,close,volume\n2024-01-02 10:00,1,2,0.5,1.5,10\n2024-01-02 10:01,1.5,2,1,1.8,12\n');
    const { jobId } = await rpc(serve.url, 'jobs.start', { kind: 'import', paths: [file], symbol: 'ZONED', tz: 'Mars/Olympus' });
    await expect.poll(async () => (await rpc(serve.url, 'jobs.get', { jobId })).status, { timeout: 30_000 }).toBe('failed');
    await page.getByTestId('nav-jobs').click();
    await expect.poll(() => page.getByTestId(`job-status-${jobId}`).textContent()).toBe('failed on its input');
    expect(await page.getByTestId(`job-${jobId}`).getByRole('button', { name: 'Resume' }).count()).toBe(0);
    await page.getByTestId(`job-retry-${jobId}`).click();
    const dialog = page.getByTestId('import-dialog');
    await dialog.waitFor();
    expect(await page.getByTestId('im-paths').inputValue()).toBe(file);
    expect(await page.getByTestId('im-symbol').inputValue()).toBe('ZONED');
    expect(await page.getByTestId('im-tz').inputValue()).toBe('Mars/Olympus');
    await page.getByTestId('im-tz').fill('UTC');
    await page.getByTestId('im-start').click();
    await expect.poll(() => page.getByTestId('im-summary').textContent(), { timeout: 30_000 }).toMatch(/^Done: 2 accepted, 0 rejected/);
    await page.getByTestId('im-close').click();
    await dialog.waitFor({ state: 'detached' });
  });

  it('imports a file chosen in File → Import…, then shows its rejects, a QA report and SQL results in the Data view', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'CLX_bt.csv');
    fs.writeFileSync(file, ['Date,Time,Open,High,Low,Close,Volume', '2024-03-01,14:30:00,78.1,78.2,78.0,78.15,10', '2024-03-01,14:31:00,78.15,78.3,78.1,bad,10', '2024-03-01,14:32:00,78.2,78.25,78.1,78.2,12'].join('\n'));
    await page.getByRole('menuitem', { name: 'File' }).click();
    await page.getByRole('menuitem', { name: 'Import…' }).click();
    await page.getByTestId('import-dialog').waitFor();
    await page.getByTestId('im-files').setInputFiles(file);
    await page.getByTestId('im-start').click();
    await expect.poll(() => page.getByTestId('im-summary').textContent(), { timeout: 30_000 }).toBe('Done: 2 accepted, 1 rejected, 0 duplicates of 3 rows');
    await page.getByTestId('im-close').click();

    await page.getByTestId('nav-data').click();
    await page.getByTestId('data-tab-rejects').click();
    const rejects = page.getByTestId('rejects-table');
    await expect.poll(() => rejects.textContent()).toContain('CLX_bt.csv');
    expect(await rejects.textContent()).toContain('bad number in close: "bad"');

    await page.getByTestId('data-tab-series').click();
    await page.getByTestId('qa-CLX').click();
    await expect.poll(() => page.getByTestId('qa-panel').textContent()).toContain('2 bars');

    await page.getByTestId('data-tab-sql').click();
    await page.getByTestId('sql-input').fill("SELECT symbol, count(*) AS n FROM bars WHERE symbol = 'CLX' GROUP BY 1");
    await page.getByTestId('sql-run').click();
    await expect.poll(() => page.getByTestId('sql-table').textContent()).toContain('CLX2');
    await page.getByTestId('sql-input').fill('DROP TABLE bars');
    await page.getByTestId('sql-run').click();
    await expect.poll(() => page.getByTestId('sql-error').textContent()).toMatch(/read-only/);
    // A failed query leaves no old result to read or export, and says what was wrong in the user's terms.
    expect(await page.getByTestId('sql-table').count()).toBe(0);
    expect(await page.getByTestId('sql-export').isEnabled()).toBe(false);
    await page.getByTestId('sql-input').fill('SELECT closee FROM bars');
    await page.getByTestId('sql-run').click();
    await expect.poll(() => page.getByTestId('sql-error').textContent()).toMatch(/^SQL error \(line 1\): there is no column closee in the tables the query reads; did you mean close/);
    // A query that would run for hours is stopped from the page, and the console answers again.
    await page.getByTestId('sql-input').fill('SELECT count(*) FROM range(1000000000000) t(x) WHERE x % 7 = 3');
    await page.getByTestId('sql-run').click();
    await expect.poll(() => page.getByTestId('sql-stop').isEnabled()).toBe(true);
    expect(await page.getByTestId('sql-status').textContent()).toBe('Running… (Stop cancels it)');
    await page.getByTestId('sql-stop').click();
    await expect.poll(() => page.getByTestId('sql-error').textContent()).toMatch(/stopped before it finished/);
    await expect.poll(() => page.getByTestId('sql-run').isEnabled()).toBe(true);
  });

  it('maps the columns of an unfamiliar CSV in the import dialog and remembers them for its layout', async () => {
    const dir = tempDir();
    const first = path.join(dir, 'MAPA.csv');
    fs.writeFileSync(first, ['Zeit,Kurs,Stueck', '2024-02-01 14:30:00,10,5', '2024-02-01 14:31:00,10.5,6'].join('\n'));
    await page.keyboard.press('Control+o');
    await page.getByTestId('import-dialog').waitFor();
    await page.getByTestId('im-files').setInputFiles(first);
    await page.getByTestId('im-mapping').waitFor();
    expect(await page.getByTestId('im-mapping').textContent()).toContain('Zeit');
    await page.getByTestId('im-map-time').selectOption('Zeit');
    await page.getByTestId('im-map-close').selectOption('Kurs');
    await page.getByTestId('im-map-volume').selectOption('Stueck');
    await page.getByTestId('im-start').click();
    await expect.poll(() => page.getByTestId('im-summary').textContent(), { timeout: 30_000 }).toBe('Done: 2 accepted, 0 rejected, 0 duplicates of 2 rows');
    await page.getByTestId('im-close').click();
    const second = path.join(dir, 'MAPB.csv');
    fs.writeFileSync(second, ['Zeit,Kurs,Stueck', '2024-02-02 14:30:00,11,7'].join('\n'));
    await page.keyboard.press('Control+o');
    await page.getByTestId('im-files').setInputFiles(second);
    await expect.poll(() => page.getByTestId('im-mapping').textContent()).toContain('remembered');
    expect(await page.getByTestId('im-map-close').inputValue()).toBe('Kurs');
    await page.getByTestId('im-start').click();
    await expect.poll(() => page.getByTestId('im-summary').textContent(), { timeout: 30_000 }).toBe('Done: 1 accepted, 0 rejected, 0 duplicates of 1 rows');
    await page.getByTestId('im-close').click();
  });

  it('imports a host file by path through the mapping step, warns about zoneless intraday times, and deletes a series on confirmation', async () => {
    await page.keyboard.press('Control+o');
    await page.getByTestId('import-dialog').waitFor();
    await page.getByTestId('im-paths').fill(sharedData('real', 'eustock.csv'));
    await expect.poll(() => page.getByTestId('im-mapping').textContent()).toContain('DAX');
    // The symbol is proposed from the file's name once its preview arrives.
    await expect.poll(() => page.getByTestId('im-symbol').inputValue()).toBe('EUSTOCK');
    // No column is recognised as the time: the dialog asks for it instead of failing the job.
    await page.getByTestId('im-start').click();
    await expect.poll(() => page.getByTestId('im-mapping').textContent()).toMatch(/Choose the column that holds the time \(Time, above\); eustock\.csv has t, DAX/);
    expect(await page.getByTestId('im-progress').count()).toBe(0);
    await page.getByTestId('im-map-time').selectOption('t');
    await page.getByTestId('im-map-close').selectOption('DAX');
    await page.getByTestId('im-symbol').fill('DAXE');
    await page.getByTestId('im-start').click();
    await expect.poll(() => page.getByTestId('im-summary').textContent(), { timeout: 30_000 }).toMatch(/^Done: 1,860 accepted, 0 rejected/);
    await page.getByTestId('im-close').click();

    await page.keyboard.press('Control+o');
    await page.getByTestId('im-paths').fill(sharedData('real', 'usdchf_30m.csv'));
    await expect.poll(() => page.getByTestId('im-zone-warning').textContent()).toMatch(/column time \(e\.g\. 1996-04-01 00:00:00\) are intraday and carry no zone: they will be read as UTC/);
    // The symbol is proposed from the file's name once its preview arrives.
    await expect.poll(() => page.getByTestId('im-symbol').inputValue()).toBe('USDCHF_30M');
    await page.getByTestId('im-tz').fill('Europe/Zurich');
    await expect.poll(() => page.getByTestId('im-zone-warning').count()).toBe(0);
    await page.keyboard.press('Escape');
    await page.getByTestId('import-dialog').waitFor({ state: 'detached' });

    await page.getByTestId('nav-data').click();
    await page.getByTestId('data-tab-series').click();
    await page.getByTestId('delete-DAXE-1d').click();
    await expect.poll(() => page.getByTestId('delete-series').textContent()).toMatch(/Delete all 1,860 1d bars of DAXE .* The rejected rows of the imports that wrote them stay/);
    await page.keyboard.press('Escape');
    expect(await page.getByTestId('series-DAXE').count()).toBe(1);
    await page.getByTestId('delete-DAXE-1d').click();
    await page.getByTestId('delete-series-yes').click();
    await expect.poll(() => page.getByTestId('series-deleted').textContent()).toMatch(/^Deleted DAXE 1d: 1,860 rows in \d+ files/);
    await expect.poll(() => page.getByTestId('series-DAXE').count()).toBe(0);
  });

  it('adds indicators to the chart: bands on the price pane, RSI in a pane of its own, and explains a bad spec', async () => {
    await page.getByTestId('nav-chart').click();
    const canvases = (): Promise<number> => page.locator('[data-testid="chart"] canvas').count();
    const before = await canvases();
    await page.getByTestId('add-bbands(20,2)').click();
    await page.getByTestId('add-rsi(14)').click();
    await expect.poll(() => page.getByTestId('indicator-chip').count()).toBe(2);
    await expect.poll(canvases).toBeGreaterThan(before);
    await page.getByTestId('indicator-spec').fill('rsi(0)');
    await page.getByTestId('indicator-spec').press('Enter');
    await expect.poll(() => page.getByTestId('indicator-error').textContent()).toMatch(/rsi\(0\).*between 1 and 10000/);
    await page.getByTestId('indicator-spec').fill('stoch(14,3,3)');
    await page.getByTestId('indicator-spec').press('Enter');
    await expect.poll(() => page.getByTestId('indicator-chip').count()).toBe(3);
    // The legend gives every indicator line's value at the crosshair; the stochastic reads 0–100 like RSI.
    const box = (await page.getByTestId('chart').boundingBox())!;
    const hover = async (fx: number): Promise<string> => {
      await page.mouse.move(box.x + box.width * fx, box.y + box.height * 0.2);
      return (await page.getByTestId('legend').textContent()) ?? '';
    };
    let k = 0;
    await expect.poll(async () => (await hover(0.5 + (k++ % 2) * 0.01), page.getByTestId('legend-value').count()), { timeout: 15_000 }).toBeGreaterThanOrEqual(6);
    const values = Object.fromEntries((await page.getByTestId('legend-value').allTextContents()).map((x) => [x.split(' ')[0]!, Number(x.split(' ')[1])]));
    expect(Object.keys(values)).toEqual(expect.arrayContaining(['bbands_20_2_upper', 'rsi_14', 'stoch_14_3_3_k', 'stoch_14_3_3_d']));
    for (const name of ['rsi_14', 'stoch_14_3_3_k', 'stoch_14_3_3_d']) {
      expect(values[name]).toBeGreaterThanOrEqual(0);
      expect(values[name]).toBeLessThanOrEqual(100);
    }
    // The time axis and crosshair in a chosen zone, named: New York is 4 or 5 hours behind UTC.
    const utcTime = (await hover(0.5)).match(/^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}) UTC/)![1]!;
    await page.getByTestId('chart-zone').selectOption('America/New_York');
    await expect.poll(async () => (await hover(0.5)).match(/^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}) (EST|EDT)/)?.[1]).toBeTruthy();
    const nyTime = (await hover(0.5)).match(/^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}) (EST|EDT)/)![1]!;
    expect([4, 5]).toContain((Date.parse(`${utcTime.replace(' ', 'T')}:00Z`) - Date.parse(`${nyTime.replace(' ', 'T')}:00Z`)) / 3_600_000);
    await page.getByTestId('chart-zone').selectOption('UTC');
    // Go to a date: the chart centres on it; a date past the series says so.
    // A day that has bars, well before the ones shown (the lake has gaps between backfilled ranges).
    await page.getByTestId('tf-1h').click();
    const charted = await page.getByTestId('symbol-picker').inputValue();
    const older = await rpc(serve.url, 'bars.get', { symbol: charted, timeframe: '1h', limit: 2000 });
    const target = new Date(older.t[100]!).toISOString().slice(0, 10);
    await page.getByTestId('chart-goto').fill(target);
    await page.getByTestId('chart-goto-go').click();
    // The chart loads the page of bars that ends 150 bars after the date (the view is then centred on it).
    const page150 = await rpc(serve.url, 'bars.get', { symbol: charted, timeframe: '1h', to: new Date(Date.parse(`${target}T00:00:00Z`) + 150 * 3_600_000).toISOString(), limit: 3000 });
    await page.mouse.move(box.x + box.width / 2, box.y - 60);
    await expect.poll(() => page.getByTestId('legend').textContent(), { timeout: 15_000 }).toBe(`${page150.t.length.toLocaleString('en-US')} bars loaded · times in UTC`);
    expect(page150.t.length).toBeLessThan(older.t.length);
    await page.getByTestId('chart-goto').fill('2099-01-01');
    await page.getByTestId('chart-goto-go').click();
    await expect.poll(() => page.locator('.chart-view .error').textContent()).toMatch(/has no bars on or after 2099-01-01; the last is/);
    await page.getByTestId('chart-goto-latest').click();
    // Drawings: a horizontal line and a trend line, kept per symbol across a reload.
    await page.getByTestId('draw-hline').click();
    await page.mouse.click(box.x + box.width * 0.4, box.y + box.height * 0.25);
    await expect.poll(() => page.getByTestId('drawing-chip').count()).toBe(1);
    expect(await page.getByTestId('drawing-chip').first().textContent()).toMatch(/^— [\d.]+×$/);
    await page.getByTestId('draw-trend').click();
    const plot = (await page.getByTestId('chart').boundingBox())!;
    await page.waitForTimeout(600);
    // The hint asks for the other end once the first is placed. A loaded machine (CI) has lost this click
    // while the chart was still settling: it is given again (up to three times), after the double-click window.
    const trendActive = async (): Promise<boolean> => ((await page.getByTestId('draw-trend').getAttribute('class')) ?? '').includes('active');
    const firstEnd = async (): Promise<boolean> => {
      // The hint reads the same with the tool off: a lost click on the tool's button is given again first.
      if (!(await trendActive())) await page.getByTestId('draw-trend').click();
      await page.mouse.click(plot.x + plot.width * 0.3, plot.y + plot.height * 0.2);
      return expect
        .poll(() => page.getByTestId('draw-hint').textContent(), { timeout: 5_000 })
        .toBe('Now click the trend line’s other end.')
        .then(
          () => true,
          () => false,
        );
    };
    let placed = await firstEnd();
    for (let attempt = 0; attempt < 3 && !placed; attempt++) {
      await page.waitForTimeout(1_000);
      placed = await firstEnd();
    }
    expect(placed, `trend tool ${(await trendActive()) ? 'on' : 'off'}; legend ${await page.getByTestId('legend').textContent()}`).toBe(true);
    // lightweight-charts takes a second press within 500 ms of the last for half of a double click, not a click.
    await page.waitForTimeout(600);
    await page.mouse.click(plot.x + plot.width * 0.6, plot.y + plot.height * 0.1);
    await expect.poll(() => page.getByTestId('drawing-chip').count()).toBe(2);
    expect(await page.getByTestId('drawing-chip').nth(1).textContent()).toMatch(/^╱ \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC [\d.]+ → \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC [\d.]+×$/);
    const drawnOn = await page.getByTestId('symbol-picker').inputValue();
    await page.reload();
    await expect.poll(() => page.getByTestId('drawing-chip').count()).toBe(2);
    await page.getByTestId('symbol-picker').selectOption(drawnOn === 'NQ' ? 'ES' : 'NQ');
    await expect.poll(() => page.getByTestId('drawing-chip').count()).toBe(0);
    await page.getByTestId('symbol-picker').selectOption(drawnOn);
    await expect.poll(() => page.getByTestId('drawing-chip').count()).toBe(2);
    await page.getByTestId('drawing-chip').first().getByRole('button', { name: 'Remove drawing' }).click();
    await expect.poll(() => page.getByTestId('drawing-chip').count()).toBe(1);
    await page.screenshot({ path: path.join(ARTIFACTS, 'indicators.png') });
    // The view, the chart's symbol and timeframe and its indicators survive a reload.
    await page.getByTestId('symbol-picker').selectOption('NQ');
    await page.getByTestId('tf-15m').click();
    const chips = async (): Promise<string[]> => page.getByTestId('indicator-chip').allTextContents();
    const shown = await chips();
    await page.reload();
    await page.getByTestId('symbol-picker').locator('option').first().waitFor({ state: 'attached' });
    expect(await page.getByTestId('nav-chart').getAttribute('aria-current')).toBe('page');
    await expect.poll(() => page.getByTestId('symbol-picker').inputValue()).toBe('NQ');
    expect(await page.getByTestId('tf-15m').getAttribute('class')).toBe('active');
    await expect.poll(chips).toEqual(shown);
    await page.getByTestId('nav-jobs').click();
    await page.reload();
    await expect.poll(() => page.getByTestId('nav-jobs').getAttribute('aria-current')).toBe('page');
    // What is stored is checked before use: an unknown view or timeframe, or a value that is not JSON, falls back to the default.
    await page.evaluate(() => {
      localStorage.setItem('quantdesk.view', '"nowhere"');
      localStorage.setItem('quantdesk.chart.timeframe', '"9y"');
      localStorage.setItem('quantdesk.chart.indicators', '{not json');
    });
    await page.reload();
    await expect.poll(() => page.getByTestId('nav-chart').getAttribute('aria-current')).toBe('page');
    await expect.poll(() => page.getByTestId('tf-1h').getAttribute('class')).toBe('active');
    expect(await page.getByTestId('indicator-chip').count()).toBe(0);
  });

  it('edits, validates, saves and builds a feature set, then shows its validation and an IC report', async () => {
    await page.getByTestId('nav-features').click();
    await page.getByTestId('set-picker').locator('option[value="default"]').waitFor({ state: 'attached' });
    const yaml = page.getByTestId('set-yaml');
    await yaml.fill('name: e2e\ntimeframe: 1h\nsymbols: [ES, NQ]\nfeatures:\n  - ibs\n  - rsi(0)\nlabels: [b1]\n');
    await expect.poll(() => page.getByTestId('set-check').textContent()).toMatch(/rsi\(0\).*between 1 and 10000/);
    expect(await page.getByTestId('set-save').isDisabled()).toBe(true);
    await yaml.fill('name: e2e\ntimeframe: 1h\nsymbols: [ES, NQ]\nfeatures:\n  - ibs\n  - rsi(14)\nlabels: [b1]\n');
    await expect.poll(() => page.getByTestId('set-check').textContent()).toMatch(/^Valid · hash [0-9a-f]{16} · 3 columns · ES, NQ$/);
    await page.getByTestId('set-save').click();
    await expect.poll(() => page.getByTestId('features-message').textContent()).toMatch(/Saved .*e2e\.yml/);
    expect(await page.getByTestId('set-picker').inputValue()).toBe('e2e');
    await page.getByTestId('set-build').click();
    await expect.poll(() => page.getByTestId('build-progress').textContent(), { timeout: 60_000 }).toMatch(/succeeded: e2e@[0-9a-f]{16}: 2 built/);
    await expect.poll(() => page.getByTestId('build-validation').textContent()).toContain('rsi_14');
    await page.getByTestId('ic-horizons').fill('1,3');
    await page.getByTestId('ic-run').click();
    await expect.poll(() => page.getByTestId('ic-table').locator('tbody tr').count(), { timeout: 60_000 }).toBe(4);
    expect(await page.getByTestId('ic-table').textContent()).toContain('rsi_14');
    // The strongest effects are plotted (IC by horizon, quintile returns) above the table, and the results above the build's column statistics.
    expect(await page.getByTestId('ic-figure').count()).toBe(2);
    expect(await page.getByTestId('ic-by-horizon').first().locator('polyline').count()).toBe(1);
    expect(await page.getByTestId('ic-quintiles').first().locator('.q-bar').count()).toBe(5);
    expect((await page.getByTestId('ic-table').boundingBox())!.y).toBeLessThan((await page.getByTestId('build-validation').boundingBox())!.y);
    await page.screenshot({ path: path.join(ARTIFACTS, 'features.png') });
  });

  it('ranks trained models on the leaderboard, with an editable score and promotion from the row', async () => {
    // Training is a CLI command (train --config); here the same job is started over the served API.
    const rpc = async (method: string, arg: unknown): Promise<unknown> => {
      const res = await fetch(`${serve.url}/rpc/${method}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(arg) });
      const body = (await res.json()) as unknown;
      if (res.status !== 200) throw new Error(JSON.stringify(body));
      return body;
    };
    for (const kind of ['gbdt', 'logistic'] as const) {
      const { jobId } = (await rpc('jobs.start', { kind: 'train', config: { name: `e2e-${kind}`, featureSet: 'e2e', label: 'label_b1', model: kind === 'gbdt' ? { kind, nTrees: 20, maxDepth: 3 } : { kind } } })) as { jobId: string };
      await expect.poll(async () => ((await rpc('jobs.get', { jobId })) as { status: string }).status, { timeout: 60_000 }).toBe('succeeded');
    }
    // A third from Research → Train… (Ctrl+Shift+L): the form, its YAML as the advanced tab (errors naming the line), progress with an ETA.
    await page.keyboard.press('Control+Shift+L');
    await page.getByTestId('train-dialog').waitFor();
    await page.getByTestId('train-set').selectOption('e2e');
    await expect.poll(() => page.getByTestId('train-label').inputValue()).toBe('label_b1');
    await page.getByTestId('train-name').fill('e2e-dialog');
    await page.getByTestId('train-kind').selectOption('gbdt');
    await page.getByTestId('train-param-nTrees').fill('10');
    await page.getByTestId('train-trials').fill('3');
    await expect.poll(() => page.getByTestId('train-problem').textContent()).toMatch(/search scores its trials on walk-forward folds/);
    expect(await page.getByTestId('train-start').isDisabled()).toBe(true);
    await page.getByTestId('train-folds').fill('3');
    await expect.poll(() => page.getByTestId('train-problem').count()).toBe(0);
    await page.getByTestId('train-tab-yaml').click();
    const config = await page.getByTestId('train-config').inputValue();
    expect(config).toMatch(/name: e2e-dialog\nfeatureSet: e2e\nlabel: label_b1\nmodel:\n {2}kind: gbdt\n/);
    expect(config).toMatch(/search:\n {2}trials: 3\n {2}space:\n {4}maxDepth:/);
    await page.getByTestId('train-config').fill(config.replace('kind: gbdt', 'kind: svm'));
    await page.getByTestId('train-start').click();
    await expect.poll(() => page.getByTestId('train-error').textContent()).toMatch(/line 5: model\.kind: expected model\.kind gbdt/);
    // YAML the form can show goes back to the form; YAML with settings it has no field for stays in its tab.
    await page.getByTestId('train-config').fill(config.replace('nTrees: 10', 'nTrees: 12'));
    await page.getByTestId('train-tab-form').click();
    await expect.poll(() => page.getByTestId('train-param-nTrees').inputValue()).toBe('12');
    await page.getByTestId('train-tab-yaml').click();
    await page.getByTestId('train-config').fill(`${config}blendKnn:\n  weight: 0.3\n`);
    await page.getByTestId('train-tab-form').click();
    await expect.poll(() => page.getByTestId('train-notice').textContent()).toMatch(/cannot be shown as the form: it sets blendKnn/);
    await page.getByTestId('train-config').fill(config.replace('nTrees: 10', 'nTrees: 12'));
    await page.getByTestId('train-tab-form').click();
    await expect.poll(() => page.getByTestId('train-param-nTrees').inputValue()).toBe('12');
    await page.getByTestId('train-start').click();

    await expect.poll(() => page.getByTestId('train-job').textContent(), { timeout: 60_000 }).toMatch(/\d+ of (3 search trials|12 trees) · ETA|e2e-dialog@1 is a candidate/);
    await expect.poll(() => page.getByTestId('train-result').textContent(), { timeout: 60_000 }).toMatch(/e2e-dialog@1 is a candidate on the leaderboard · test AUC 0\.\d{4}/);
    await page.getByTestId('train-close').click();
    await page.getByTestId('nav-models').click();
    await expect.poll(() => page.getByTestId('leaderboard-row').count()).toBe(3);
    await page.getByTestId('score-formula').fill('auc * nope');
    await page.getByTestId('score-formula').press('Enter');
    await expect.poll(() => page.getByTestId('score-error').textContent()).toMatch(/unknown name "nope"/);
    await page.getByTestId('score-formula').fill('auc');
    await page.getByTestId('score-formula').press('Enter');
    await expect.poll(() => page.getByTestId('score-error').count()).toBe(0);
    // The inference service runs the model on recent rows of its build and says which provider ran it.
    await page.getByTestId('provider-choice').selectOption('cpu');
    await page.getByTestId('check-e2e-gbdt@1').click();
    await expect.poll(() => page.getByTestId('inference-provider').textContent()).toBe('cpu');
    // Where the runtime ran the nodes, from its profile: here the CPU, the tree ensemble among them.
    expect(await page.getByTestId('inference-placement').textContent()).toMatch(/^Placement: ran on CPU \(\d+ nodes?\)$/);
    expect(await page.getByTestId('inference-placement').getAttribute('title')).toMatch(/TreeEnsemble(Classifier|Regressor) × 1 on cpu/);
    expect(await page.getByTestId('inference-engine').textContent()).toMatch(/^served by compiled trees \(JavaScript on the CPU; largest difference from ONNX Runtime \d\.\de[-+]\d+\)$/);
    expect(await page.getByTestId('inference-check').textContent()).toMatch(/e2e-gbdt@1 ran [\d,]+ rows of .* in [\d.]+ ms · mean 0\.\d{4}/);
    // Promote, demote and roll back each say what they will do and act only on confirmation.
    await page.getByTestId('promote-e2e-gbdt@1').click();
    await expect.poll(() => page.getByTestId('stage-confirm').textContent()).toMatch(/Put e2e-gbdt@1 in production\?/);
    await page.keyboard.press('Escape');
    expect(await page.getByTestId('leaderboard').textContent()).not.toContain('production');
    await page.getByTestId('promote-e2e-gbdt@1').click();
    await page.getByTestId('stage-confirm-yes').click();
    await expect.poll(() => page.getByTestId('leaderboard').textContent()).toContain('production');
    await page.getByTestId('demote-e2e-gbdt@1').click();
    await expect.poll(() => page.getByTestId('stage-confirm').textContent()).toMatch(/No version of e2e-gbdt will be in models\/manifest\.json/);
    await page.getByTestId('stage-confirm-yes').click();
    await expect.poll(() => page.getByTestId('leaderboard').textContent()).not.toContain('production');
    // Roll back puts back the version in production before this one; e2e-gbdt has had no other, and the dialog says so.
    await page.getByTestId('promote-e2e-gbdt@1').click();
    await page.getByTestId('stage-confirm-yes').click();
    await expect.poll(() => page.getByTestId('leaderboard').textContent()).toContain('production');
    await page.getByTestId('rollback-e2e-gbdt@1').click();
    await page.getByTestId('stage-confirm-yes').click();
    await expect.poll(() => page.getByTestId('stage-confirm').textContent()).toMatch(/e2e-gbdt@1 is the first version ever promoted; there is nothing to roll back to/);
    await page.keyboard.press('Escape');
    // A row opens the model's page: card, parameters, metrics per fold, training curve, importance, reliability, stage history.
    await page.getByTestId('leaderboard-row').filter({ hasText: 'e2e-dialog' }).locator('td').nth(1).click();
    const modelPage = page.getByTestId('model-page');
    await expect.poll(() => modelPage.locator('h3').textContent()).toBe('e2e-dialog@1');
    expect(await page.getByTestId('model-card').textContent()).toMatch(/Feature sete2e \(build .+\).*Labellabel_b1/s);
    expect(await page.getByTestId('model-params').textContent()).toMatch(/nTrees12/);
    expect(await page.getByTestId('model-metrics').locator('tbody tr').count()).toBe(2);
    expect(await page.getByTestId('model-folds').locator('tbody tr').count()).toBe(3);
    expect(await page.getByTestId('model-curve').locator('polyline').count()).toBe(1);
    expect(await page.getByTestId('model-calibration').locator('circle').count()).toBeGreaterThan(1);
    expect(await page.getByTestId('importance-row').count()).toBeGreaterThan(0);
    expect(await modelPage.textContent()).toContain('Never promoted.');
    await page.getByTestId('model-page-promote').click();
    await page.getByTestId('stage-confirm-yes').click();
    await expect.poll(() => page.getByTestId('model-history').textContent()).toMatch(/v1candidate → production/);
    await page.getByTestId('model-page-demote').click();
    await page.getByTestId('stage-confirm-yes').click();
    await expect.poll(() => page.getByTestId('model-history').locator('tr').count()).toBe(2);
    expect(await page.getByTestId('model-history').locator('tr').first().textContent()).toMatch(/v1production → archived/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'model-page.png'), fullPage: true });
    await page.getByTestId('model-page-close').click();
    await page.getByTestId('compare-e2e-gbdt@1').check();
    await page.getByTestId('compare-e2e-logistic@1').check();
    await expect.poll(() => page.getByTestId('compare-metrics').textContent()).toMatch(/AUC.*0\.\d{4}.*0\.\d{4}/s);
    expect(await page.getByTestId('compare-roc').locator('polyline').count()).toBe(2);
    expect(await page.getByTestId('compare-importance').textContent()).toContain('rsi_14');
    await page.screenshot({ path: path.join(ARTIFACTS, 'models.png') });
  });

  it('backtests a strategy from Research → Backtest… and shows its metrics, equity and trades', async () => {
    await page.keyboard.press('Control+Shift+E');
    await page.getByTestId('backtest-dialog').waitFor();
    await page.getByTestId('backtest-strategy').selectOption('ibs');
    await page.getByTestId('backtest-symbols').fill('ES, NQ');
    await page.getByTestId('backtest-param-entry_below').fill('2');
    await page.getByTestId('backtest-start').click();
    await expect.poll(() => page.getByTestId('backtest-error').textContent()).toMatch(/entry_below = 2 is outside 0–1/);
    await page.getByTestId('backtest-param-entry_below').fill('0.25');
    // The account's terms are the dialog's: capital and a benchmark beside commission and slippage.
    await page.getByTestId('backtest-capital').fill('250000');
    await page.getByTestId('backtest-benchmark').fill('es');
    await page.getByTestId('backtest-start').click();
    await page.getByTestId('backtest-open').click({ timeout: 60_000 });
    await expect.poll(() => page.getByTestId('backtest-detail').textContent()).toContain('ibs · ES NQ · 1d');
    const [newest] = await rpc(serve.url, 'backtest.list', {});
    expect((await rpc(serve.url, 'backtest.get', { runId: newest!.runId })).config).toMatchObject({ capital: 250_000, benchmark: 'ES', commission: 2.5, slippageTicks: 1 });
    const trades = Number(await page.getByTestId('metric-trades').textContent());
    expect(trades).toBeGreaterThan(0);
    expect(await page.getByTestId('backtest-trades').locator('tbody tr').count()).toBeGreaterThan(Math.min(trades, 3));
    expect(await page.getByTestId('backtest-equity').locator('canvas').count()).toBeGreaterThan(0);
    expect(await page.getByTestId('backtest-run-row').count()).toBe(1);
    // Monte Carlo of the run: its trades reshuffled 1,000 times, with percentiles, ruin odds, a fan and a histogram.
    await page.getByTestId('mc-run').click();
    await expect.poll(() => page.getByTestId('mc-summary').textContent()).toMatch(/^1,000 reshuffle paths \(seed 1\) · probability of ruin \d+\.\d%$/);
    expect(await page.getByTestId('mc-table').locator('tbody tr').count()).toBe(3);
    expect(await page.getByTestId('mc-fan').locator('polyline').count()).toBe(1);
    expect(await page.getByTestId('mc-histogram').locator('rect').count()).toBe(30);
    await page.getByTestId('mc-simulations').fill('5');
    await page.getByTestId('mc-run').click();
    await expect.poll(() => page.getByTestId('mc-error').textContent()).toMatch(/at least 10 simulations/);
    // The run saved as a strategy config: the Backtest dialog offers it with its terms filled in.
    await page.getByTestId('save-strategy-name').fill('ibs-desk');
    await page.getByTestId('save-strategy-start').click();
    await expect.poll(() => page.getByTestId('save-strategy-saved').textContent()).toMatch(/^saved strategies\/ibs-desk\.yml: ibs/);
    await page.getByTestId('save-strategy-start').click();
    await expect.poll(() => page.getByTestId('save-strategy-error').textContent()).toMatch(/a strategy config ibs-desk exists/);
    await page.keyboard.press('Control+Shift+E');
    await page.getByTestId('backtest-strategy').selectOption('ibs-desk');
    await expect.poll(() => page.getByTestId('backtest-capital').inputValue()).toBe('250000');
    expect(await page.getByTestId('backtest-param-entry_below').inputValue()).toBe('0.25');
    await page.getByTestId('backtest-dialog').getByRole('button', { name: 'Cancel' }).click();
    // The dialog's fields survive a reload (and a restart: window storage).
    await page.reload();
    await page.getByTestId('backtest-run-row').first().waitFor();
    await page.keyboard.press('Control+Shift+E');
    await page.getByTestId('backtest-dialog').waitFor();
    await expect.poll(() => page.getByTestId('backtest-symbols').inputValue()).toBe('ES, NQ');
    expect(await page.getByTestId('backtest-capital').inputValue()).toBe('250000');
    await page.keyboard.press('Escape');
    await page.getByTestId('nav-backtests').click();
    await page.getByTestId('backtest-run-row').first().click();
    await page.screenshot({ path: path.join(ARTIFACTS, 'backtest.png') });
    // The run's trades download as CSV, one row per trade.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('backtest-trades-csv').click()]);
    expect(download.suggestedFilename()).toMatch(/^\d{8}-\d{6}-[0-9a-f]{8}-trades\.csv$/);
    const csv = fs.readFileSync(await download.path(), 'utf8').trim().split('\n');
    expect(csv[0]).toMatch(/^symbol,side,signal_time,entry_time,entry_price,exit_time,exit_price,qty,pnl,fees,slippage,net_pnl,/);
    expect(csv.length - 1).toBe(Number(await page.getByTestId('metric-trades').textContent()));
    // A trade row opens the price chart on that trade, with the run's trades of the symbol as markers.
    const symbol = await page.getByTestId('backtest-trade-row').first().locator('td').first().textContent();
    await page.getByTestId('backtest-trade-row').first().click();
    await expect.poll(() => page.getByTestId('chart-trades').textContent()).toMatch(/^\d+ trades of run \d{8}-\d{6}-[0-9a-f]{8}$/);
    expect(await page.getByTestId('symbol-picker').inputValue()).toBe(symbol);
    expect(await page.getByTestId('tf-1d').getAttribute('class')).toBe('active');
    // The crosshair over a marked trade shows the trade and its net P&L.
    const chartBox = (await page.getByTestId('chart').boundingBox())!;
    let step = 0;
    await expect
      .poll(async () => {
        await page.mouse.move(chartBox.x + (chartBox.width - 60) * (0.05 + (step++ % 90) * 0.01), chartBox.y + chartBox.height * 0.3);
        return page.getByTestId('legend-trade').count();
      }, { timeout: 15_000 })
      .toBeGreaterThan(0);
    expect(await page.getByTestId('legend-trade').textContent()).toMatch(/^trade: (long|short) [\d.]+ · [\d.]+ → [\d.]+ · net [+-][\d.]+ \(.+\)$/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'backtest-chart.png') });
  });

  it('compares two runs, sweeps a grid into a heat-map and builds a portfolio in the Backtests view', async () => {
    // A second run, then the two side by side.
    await page.keyboard.press('Control+Shift+E');
    await page.getByTestId('backtest-strategy').selectOption('rsi2');
    await page.getByTestId('backtest-symbols').fill('ES');
    await page.getByTestId('backtest-fill-at').selectOption('close');
    await page.getByTestId('backtest-max-positions').fill('1');
    await page.getByTestId('backtest-sizing').selectOption('notional');
    await page.getByTestId('backtest-size').fill('50000');
    await page.getByTestId('backtest-start').click();
    await page.getByTestId('backtest-open').click({ timeout: 60_000 });
    expect(await page.getByTestId('backtest-config').textContent()).toMatch(/fills at the signal bar’s close · sizing notional \(amount 50000\) · at most 1 position · commission 2\.5 · slippage 1 ticks/);
    const rows = page.getByTestId('backtest-run-row');
    await expect.poll(() => rows.count()).toBe(2);
    await rows.nth(0).locator('input[type=checkbox]').check();
    await rows.nth(1).locator('input[type=checkbox]').check();
    await expect.poll(() => page.getByTestId('compare-runs-metrics').locator('tbody tr').count()).toBe(10);
    expect(await page.getByTestId('compare-runs-metrics').locator('thead th').count()).toBe(3);
    // A sweep over two parameters as a heat-map of Sharpe.
    await page.getByTestId('sweep-symbol').fill('ES');
    await page.getByTestId('sweep-rows').fill('0.1,0.3');
    await page.getByTestId('sweep-cols').fill('0.7,0.9');
    await page.getByTestId('sweep-start').click();
    await expect.poll(() => page.getByTestId('sweep-cell').count(), { timeout: 60_000 }).toBe(4);
    expect(await page.getByTestId('sweep-summary').textContent()).toMatch(/ibs: 4 parameter sets; best Sharpe/);
    await page.getByTestId('sweep-rows').fill('0.1,x');
    await page.getByTestId('sweep-start').click();
    await expect.poll(() => page.getByTestId('sweep-error').textContent()).toMatch(/entry_below: expected numbers separated by commas/);
    // Walked forward on hourly bars: windows of 200 bars choose the parameters for the next 60, out of sample against in sample.
    await page.getByTestId('sweep-rows').fill('0.1,0.3');
    await page.getByTestId('sweep-panel').getByLabel('Timeframe').selectOption('1h');
    await page.getByTestId('sweep-walk-forward').check();
    await page.getByTestId('sweep-in-sample').fill('x');
    await page.getByTestId('sweep-start').click();
    await expect.poll(() => page.getByTestId('sweep-error').textContent()).toMatch(/in-sample bars: expected a number/);
    await page.getByTestId('sweep-in-sample').fill('200');
    await page.getByTestId('sweep-start').click();
    await expect.poll(() => page.getByTestId('walk-forward-windows').locator('tbody tr').count(), { timeout: 60_000 }).toBeGreaterThan(2);
    expect(await page.getByTestId('walk-forward-summary').textContent()).toMatch(/^Walk-forward, out of sample: return -?\d+\.\d+%, Sharpe .* in sample \(best over the whole series, \{.*\}\) over the same span: return -?\d+\.\d+%.* efficiency -?\d+\.\d+$/);
    expect(await page.getByTestId('walk-forward-chart').locator('canvas').count()).toBeGreaterThan(0);
    await page.getByTestId('sweep-panel').screenshot({ path: path.join(ARTIFACTS, 'walk-forward.png') });
    await page.screenshot({ path: path.join(ARTIFACTS, 'backtest-compare-sweep.png'), fullPage: true });
    // A portfolio from per-symbol hourly runs: the steps, the joint run's contributions and correlations.
    // Over a fixed period backfilled here: the seeded lake's last days move with the clock, and so would the choice.
    const fixed = await rpc(serve.url, 'jobs.start', { kind: 'backfill', source: 'demo', symbols: ['ES', 'NQ', 'CL'], timeframe: '1m', from: '2024-01-02', to: '2024-04-30' });
    await expect.poll(async () => (await rpc(serve.url, 'jobs.get', { jobId: fixed.jobId })).status, { timeout: 60_000 }).toBe('succeeded');
    for (const sym of ['ES', 'NQ', 'CL']) {
      await page.keyboard.press('Control+Shift+E');
      await page.getByTestId('backtest-strategy').selectOption('ibs');
      await page.getByTestId('backtest-timeframe').selectOption('1h');
      await page.getByTestId('backtest-from').fill('2024-01-02');
      await page.getByTestId('backtest-to').fill('2024-04-30');
      await page.getByTestId('backtest-symbols').fill(sym);
      await page.getByTestId('backtest-param-entry_below').fill('0.4');
      await page.getByTestId('backtest-param-exit_above').fill('0.6');
      await page.getByTestId('backtest-start').click();
      await page.getByTestId('backtest-open').click({ timeout: 60_000 });
    }
    // A run that finishes while the view is open joins the list and the picker without a click.
    const listed = await rows.count();
    const extra = await rpc(serve.url, 'jobs.start', { kind: 'backtest', strategy: 'ibs', symbols: ['ES', 'NQ'], timeframe: '1h', from: '2024-01-02', to: '2024-04-30', params: { entry_below: 0.4, exit_above: 0.6 } });
    await expect.poll(async () => (await rpc(serve.url, 'jobs.get', { jobId: extra.jobId })).status, { timeout: 60_000 }).toBe('succeeded');
    await expect.poll(() => rows.count()).toBe(listed + 1);
    // Multi-symbol runs are offered too (each symbol a candidate); one of another timeframe is refused before a job starts.
    expect(await page.getByTestId('portfolio-runs').locator('option', { hasText: 'ibs · ES NQ · 1h · ' }).count()).toBe(1);
    const daily = await page.getByTestId('portfolio-runs').locator('option', { hasText: ' · 1d · ' }).first().getAttribute('value');
    const hourly = page.getByTestId('portfolio-runs').locator('option', { hasText: /ibs · (ES|NQ|CL) · 1h · / });
    await expect.poll(() => hourly.count()).toBe(3);
    const values = await hourly.evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
    await page.getByTestId('portfolio-runs').selectOption([...values, daily!]);
    await expect.poll(() => page.getByTestId('portfolio-refusal').textContent()).toMatch(/different timeframes \((1h, 1d|1d, 1h)\)/);
    expect(await page.getByTestId('portfolio-start').isDisabled()).toBe(true);
    await expect(rpc(serve.url, 'jobs.start', { kind: 'portfolio', runs: [...values, daily!] })).rejects.toThrow(/different timeframes/);
    await page.getByTestId('portfolio-runs').selectOption(values);
    await page.getByTestId('portfolio-max-positions').fill('1, x');
    await expect.poll(() => page.getByTestId('portfolio-refusal').textContent()).toMatch(/^Max positions: whole numbers/);
    await page.getByTestId('portfolio-max-positions').fill('2');
    await page.getByTestId('portfolio-correlation-limit').fill('0.95');
    await expect.poll(() => page.getByTestId('portfolio-refusal').count()).toBe(0);
    await page.getByTestId('portfolio-split').fill('2024-02-15');
    await page.getByTestId('portfolio-start').click();
    await expect.poll(() => page.getByTestId('portfolio-steps').locator('tbody tr').count(), { timeout: 60_000 }).toBeGreaterThan(0);
    const chosen = await page.getByTestId('portfolio-steps').locator('tbody tr').count();
    expect(await page.getByTestId('portfolio-correlation').count()).toBe(chosen * chosen);
    expect(await page.getByTestId('portfolio-report').textContent()).toMatch(/at most 2 positions/);
    await page.getByTestId('portfolio-open-run').click();
    await expect.poll(() => page.getByTestId('backtest-detail').textContent()).toContain('portfolio ·');
  }, 180_000);

  it('paper view: halts and re-arms with the large control, and replays the portfolio built earlier through the paper path', async () => {
    const jobs = (await (await fetch(`${serve.url}/rpc/jobs.list`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ all: true }) })).json()) as { kind: string; status: string; result?: { id: string; backtest?: { run: { from: number; to: number } } } }[];
    const built = jobs.find((j) => j.kind === 'portfolio' && j.status === 'succeeded' && j.result?.backtest)!;
    await page.getByTestId('nav-paper').click();
    await page.getByTestId('paper-reason').fill('e2e halt');
    await page.getByTestId('paper-halt').click();
    await expect.poll(() => page.getByTestId('paper-killswitch').textContent()).toContain('Trading is halted');
    await expect.poll(() => page.getByTestId('killswitch-badge').textContent()).toBe('HALTED');
    // The reason stays in the field; cleared, re-arming is refused and says so next to the buttons.
    expect(await page.getByTestId('paper-reason').inputValue()).toBe('e2e halt');
    await page.getByTestId('paper-reason').fill('');
    await page.getByTestId('paper-resume').click();
    await expect.poll(() => page.getByTestId('paper-ks-error').textContent()).toMatch(/give a reason/);
    await page.getByTestId('paper-reason').fill('e2e re-arm');
    await page.getByTestId('paper-resume').click();
    await expect.poll(() => page.getByTestId('paper-killswitch').textContent()).toContain('Trading is active');
    expect(await page.getByTestId('paper-history').textContent()).toMatch(/halted → active.*ui.*e2e re-arm/);
    const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
    // Stored portfolios are offered as a list beside the field, each with its instruments.
    await expect.poll(() => page.getByTestId('replay-portfolios').locator(`option[value="${built.result!.id}"]`).count()).toBe(1);
    expect(await page.getByTestId('replay-portfolios').locator(`option[value="${built.result!.id}"]`).getAttribute('label')).toMatch(/^(ES|NQ|CL)/);
    await page.getByTestId('paper-portfolio').fill(built.result!.id);
    await page.getByTestId('paper-from').fill(day(built.result!.backtest!.run.from));
    await page.getByTestId('paper-to').fill(day(built.result!.backtest!.run.to));
    await page.getByTestId('paper-replay').click();
    await expect.poll(() => page.getByTestId('paper-summary').textContent(), { timeout: 60_000 }).toMatch(/bars under active · \d+ orders · 0 denied · \d+ trades · net P&L -?[\d.]+/);
    // The same portfolio as a session on its own worker, followed in the monitor to its end.
    await page.getByTestId('session-portfolio').fill(built.result!.id);
    await page.getByTestId('session-from').fill(day(built.result!.backtest!.run.from));
    await page.getByTestId('session-to').fill(day(built.result!.backtest!.run.to));
    await page.getByTestId('session-start').click();
    await expect.poll(() => page.getByTestId('session-status').first().textContent(), { timeout: 60_000 }).toBe('finished');
    expect(await page.getByTestId('session').first().textContent()).toMatch(/\d+ orders · \d+ fills · 0 denied/);
    // Its equity against the backtest's expectation, drawn in the session's chart.
    await expect.poll(() => page.getByTestId('session-equity').first().locator('canvas').count()).toBeGreaterThan(0);
    // A live session needs a ws:// URL: the monitor shows the field's complaint.
    await page.getByTestId('session-feed').selectOption('live');
    await page.getByTestId('session-url').fill('http://example.com/feed');
    await page.getByTestId('session-start').click();
    await expect.poll(() => page.getByTestId('session-error').textContent()).toMatch(/ws:\/\/ or wss:\/\//);
    // Databento's gateway with a feature set evaluated at every close: the set goes to the server, which checks it against the portfolio.
    await page.getByTestId('session-url').fill('dbn://127.0.0.1:9/GLBX.MDP3');
    await expect.poll(() => page.getByTestId('session-features-set').locator('option[value="es-levels"]').count()).toBe(1);
    await page.getByTestId('session-features-set').selectOption('es-levels');
    await page.getByTestId('session-start').click();
    await expect.poll(() => page.getByTestId('session-error').textContent()).toMatch(/feature set es-levels is built on 2m bars and the portfolio trades 1[hd] bars/);
    await page.getByTestId('session-feed').selectOption('replay');
    // Trading → Start Paper Session… (Ctrl+Shift+P) lands in the session form; a slow session is running; Stop All stops it.
    await page.getByTestId('nav-chart').click();
    await page.keyboard.press('Control+Shift+P');
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('session-portfolio');
    await page.getByTestId('session-portfolio').fill(built.result!.id);
    await page.getByTestId('session-from').fill(day(built.result!.backtest!.run.from));
    await page.getByTestId('session-to').fill(day(built.result!.backtest!.run.to));
    await page.getByTestId('session-speed').selectOption('1');
    await page.getByTestId('session-start').click();
    await expect.poll(() => page.getByTestId('session-status').filter({ hasText: /^running$/ }).count(), { timeout: 30_000 }).toBe(1);
    await page.getByRole('menuitem', { name: 'Trading' }).click();
    await page.getByRole('menuitem', { name: /Stop All Paper Sessions/ }).click();
    await expect.poll(() => page.getByTestId('session-status').first().textContent(), { timeout: 30_000 }).toBe('stopped');
    await page.getByTestId('session-speed').selectOption('max');
    // HALT & FLATTEN while a session holds a position: nothing stays open, and the audit says who and why.
    const fast = await rpc(serve.url, 'paper.session.start', { portfolio: built.result!.id, from: day(built.result!.backtest!.run.from), to: day(built.result!.backtest!.run.to), speed: 36_000 });
    const openPositions = async (): Promise<number> => (await rpc(serve.url, 'paper.sessions', {})).find((x) => x.id === fast.id)!.positions.filter((p) => p.qty !== 0).length;
    await expect.poll(openPositions, { timeout: 60_000, interval: 20 }).toBeGreaterThan(0);
    await page.getByTestId('paper-reason').fill('e2e flatten under stress');
    await page.getByTestId('paper-halt-flatten').click();
    await expect.poll(() => page.getByTestId('paper-killswitch').textContent()).toContain('Trading is halted');
    await expect.poll(openPositions, { timeout: 30_000 }).toBe(0);
    await expect.poll(() => page.getByTestId('paper-open-positions').textContent()).toContain('No open positions');
    expect(await page.getByTestId('paper-history').textContent()).toMatch(/active → halted.*ui.*e2e flatten under stress/);
    // The reason stays in the field for the next action.
    expect(await page.getByTestId('paper-reason').inputValue()).toBe('e2e flatten under stress');
    await rpc(serve.url, 'paper.session.control', { session: fast.id, action: 'stop' });
    await page.getByTestId('paper-resume').click();
    await expect.poll(() => page.getByTestId('paper-killswitch').textContent()).toContain('Trading is active');
    // A session whose drawdown limit trips: the alert shows over the view and in the Paper view's alert list.
    const tight = path.join(serve.home, 'tight-portfolio.json');
    const stored = JSON.parse(fs.readFileSync(path.join(serve.home, 'lake', 'gold', 'portfolios', built.result!.id, 'portfolio.json'), 'utf8')) as object;
    fs.writeFileSync(tight, JSON.stringify({ ...stored, riskLimits: { maxDrawdown: 0.0001 } }));
    await page.getByTestId('session-portfolio').fill(tight);
    await page.getByTestId('session-start').click();
    await expect.poll(() => page.getByTestId('alert-toast').first().textContent(), { timeout: 60_000 }).toMatch(/drawdown/i);
    await expect.poll(() => page.getByTestId('paper-alerts').textContent()).toMatch(/trip.*drawdown/i);
    for (const close of await page.getByTestId('alert-toast').getByRole('button', { name: 'Dismiss' }).all()) await close.click();
    await expect.poll(() => page.getByTestId('alert-toast').count()).toBe(0);
    await expect.poll(() => page.getByTestId('paper-killswitch').textContent()).toContain('Trading is halted');
    // Re-armed while the session still runs past its drawdown limit, it would trip again at its next bar: let it end first.
    await expect.poll(() => page.getByTestId('session-status').first().textContent(), { timeout: 60_000 }).toBe('finished');
    await page.getByTestId('paper-reason').fill('e2e re-arm after the trip');
    await page.getByTestId('paper-resume').click();
    await expect.poll(() => page.getByTestId('paper-killswitch').textContent()).toContain('Trading is active');
    // A session gated by kNN retrieval: the monitor lists the past setups behind the model's last probability.
    const knn = await rpc(serve.url, 'jobs.start', { kind: 'train', config: { name: 'e2e-nn', featureSet: 'e2e', label: 'label_b1', model: { kind: 'knn', k: 5 } } });
    await expect.poll(async () => (await rpc(serve.url, 'jobs.get', { jobId: knn.jobId })).status, { timeout: 60_000 }).toBe('succeeded');
    const gated = path.join(serve.home, 'knn-portfolio.json');
    fs.writeFileSync(gated, JSON.stringify({ instruments: [{ name: 'ES', symbol: 'ES', run: 'e2e', strategy: 'ibs', params: { entry_below: 0.3, exit_above: 0.7, max_bars: 5, allow_short: 0 }, timeframe: '1h', model: 'e2e-nn@1', threshold: 0.5 }], maxPositions: 1, sizing: { kind: 'fixed', contracts: 1 }, riskLimits: {}, objective: 'sharpe', split: day(built.result!.backtest!.run.from) }));
    await page.getByTestId('session-portfolio').fill(gated);
    await page.getByTestId('session-start').click();
    await expect.poll(() => page.getByTestId('session').first().textContent(), { timeout: 60_000 }).toMatch(/knn-portfolio\.json · finished/);
    const neighbours = page.getByTestId('session-neighbours').first();
    await expect.poll(() => neighbours.locator('tbody tr').count()).toBe(5);
    expect(await neighbours.locator('caption').textContent()).toMatch(/^ES: the 5 past setups most like the bar of \d{4}-\d{2}-\d{2} \d{2}:\d{2} \(p (0|1)\.\d{3}\), nearest first$/);
    expect((await neighbours.locator('tbody td:nth-child(3)').allTextContents()).every((x) => x === 'hit' || x === 'miss')).toBe(true);
    await neighbours.scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(ARTIFACTS, 'paper-neighbours.png') });
  }, 240_000);

  it('shows the killswitch in the status bar, halts from the menu accelerator, and re-arms only with a reason', async () => {
    const badge = page.getByTestId('killswitch-badge');
    await expect.poll(() => badge.textContent()).toBe('Trading active');
    await page.keyboard.press('Control+Shift+K');
    await expect.poll(() => badge.textContent()).toBe('HALTED');
    expect(await badge.getAttribute('class')).toBe('killswitch halted');
    await badge.click();
    await expect.poll(() => page.getByTestId('killswitch-history').textContent()).toMatch(/active → halted.*menu.*Halt All Trading from the menu/);
    await page.getByTestId('killswitch-toggle').click();
    await expect.poll(() => page.getByTestId('killswitch-error').textContent()).toMatch(/give a reason/);
    await page.getByTestId('killswitch-reason').fill('checked the positions');
    await page.getByTestId('killswitch-toggle').click();
    await expect.poll(() => badge.textContent()).toBe('Trading active');
  });

  it('draws a stored order book behind the candles, with the traded volume per price at the right', async () => {
    // A day of the demo ES book where the lake has ES minutes.
    const day = await backfillDemoDay('mbp-10');
    await page.getByTestId('nav-chart').click();
    await page.getByTestId('symbol-picker').selectOption('ES');
    await page.getByTestId('tf-1m').click();
    await page.getByTestId('chart-goto').fill(day);
    await page.getByTestId('chart-goto-go').click();
    // Blue heat (bids): blue well above green and red, which no candle is.
    const bluish = (): Promise<number> =>
      page.evaluate(() => {
        let n = 0;
        for (const c of Array.from(document.querySelectorAll<HTMLCanvasElement>('[data-testid="chart"] canvas'))) {
          const ctx = c.getContext('2d');
          if (!ctx || c.width === 0) continue;
          const d = ctx.getImageData(0, 0, c.width, c.height).data;
          for (let i = 0; i < d.length; i += 4) if (d[i + 2]! > d[i + 1]! + 40 && d[i + 2]! > d[i]! + 80) n++;
        }
        return n;
      });
    await page.getByTestId('chart-book').waitFor();
    if (await page.getByTestId('chart-book').isChecked()) await page.getByTestId('chart-book').uncheck();
    await page.waitForTimeout(400);
    const without = await bluish();
    await page.getByTestId('chart-book').check();
    await expect.poll(bluish, { timeout: 15_000 }).toBeGreaterThan(without + 2000);
    await page.screenshot({ path: path.join(ARTIFACTS, 'chart-book.png') });
    await page.getByTestId('chart-book').uncheck();
    await page.getByTestId('chart-goto-latest').click();
  });

  it('shows the option chain beside the chart: gamma exposure by strike, and the chain with implied volatility and greeks', async () => {
    const day = await backfillDemoDay('options');
    await page.getByTestId('nav-chart').click();
    await page.getByTestId('symbol-picker').selectOption('ES');
    await page.getByTestId('tf-5m').click();
    await page.getByTestId('chart-options').waitFor({ timeout: 15_000 });
    await page.getByTestId('chart-options').check();
    const panel = page.getByTestId('options-panel');
    await panel.waitFor();
    // A moment typed badly is marked; 15:00 UTC of the day is inside regular hours.
    await page.getByTestId('options-at').fill('yesterday noon');
    await page.getByTestId('options-show').click();
    await expect.poll(() => page.getByTestId('options-at-error').textContent()).toBe('write the moment as YYYY-MM-DD HH:MM (UTC)');
    await page.getByTestId('options-at').fill(`${day} 15:00`);
    await page.getByTestId('options-show').click();
    await expect.poll(() => page.getByTestId('options-caption').textContent(), { timeout: 15_000 }).toMatch(new RegExp(`^${day} 15:00 UTC · session ${day} · options on ES[HMUZ]\\d$`));
    await expect.poll(() => page.getByTestId('options-forward').textContent()).toMatch(/^F \d+\.\d\d \(put–call parity\) · \d+\.\d h to expiry · GEX net -?\d+M \$\/1%$/);
    // The profile has a bar per strike with exposure worth drawing (and two either side), both signs present; the table shows the strikes around the forward with volatilities.
    const bars = await page.getByTestId('gex-bar').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-gex'))));
    expect(bars.length).toBeGreaterThan(6);
    expect(bars.length).toBeLessThanOrEqual(61);
    expect(bars.length).toBeLessThan(40);
    expect(bars.some((g) => g > 0) && bars.some((g) => g < 0)).toBe(true);
    expect(await page.getByTestId('chain-row').count()).toBe(12);
    const atm = await page.locator('[data-testid="chain-row"].atm td').allTextContents();
    expect(Number(atm[1])).toBeGreaterThan(5);
    expect(Number(atm[1])).toBeLessThan(40);
    await page.screenshot({ path: path.join(ARTIFACTS, 'chart-options.png') });
    // Outside any session the panel says why.
    const saturday = new Date(Date.parse(`${day}T12:00:00Z`));
    while (saturday.getUTCDay() !== 6) saturday.setUTCDate(saturday.getUTCDate() + 1);
    await page.getByTestId('options-at').fill(`${saturday.toISOString().slice(0, 10)} 15:00`);
    await page.getByTestId('options-show').click();
    await expect.poll(() => page.getByTestId('options-error').textContent()).toMatch(/falls outside every session of ES/);
    await page.getByTestId('chart-options').uncheck();
  });

  it('validates and stores settings, with the error next to the field, and the Models view uses the stored score', async () => {
    await page.keyboard.press('Control+,');
    await page.getByTestId('settings-view').waitFor();
    const status = (await page.getByTestId('status-bar').textContent()) ?? '';
    expect(status).toContain(`· ${await page.getByTestId('settings-home').textContent()}`);
    // The served home cannot move under the running host: it says how to move it instead.
    const move = page.getByTestId('setting-home-move');
    await move.getByLabel('New home folder').fill('/tmp/somewhere-else');
    await move.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.getByTestId('setting-home-move-error').textContent()).toMatch(/stop it, then run quantdesk --home .* home move \/tmp\/somewhere-else/);
    const formula = page.getByTestId('setting-formula');
    await formula.getByRole('textbox').fill('auc * nope');
    await formula.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.getByTestId('setting-formula-error').textContent()).toMatch(/unknown name "nope"/);
    await formula.getByRole('textbox').fill('0.5 * auc + 0.5 * balanced_accuracy');
    await formula.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.getByTestId('setting-formula-saved').textContent()).toMatch(/saved/);
    const retention = page.getByTestId('setting-retention');
    await retention.getByRole('textbox').fill('0');
    await retention.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.getByTestId('setting-retention-error').textContent()).toMatch(/at least one day/);
    // Maintenance margins in the instrument table: checked, saved, and back to the table's when cleared.
    const margin = page.getByTestId('setting-margin-ES');
    await margin.getByLabel('ES maintenance margin').fill('lots');
    await margin.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.getByTestId('setting-margin-ES-error').textContent()).toMatch(/expected an amount in USD/);
    await margin.getByLabel('ES maintenance margin').fill('16000');
    await margin.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.getByTestId('setting-margin-ES-saved').textContent()).toBe('saved: 16,000 USD');
    expect((await rpc(serve.url, 'instruments.list', {})).find((i) => i.symbol === 'ES')!.maintenanceMargin).toBe(16_000);
    await margin.getByLabel('ES maintenance margin').fill('');
    await margin.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.getByTestId('setting-margin-ES-saved').textContent()).toBe("saved: 14,500 USD (the table's)");
    const provider = page.getByTestId('setting-provider');
    await provider.getByRole('combobox').selectOption('cpu');
    await provider.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.getByTestId('setting-provider-saved').textContent()).toBe('saved: cpu');
    expect(await page.getByTestId('provider-availability').textContent()).toMatch(/cpuavailable/);
    // No keychain on the headless host: a key is stored only when the user agrees to keep it unencrypted.
    const key = page.getByTestId('setting-key-polygon');
    await key.getByLabel('polygon API key').fill('PGKEY-123456789');
    await key.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.getByTestId('setting-key-polygon-error').textContent()).toMatch(/confirm storing the key unencrypted/);
    await key.getByLabel('Store the polygon key unencrypted').check();
    await key.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.getByTestId('setting-key-polygon-saved').textContent()).toBe('saved (unencrypted)');
    expect(await key.textContent()).toContain('stored UNENCRYPTED');
    await page.screenshot({ path: path.join(ARTIFACTS, 'settings.png') });
    // About lists the runtime versions and the provider inference now runs on.
    await page.getByRole('menuitem', { name: 'Help' }).click();
    await page.getByRole('menuitem', { name: /About Quantdesk/ }).click();
    await expect.poll(() => page.getByTestId('about-provider').textContent()).toBe('cpu');
    expect(await page.getByTestId('about-trees').textContent()).toBe("ran on cpu (ONNX Runtime's profile of a one-tree model on cpu)");
    const about = (await page.getByRole('dialog', { name: 'About Quantdesk' }).textContent()) ?? '';
    for (const part of ['node', 'duckdb', 'onnxruntime', 'better-sqlite3', 'sqlite3.', 'execution provider']) expect(about).toContain(part);
    await page.getByRole('button', { name: 'Close' }).click();
    await page.getByTestId('nav-models').click();
    await expect.poll(() => page.getByTestId('score-formula').inputValue()).toBe('0.5 * auc + 0.5 * balanced_accuracy');
  });

  it('exports the config to git from File → Export Config to Git… after validation and a diff, and imports it back', async () => {
    const repo = `${serve.home}-config-repo`;
    await page.keyboard.press('Control+,');
    // The form is filled in once the stored settings have loaded.
    await expect.poll(() => page.getByLabel('Bundle folder').inputValue()).toBe('quantdesk');
    // Account-wide risk limits: checked by the server, the error beside the field.
    const limits = page.getByTestId('setting-limits');
    // The drawdown is typed in percent: 200 is refused with what the field wants, 25 is stored as 0.25.
    await limits.getByLabel('Trip: drawdown from peak (%)').fill('200');
    await limits.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.getByTestId('setting-limits-error').textContent()).toMatch(/Trip: drawdown from peak \(%\): a percentage above 0 and at most 100, such as 20 for 20 %/);
    await limits.getByLabel('Trip: drawdown from peak (%)').fill('25');
    await limits.getByLabel('Max orders per second').fill('20');
    await limits.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.getByTestId('setting-limits-saved').textContent()).toBe('saved: 2 limit(s)');
    expect((await rpc(serve.url, 'settings.paper', {})).limits).toMatchObject({ maxDrawdown: 0.25, maxOrdersPerSecond: 20 });
    const author = page.getByTestId('setting-export-author');
    await author.getByLabel('Author name').fill('E2E Trader');
    await author.getByLabel('Author email').fill('not-an-email');
    await author.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.getByTestId('setting-export-author-error').textContent()).toMatch(/email address/);
    await author.getByLabel('Author email').fill('e2e@example.com');
    await author.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.getByTestId('setting-export-author-saved').textContent()).toBe('saved: E2E Trader <e2e@example.com>');

    await page.getByRole('menuitem', { name: 'File' }).click();
    await page.getByRole('menuitem', { name: /Export Config to Git/ }).click();
    const dialog = page.getByTestId('export-dialog');
    // A browser cannot see the host's folders: the path is typed, and no native Browse… is offered.
    expect(await page.getByTestId('export-repo-browse').count()).toBe(0);
    await page.getByTestId('export-repo').fill(repo);
    await page.getByTestId('export-check').click();
    await expect.poll(() => page.getByTestId('export-summary').textContent()).toMatch(/will be made a git repository/);
    // Instruments trading without a model are marked rule-only here, which clears that check.
    for (const box of await dialog.locator('[data-testid^="export-rule-only-"]').all()) {
      await box.click();
      await expect.poll(() => box.isChecked()).toBe(true);
    }
    await page.getByTestId('export-check').click();
    // The summary reads the same before and after: the second check's preview is the one without the rule-only failures.
    await expect.poll(() => page.getByTestId('export-preview').textContent(), { timeout: 30_000 }).not.toMatch(/not marked rule-only/);
    await expect.poll(() => page.getByTestId('export-summary').textContent()).toMatch(/file\(s\) change in quantdesk\//);
    expect(await page.getByTestId('export-diff').textContent()).toMatch(/\+\+\+ b\/quantdesk\/portfolio\.yml/);
    // Demo models may miss the metric minimums: the override, with its reason, goes into the commit message.
    if ((await page.getByTestId('export-check-row').filter({ hasText: 'FAILED' }).count()) > 0) await page.getByTestId('export-override').fill('e2e: demo models');
    await page.getByTestId('export-message').fill('e2e export');
    await page.screenshot({ path: path.join(ARTIFACTS, 'export-config.png') });
    // Enabled once the checks pass or the override is given: a failure here says so instead of a click that waits forever.
    await expect.poll(() => page.getByTestId('export-commit').isEnabled(), { timeout: 30_000 }).toBe(true);
    await page.getByTestId('export-commit').click();
    await expect.poll(() => page.getByTestId('export-result').textContent()).toMatch(/Committed [0-9a-f]{40}/);
    const sha = /[0-9a-f]{40}/.exec((await page.getByTestId('export-result').textContent()) ?? '')![0];
    expect(execFileSync('git', ['-C', repo, 'log', '-1', '--format=%H %an %s'], { encoding: 'utf8' }).trim()).toBe(`${sha} E2E Trader e2e export`);
    await dialog.getByRole('button', { name: 'Close' }).click();

    await page.getByRole('menuitem', { name: 'File' }).click();
    await page.getByRole('menuitem', { name: /Import Config from Git/ }).click();
    await expect.poll(() => page.getByTestId('import-config-repo').inputValue()).toBe(repo);
    await page.getByTestId('import-config-rev').fill('no-such-rev');
    await page.getByTestId('import-config-run').click();
    await expect.poll(() => page.getByTestId('import-config-error').textContent()).toMatch(/no-such-rev is not a commit, branch or tag/);
    await page.getByTestId('import-config-rev').fill('HEAD');
    await page.getByTestId('import-config-run').click();
    await expect.poll(() => page.getByTestId('import-config-result').textContent()).toMatch(new RegExp(`Imported ${sha.slice(0, 12)}: \\d+ strategy config\\(s\\), \\d+ feature set\\(s\\), portfolio \\S+`));
    await page.getByTestId('import-config-dialog').getByRole('button', { name: 'Close' }).click();
  });

  it('fits every view without horizontal overflow at 1280×720 and 1440×900 (screenshots in test-artifacts)', async () => {
    const overflowing: string[] = [];
    for (const [w, h] of [[1280, 720], [1440, 900]] as const) {
      await page.setViewportSize({ width: w, height: h });
      for (const view of ['chart', 'data', 'features', 'models', 'backtests', 'paper', 'jobs', 'settings']) {
        await page.getByTestId(`nav-${view}`).click();
        await page.waitForTimeout(400);
        await page.screenshot({ path: path.join(ARTIFACTS, `view-${view}-${w}x${h}.png`) });
        // Wider content may scroll inside its own box (a table's wrapper); the page and the view may not scroll sideways.
        const wide = await page.evaluate(() =>
          [document.documentElement, document.querySelector('.main')!, ...Array.from(document.querySelectorAll('.main > *'))]
            .filter((el) => el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== 'auto' && getComputedStyle(el).overflowX !== 'scroll' ? true : el === document.querySelector('.main') && el.scrollWidth > el.clientWidth + 1)
            .map((el) => `${el.tagName.toLowerCase()}.${el.className}: ${el.scrollWidth} > ${el.clientWidth}`),
        );
        overflowing.push(...wide.map((x) => `${view} at ${w}×${h}: ${x}`));
      }
      // The File menu and the export dialog with its check rows (failed ones too) fit the window as well.
      const sideways = (what: string): Promise<string[]> =>
        page.evaluate(
          (sel) =>
            Array.from(document.querySelectorAll(sel))
              .flatMap((box) => [box, ...Array.from(box.querySelectorAll('*'))])
              .filter((el) => (el.scrollWidth > el.clientWidth + 1 && !['auto', 'scroll'].includes(getComputedStyle(el).overflowX) && el.tagName !== 'TEXTAREA') || el.getBoundingClientRect().right > window.innerWidth + 1)
              .map((el) => `${el.tagName.toLowerCase()}.${el.className}: ${el.scrollWidth} > ${el.clientWidth}, right ${Math.round(el.getBoundingClientRect().right)}`),
          what,
        );
      await page.getByRole('menuitem', { name: 'File' }).click();
      await page.screenshot({ path: path.join(ARTIFACTS, `menu-file-${w}x${h}.png`) });
      overflowing.push(...(await sideways('.menu-items')).map((x) => `File menu at ${w}×${h}: ${x}`));
      await page.getByRole('menuitem', { name: /Export Config to Git/ }).click();
      await page.getByTestId('export-repo').fill(`${serve.home}-config-repo`);
      // An instrument left unmarked gives a failed check row, with its long reason.
      for (const box of await page.getByTestId('export-dialog').locator('[data-testid^="export-rule-only-"]').all()) if (await box.isChecked()) await box.click();
      await page.getByTestId('export-check').click();
      await expect.poll(() => page.getByTestId('export-summary').textContent(), { timeout: 30_000 }).toMatch(/file\(s\) change in|Nothing changed since the last export/);
      expect(await page.getByTestId('export-check-row').filter({ hasText: 'FAILED' }).count()).toBeGreaterThan(0);
      await page.screenshot({ path: path.join(ARTIFACTS, `export-dialog-${w}x${h}.png`) });
      overflowing.push(...(await sideways('.modal')).map((x) => `export dialog at ${w}×${h}: ${x}`));
      await page.keyboard.press('Escape');
      await expect.poll(() => page.getByTestId('export-dialog').count()).toBe(0);
    }
    expect(overflowing).toEqual([]);
  });

  it('logged no page errors', () => {
    expect(errors).toEqual([]);
  });

  // Last, because the refusals it provokes are logged as errors on purpose.
  it('refuses inline script and eval under the page’s Content-Security-Policy', async () => {
    const seen = await page.evaluate(async () => {
      const violations: string[] = [];
      document.addEventListener('securitypolicyviolation', (e) => violations.push(`${e.effectiveDirective} ${e.blockedURI}`));
      const w = window as unknown as { injected?: boolean; evalRan?: boolean; setTimeout(code: string, ms: number): number };
      const el = document.createElement('script');
      el.textContent = 'window.injected = true';
      document.body.appendChild(el);
      // A string handed to setTimeout is compiled by the page itself (code typed into the debugger is exempt from CSP).
      w.setTimeout('window.evalRan = true', 0);
      await new Promise((r) => setTimeout(r, 100));
      return { violations, injected: w.injected === true, evalRan: w.evalRan === true };
    });
    expect(seen.injected).toBe(false);
    expect(seen.evalRan).toBe(false);
    expect(seen.violations).toEqual(expect.arrayContaining(['script-src-elem inline', 'script-src eval']));
  });
});
