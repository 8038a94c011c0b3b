import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../util/repo-root';
import { isTrustedSender, pageUrlCheck } from './sender-check';

const INDEX = 'file:///opt/Ferry/resources/app.asar/dist/renderer/index.html';
const trusted = pageUrlCheck(INDEX);
const mainFrame = { url: INDEX, parent: null };
const contents = { id: 1 };

describe('Electron IPC sender check', () => {
  it("accepts our window's main frame on our page (with a fragment)", () => {
    expect(isTrustedSender({ sender: contents, senderFrame: mainFrame }, contents, trusted)).toBe(true);
    expect(isTrustedSender({ sender: contents, senderFrame: { url: `${INDEX}#/review`, parent: null } }, contents, trusted)).toBe(true);
  });

  it('refuses an iframe of our page, another window, a missing frame, and our frame after it navigated', () => {
    const iframe = { url: INDEX, parent: mainFrame };
    expect(isTrustedSender({ sender: contents, senderFrame: iframe }, contents, trusted)).toBe(false);
    expect(isTrustedSender({ sender: { id: 2 }, senderFrame: mainFrame }, contents, trusted)).toBe(false);
    expect(isTrustedSender({ sender: contents, senderFrame: null }, contents, trusted)).toBe(false);
    expect(isTrustedSender({ sender: contents, senderFrame: undefined }, contents, trusted)).toBe(false);
    expect(isTrustedSender({ sender: contents, senderFrame: { url: 'https://evil.example/', parent: null } }, contents, trusted)).toBe(false);
  });

  it('trusts exactly the page: not a query, not a sibling file, not a prefix', () => {
    expect(trusted(`${INDEX}?x=1`)).toBe(false);
    expect(trusted(INDEX.replace('index.html', 'other.html'))).toBe(false);
    expect(trusted(`${INDEX}.evil`)).toBe(false);
  });
});

describe('electron-builder.yml', () => {
  it('flips the fuses that let whoever starts the binary run code in it', () => {
    const yml = readFileSync(path.join(repoRoot(), 'electron-builder.yml'), 'utf8');
    const block = yml.slice(yml.indexOf('electronFuses:'));
    for (const [fuse, value] of Object.entries({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      onlyLoadAppFromAsar: true,
      enableEmbeddedAsarIntegrityValidation: true,
      enableCookieEncryption: true,
    }))
      expect(block, fuse).toMatch(new RegExp(`\\n  ${fuse}: ${value}\\n`));
    expect(yml).toMatch(/\nasar: true\n/);
  });
});
