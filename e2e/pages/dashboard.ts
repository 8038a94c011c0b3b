// Page objects of the dashboard: one per view, located by role and label only.
import { expect, type Locator, type Page } from '@playwright/test';

/** The shell: tabs and theme. */
export class Dashboard {
  readonly hosts: HostsPage;
  readonly processes: ProcessesPage;
  readonly migrate: MigratePage;
  readonly review: ReviewPage;

  constructor(readonly page: Page) {
    this.hosts = new HostsPage(page);
    this.processes = new ProcessesPage(page);
    this.migrate = new MigratePage(page);
    this.review = new ReviewPage(page);
  }

  tab(name: 'Hosts' | 'Processes' | 'Migrate' | 'Review'): Locator {
    return this.page.getByRole('tab', { name });
  }

  async open(name: 'Hosts' | 'Processes' | 'Migrate' | 'Review'): Promise<void> {
    await this.tab(name).click();
    await expect(this.tab(name)).toHaveAttribute('aria-selected', 'true');
  }
}

export class HostsPage {
  readonly inventory: Locator;
  constructor(readonly page: Page) {
    this.inventory = page.getByRole('table', { name: 'Inventory' });
  }

  row(host: string): Locator {
    return this.inventory.getByRole('row').filter({ has: this.page.getByRole('rowheader', { name: host, exact: true }) });
  }

  /** Fills and submits the "Add a host" form. */
  async addHost(h: { name: string; address: string; user?: string; port?: string }): Promise<void> {
    const form = this.page.getByRole('form', { name: 'Add a host' });
    await form.getByLabel('Name').fill(h.name);
    await form.getByLabel('Address').fill(h.address);
    if (h.user) await form.getByLabel('User').fill(h.user);
    if (h.port) await form.getByLabel('Port').fill(h.port);
    await form.getByRole('button', { name: 'Add host' }).click();
  }

  /** Shows only the hosts of one inventory group ('' for all). */
  async filterGroup(group: string): Promise<void> {
    await this.page.getByLabel('Group').selectOption(group);
  }

  async expectReady(host: string): Promise<void> {
    await expect(this.row(host).getByText('Ready', { exact: true })).toBeVisible({ timeout: 60_000 });
  }
}

export class ProcessesPage {
  readonly search: Locator;
  readonly host: Locator;
  constructor(readonly page: Page) {
    this.search = page.getByRole('searchbox', { name: 'Search processes' });
    this.host = page.getByLabel('Host');
  }

  tree(host: string): Locator {
    return this.page.getByRole('tree', { name: `Process tree of ${host}` });
  }

  item(host: string, name: string | RegExp): Locator {
    return this.tree(host).getByRole('treeitem', { name });
  }

  connections(pid: number): Locator {
    return this.page.getByRole('table', { name: `Connections of PID ${pid}` });
  }

  migrateButton(): Locator {
    return this.page.getByRole('button', { name: 'Migrate this process…' });
  }
}

export class MigratePage {
  readonly destination: Locator;
  readonly budget: Locator;
  readonly runButton: Locator;
  readonly rehearseButton: Locator;
  readonly freezeMeter: Locator;
  readonly steps: Locator;
  constructor(readonly page: Page) {
    this.destination = page.getByLabel('Destination');
    this.budget = page.getByLabel('Budget (s)');
    this.runButton = page.getByRole('button', { name: 'Migrate now' });
    this.rehearseButton = page.getByRole('button', { name: 'Rehearse', exact: true });
    this.freezeMeter = page.getByRole('meter', { name: 'Freeze time against budget' });
    this.steps = page.getByRole('list', { name: 'Steps' });
  }

  planHeading(): Locator {
    return this.page.getByRole('heading', { name: 'Plan: ready to migrate' });
  }

  rehearsalHeading(): Locator {
    return this.page.getByRole('heading', { name: /^Rehearsal: / });
  }

  predictions(): Locator {
    return this.page.getByRole('table', { name: 'Predicted freeze per mode' });
  }

  outcome(): Locator {
    return this.page.getByRole('heading', { name: /^Migration m-/ }).getByRole('status');
  }

  /** Records every value the countdown shows while frozen (a MutationObserver in the page). */
  async watchCountdown(): Promise<void> {
    await this.page.evaluate(() => {
      const seen: { t: number; ms: number; state: string }[] = [];
      (window as unknown as { __countdown: typeof seen }).__countdown = seen;
      new MutationObserver(() => {
        const m = document.querySelector('[role="meter"][aria-label="Freeze time against budget"]');
        if (!m) return;
        const ms = Number(m.getAttribute('data-elapsed-ms'));
        const state = m.getAttribute('data-state') ?? '';
        const last = seen[seen.length - 1];
        if (!last || last.ms !== ms || last.state !== state) seen.push({ t: performance.now(), ms, state });
      }).observe(document.body, { subtree: true, attributes: true, attributeFilter: ['data-elapsed-ms', 'data-state'] });
    });
  }

  /**
   * Waits until the recorded countdown has been in the frozen state. The record is kept by the MutationObserver, so a
   * freeze shorter than any polling interval is still seen.
   */
  async waitUntilFrozen(timeoutMs: number): Promise<void> {
    await this.page.waitForFunction(
      () => (window as unknown as { __countdown: { state: string }[] }).__countdown.some((s) => s.state === 'frozen'),
      undefined,
      { timeout: timeoutMs },
    );
  }

  async countdownValues(): Promise<{ t: number; ms: number; state: string }[]> {
    return this.page.evaluate(() => (window as unknown as { __countdown: { t: number; ms: number; state: string }[] }).__countdown);
  }
}

export class ReviewPage {
  readonly history: Locator;
  constructor(readonly page: Page) {
    this.history = page.getByRole('table', { name: 'Migration history' });
  }

  row(id: string): Locator {
    return this.history.getByRole('row').filter({ hasText: id });
  }

  waterfall(id: string): Locator {
    return this.page.getByRole('figure', { name: `Waterfall of ${id}` });
  }

  exportButton(): Locator {
    return this.page.getByRole('button', { name: 'Export JSON' });
  }
}
