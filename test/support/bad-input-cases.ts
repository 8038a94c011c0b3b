// The bad-input catalogue: malformed and hostile inputs to the CLI, the dashboard contract and inventory files,
// each with the error code and a fragment of the message it must produce. One table drives the test
// (bad-input-catalogue.test.ts) and docs/bad-input.md.
import { MIGRATION_LIMITS } from '../../app/contract/schemas';
import type { ErrorCode } from '../../app/errors';
import { INVENTORY_LIMITS } from '../../main/hosts/inventory';

/** One catalogue entry; `{dir}` in args, env and files stands for a fresh temporary folder. */
export interface BadInputCase {
  surface: 'cli' | 'contract' | 'inventory';
  /** What is wrong, for the doc. */
  what: string;
  code: ErrorCode;
  /** A fragment of the error message (case-sensitive). */
  fragment: string;
  /** CLI: arguments after `ferry`, extra environment, files written into {dir} first (and FIFOs made there), expected exit status. */
  cli?: { args: string[]; env?: Record<string, string>; files?: Record<string, string>; fifos?: string[]; exit?: number };
  /** Contract: a request as a client (the dashboard) sends it. */
  contract?: { method: string; params: unknown };
  /** Inventory: files written into {dir}; the first is loaded, then `alias` resolved. */
  inventory?: { files: Record<string, string>; alias: string };
}

/**
 * The inventory every CLI case sees (FERRY_INVENTORY): hosts x (also named x2) and y on local addresses whose
 * port the test watches: never reached.
 */
export const BASE_INVENTORY = 'Host x x2\n  HostName 127.0.0.1\n  Port {port}\n  User root\nHost y\n  HostName 127.0.0.2\n  Port {port}\n  User root\n';

const { budgetMsMin, budgetMsMax, maxAddresses } = MIGRATION_LIMITS;
const budgetRange = `--budget-ms must be ${budgetMsMin}..${budgetMsMax} ms`;
const migrateArgs = (...more: string[]) => ['migrate', '--from', 'x', '--pid', '4242', '--to', 'y', ...more];

const run = (what: string, code: ErrorCode, fragment: string, args: string[], more: Omit<NonNullable<BadInputCase['cli']>, 'args'> = {}): BadInputCase => ({
  surface: 'cli',
  what,
  code,
  fragment,
  cli: { args, ...more },
});
const migrate = (what: string, fragment: string, over: Record<string, string>, code: ErrorCode = 'BAD_INPUT'): BadInputCase => {
  const opts = { '--from': 'x', '--pid': '4242', '--to': 'y', ...over };
  return run(what, code, fragment, ['migrate', ...Object.entries(opts).flatMap(([k, v]) => [k, v])]);
};
const hostFile = (what: string, block: string, fragment: string, code: ErrorCode = 'BAD_INPUT', alias = 'evil'): BadInputCase =>
  run(what, code, fragment, ['migrate', '--from', alias, '--pid', '4242', '--to', 'y'], {
    files: { 'extra.conf': block },
    env: { FERRY_INVENTORY: '{dir}/hosts:{dir}/extra.conf' },
  });
const request = (what: string, method: string, params: unknown, fragment: string): BadInputCase => ({
  surface: 'contract',
  what,
  code: 'BAD_INPUT',
  fragment,
  contract: { method, params },
});
const start = (over: Record<string, unknown>) => ({ from: 'x', to: 'y', pid: 4242, ...over });
const inventory = (what: string, text: string, fragment: string, alias = 'evil', more: Record<string, string> = {}): BadInputCase => ({
  surface: 'inventory',
  what,
  code: 'BAD_INPUT',
  fragment,
  inventory: { files: { config: text, ...more }, alias },
});

/** Every case. */
export const BAD_INPUT_CASES: readonly BadInputCase[] = [
  // Host names on the command line.
  migrate('unknown host', 'Unknown host "nohost". Known hosts: x, x2, y', { '--from': 'nohost' }, 'UNKNOWN_HOST'),
  migrate('same host on both sides', 'source and destination are the same host (x)', { '--to': 'x' }),
  migrate('same host in another case', 'source and destination are the same host (x)', { '--to': 'X' }),
  migrate('two names of one HostName:port', 'source and destination are the same host: x and x2 both reach 127.0.0.1:', { '--to': 'x2' }),
  migrate('host name with ; (shell command)', 'Invalid host name "a;reboot"', { '--from': 'a;reboot' }),
  migrate('host name with $() (command substitution)', 'Invalid host name "$(id)"', { '--to': '$(id)' }),
  migrate('host name with backticks', 'Invalid host name "`id`"', { '--to': '`id`' }),
  // The command line itself: usage errors read and exit like every other bad input.
  run('unknown option', 'BAD_INPUT', "unknown option '--bogus'", ['migrate', '--from', 'x', '--pid', '4242', '--to', 'y', '--bogus']),
  run('unknown command', 'BAD_INPUT', "unknown command 'migrat'", ['migrat']),
  run('missing argument', 'BAD_INPUT', "missing required argument 'host'", ['ps']),
  run('option without its value', 'BAD_INPUT', "option '--pid <pid>' argument missing", ['migrate', '--from', 'x', '--to', 'y', '--pid']),
  run('option-like host name (ssh option injection)', 'BAD_INPUT', 'it starts with "-"', ['ps', '--', '-oProxyCommand=touch /tmp/x']),
  run('host name with a newline', 'BAD_INPUT', 'it contains whitespace', ['check', 'x\ny']),
  migrate('empty host name', 'Invalid host name "": it is empty', { '--from': '' }),
  migrate('host name longer than 253 characters', 'it is longer than 253 characters', { '--from': 'h'.repeat(300) }),
  migrate('host name with non-ASCII letters', 'Invalid host name "lab-ä"', { '--from': 'lab-ä' }),
  run('glob as host name', 'BAD_INPUT', 'Invalid host name "*"', ['check', '*']),
  // PIDs.
  migrate('PID that is not a number', 'not a PID: "abc"', { '--pid': 'abc' }),
  migrate('PID 0', 'not a PID: "0"', { '--pid': '0' }),
  migrate('negative PID', 'not a PID: "-5"', { '--pid': '-5' }),
  migrate('PID with a shell command', 'not a PID: "4242;reboot"', { '--pid': '4242;reboot' }),
  migrate('PID above the kernel maximum', 'not a PID: "99999999999"', { '--pid': '99999999999' }),
  migrate('PID in exponent notation', 'not a PID: "1e3"', { '--pid': '1e3' }),
  run('PID filter that is not a number', 'BAD_INPUT', 'not a PID: "1x"', ['ps', 'x', '--pid', '1x']),
  // Addresses.
  migrate('address out of range', 'not an IP address: "300.1.1.1"', { '--ip': '300.1.1.1' }),
  migrate('address with a prefix length', 'not an IP address: "198.18.0.100/32"', { '--ip': '198.18.0.100/32' }),
  migrate('address with leading zeros (octal to some parsers)', 'not an IP address: "010.0.0.1"', { '--ip': '010.0.0.1' }),
  migrate('IPv6 address with a scope', 'not an IP address: "fe80::1%eth0"', { '--ip': 'fe80::1%eth0' }),
  migrate('address with a shell command', 'not an IP address: "198.18.0.100;reboot"', { '--ip': '198.18.0.100;reboot' }),
  migrate('address with a leading space', 'not an IP address: " 198.18.0.100"', { '--ip': ' 198.18.0.100' }),
  migrate('host name instead of an address', 'not an IP address: "localhost"', { '--ip': 'localhost' }),
  run(
    'the same address twice',
    'BAD_INPUT',
    '--ip 198.18.0.100 given more than once',
    migrateArgs('--ip', '198.18.0.100', '--ip', '198.18.0.101', '--ip', '198.18.0.100'),
  ),
  run('one IPv6 address in two spellings', 'BAD_INPUT', '--ip 2001:db8::1 given more than once', migrateArgs('--ip', '2001:db8::1', '--ip', '2001:DB8:0:0::1')),
  run(
    `more than ${maxAddresses} addresses`,
    'BAD_INPUT',
    `at most ${maxAddresses} --ip addresses per migration, got ${maxAddresses + 1}`,
    migrateArgs(...Array.from({ length: maxAddresses + 1 }, (_, i) => ['--ip', `198.18.1.${i + 1}`]).flat()),
  ),
  // Options.
  migrate('unknown transfer mode', '--mode must be one of streamed, staged, lazy, got "fast"', { '--mode': 'fast' }),
  migrate('negative budget', `${budgetRange}, got "-5"`, { '--budget-ms': '-5' }),
  migrate('budget of 0 ms', `${budgetRange}, got "0"`, { '--budget-ms': '0' }),
  migrate('budget of 1 ms', `${budgetRange}, got "1"`, { '--budget-ms': '1' }),
  migrate("budget just under the contract's minimum", `${budgetRange}, got "${budgetMsMin - 1}"`, { '--budget-ms': String(budgetMsMin - 1) }),
  migrate("budget over the contract's maximum", `got "${budgetMsMax + 1}"`, { '--budget-ms': String(budgetMsMax + 1) }),
  migrate('budget in exponent notation', 'got "1e3"', { '--budget-ms': '1e3' }),
  migrate('image base /', '--image-base "/" refused: / is a shared system folder', { '--image-base': '/' }),
  migrate('image base /etc', 'it is inside /etc, a system folder', { '--image-base': '/etc' }),
  migrate('image base inside /usr', 'it is inside /usr, a system folder', { '--image-base': '/usr/local/ferry' }),
  migrate('image base inside /proc', 'it is inside /proc, a system folder', { '--image-base': '/proc/1/cwd' }),
  migrate('image base inside /lib64', 'it is inside /lib64, a system folder', { '--image-base': '/lib64/x' }),
  migrate('image base /tmp (world-writable)', '/tmp is a shared system folder', { '--image-base': '/tmp' }),
  migrate('image base /var/lib', '/var/lib is a shared system folder', { '--image-base': '/var/lib/' }),
  migrate('image base with ..', 'it must not contain . or .. components', { '--image-base': '/var/lib/ferry/../../../etc' }),
  migrate('relative image base', 'it must be an absolute path', { '--image-base': 'images' }),
  run('lab with too many demo connections', 'BAD_INPUT', '--connections must be 0..1000, got "5000"', ['lab', 'up', '--connections', '5000']),
  run('lab exec on a host the lab does not have', 'UNKNOWN_HOST', 'no lab host "nohost"', ['lab', 'exec', 'nohost', '--', 'true']),
  run('lab exec asking for PID 0', 'BAD_INPUT', 'not a PID: "0"', ['lab', 'exec', 'lab-a', '--pid', '0', '--', 'true']),
  run('dashboard port out of range', 'BAD_INPUT', '--port must be 0..65535, got "70000"', ['dashboard', '--port', '70000']),
  run('host key fingerprint in the wrong format', 'BAD_INPUT', '--fingerprint must look like SHA256:', ['hosts', 'trust', 'x', '--fingerprint', 'MD5:12:34']),
  run('--yes without a fingerprint (blind trust)', 'BAD_INPUT', '--yes needs --fingerprint', ['hosts', 'trust', 'x', '--yes']),
  // Environment.
  run('FERRY_LAB with a path', 'BAD_INPUT', 'FERRY_LAB must be 1-8 lowercase letters/digits', ['hosts'], { env: { FERRY_LAB: '../x' } }),
  run('FERRY_CRIU not absolute', 'BAD_INPUT', 'FERRY_CRIU must be an absolute path, got "criu"', ['migrate', '--from', 'x', '--pid', '4242', '--to', 'y'], {
    env: { FERRY_CRIU: 'criu' },
  }),
  run('FERRY_CRIU with a shell command', 'BAD_INPUT', 'FERRY_CRIU must be an absolute path', ['migrate', '--from', 'x', '--pid', '4242', '--to', 'y'], {
    env: { FERRY_CRIU: '/opt/criu;id' },
  }),
  run('FERRY_INVENTORY naming a missing file', 'BAD_INPUT', 'Inventory file not found: {dir}/missing', ['hosts'], {
    env: { FERRY_INVENTORY: '{dir}/missing' },
  }),
  // Inventory files (FERRY_INVENTORY), through the CLI.
  hostFile('HostName with a shell command', 'Host evil\n  HostName a;reboot\n', 'host "evil" skipped'),
  hostFile('HostName with $()', 'Host evil\n  HostName $(touch /tmp/x)\n', 'only letters, digits and . _ : % - are allowed'),
  hostFile('option-like HostName', 'Host evil\n  HostName -oProxyCommand=x\n', 'it starts with "-"'),
  hostFile('User with a shell command', 'Host evil\n  HostName 127.0.0.1\n  User root;id\n', '(root;id@127.0.0.1)'),
  hostFile('ProxyCommand with an unknown % token', 'Host evil\n  ProxyCommand nc %x %p\n', 'unknown token %x'),
  hostFile('ProxyCommand ending in a lone %', 'Host evil\n  ProxyCommand nc %h %p %\n', 'unknown token at end of value'),
  hostFile('ProxyJump hop with a shell command', 'Host evil\n  ProxyJump j;reboot\n', 'ProxyJump hop "j;reboot"'),
  hostFile('ProxyJump with a bad port', 'Host evil\n  ProxyJump j:99999\n', 'bad port "99999"'),
  hostFile('HostName with an unknown % token', 'Host evil\n  HostName %z.example\n', 'unknown token %z'),
  hostFile('Port out of range', 'Host evil\n  Port 70000\n', 'extra.conf:2: bad port "70000"'),
  hostFile('unterminated quote', 'Host "evil\n', 'extra.conf:1: unterminated quote'),
  hostFile('Include that includes itself', 'Host *\n  Include {dir}/extra.conf\n', 'Include nested too deeply'),
  hostFile('Include of /dev/zero (never ends)', 'Include /dev/zero\n', 'Include (from {dir}/extra.conf) /dev/zero is a character device, not a regular file'),
  hostFile('IdentityFile /dev/zero', 'Host evil\n  HostName 127.0.0.1\n  IdentityFile /dev/zero\n', 'IdentityFile /dev/zero is not a regular file'),
  hostFile('IdentityFile naming a folder', 'Host evil\n  HostName 127.0.0.1\n  IdentityFile {dir}\n', 'is not a regular file'),
  run(
    'Include of a FIFO (no writer: a plain read would wait forever)',
    'BAD_INPUT',
    'Include (from {dir}/extra.conf) {dir}/fifo is a FIFO, not a regular file',
    ['hosts'],
    { files: { 'extra.conf': 'Include {dir}/fifo\n' }, fifos: ['fifo'], env: { FERRY_INVENTORY: '{dir}/hosts:{dir}/extra.conf' } },
  ),
  run('inventory file that is a FIFO', 'BAD_INPUT', 'inventory file {dir}/fifo is a FIFO', ['hosts'], {
    fifos: ['fifo'],
    env: { FERRY_INVENTORY: '{dir}/fifo' },
  }),
  run(
    'IdentityFile that is a FIFO',
    'BAD_INPUT',
    'IdentityFile {dir}/fifo is not a regular file',
    ['migrate', '--from', 'evil', '--pid', '4242', '--to', 'y'],
    {
      files: { 'extra.conf': 'Host evil\n  HostName 127.0.0.1\n  IdentityFile {dir}/fifo\n' },
      fifos: ['fifo'],
      env: { FERRY_INVENTORY: '{dir}/hosts:{dir}/extra.conf' },
    },
  ),
  // Each level includes the next four times: 4^12 files to read without a cap, no cycle for the depth limit to catch.
  run(
    'a fan-out of Includes (12 levels, each including the next 4 times)',
    'BAD_INPUT',
    `the inventory reads more than ${INVENTORY_LIMITS.files} files`,
    ['hosts'],
    {
      files: Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`l${i}`, `Include${' {dir}/l'.concat(String(i + 1)).repeat(4)}\n`])),
      env: { FERRY_INVENTORY: '{dir}/hosts:{dir}/l0' },
    },
  ),
  run('UserKnownHostsFile /dev/zero', 'BAD_INPUT', 'known_hosts file /dev/zero is a character device', ['ps', 'evil'], {
    files: { 'extra.conf': 'Host evil\n  HostName 127.0.0.1\n  Port {port}\n  UserKnownHostsFile /dev/zero\n' },
    env: { FERRY_INVENTORY: '{dir}/hosts:{dir}/extra.conf' },
  }),
  run('evacuation to the host itself', 'BAD_INPUT', 'to: x is the host being evacuated', ['evacuate', 'x', '--to', 'x']),
  run('evacuation to another name of the host', 'BAD_INPUT', 'source and destination are the same host: x and x2 both reach 127.0.0.1:', [
    'evacuate',
    'x',
    '--to',
    'y,x2',
  ]),
  run('evacuation to one destination twice', 'BAD_INPUT', 'to: y given more than once', ['evacuate', 'x', '--to', 'y,y']),
  run('evacuation with no tree at a time', 'BAD_INPUT', 'parallel: Too small', ['evacuate', 'x', '--to', 'y', '--parallel', '0']),
  run('evacuation with an unknown failure policy', 'BAD_INPUT', '--on-failure must be one of continue, stop', [
    'evacuate',
    'x',
    '--to',
    'y',
    '--on-failure',
    'retry',
  ]),
  run('evacuation with a freeze budget below the minimum', 'BAD_INPUT', 'freezeBudgetMs: Too small', ['evacuate', 'x', '--to', 'y', '--freeze-budget', '5']),
  // The dashboard's contract (app/contract/schemas.ts), over a real transport pair.
  request('host name with ;', 'migration:start', start({ from: 'a;b' }), 'from: invalid host name'),
  request('option-like destination', 'migration:plan', start({ to: '-oProxyCommand=x' }), 'to: invalid host name: it starts with "-"'),
  request('PID 0', 'migration:start', start({ pid: 0 }), 'pid: Too small'),
  request('PID as a string', 'migration:start', start({ pid: '42' }), 'pid: Invalid input: expected number, received string'),
  request('fractional PID', 'migration:start', start({ pid: 1.5 }), 'pid: Invalid input: expected int'),
  request('budget under 100 ms', 'migration:start', start({ budgetMs: 50 }), 'budgetMs: Too small'),
  request('unknown transfer mode', 'migration:start', start({ mode: 'fast' }), 'mode: Invalid option'),
  request(
    `more than ${maxAddresses} addresses`,
    'migration:start',
    start({ addresses: Array.from({ length: maxAddresses + 1 }, (_, i) => `198.18.1.${i + 1}`) }),
    'addresses: Too big',
  ),
  request('the same address twice', 'migration:start', start({ addresses: ['198.18.0.100', '198.18.0.100'] }), 'addresses: 198.18.0.100 given more than once'),
  request('address longer than 64 characters', 'migration:start', start({ addresses: ['1'.repeat(65)] }), 'addresses.0: Too big'),
  request('keepImages as a string', 'migration:start', start({ keepImages: 'yes' }), 'keepImages: Invalid input: expected boolean'),
  request('allowSharedAddress as a number', 'migration:start', start({ allowSharedAddress: 1 }), 'allowSharedAddress: Invalid input: expected boolean'),
  request('missing destination', 'migration:start', { from: 'x', pid: 4242 }, 'to: Invalid input'),
  request('host added with a shell command as address', 'hosts:add', { name: 'n', hostName: 'a;reboot' }, 'hostName: invalid address'),
  request('host added with a shell command as user', 'hosts:add', { name: 'n', hostName: 'h', user: 'root;id' }, 'user: invalid user'),
  request('host added with port 0', 'hosts:add', { name: 'n', hostName: 'h', port: 0 }, 'port: Too small'),
  request(
    'host added with an IdentityFile (a file on the controller read as a key)',
    'hosts:add',
    { name: 'n', hostName: 'h', identityFile: '/dev/zero' },
    'Unrecognized key: "identityFile"',
  ),
  request('host added with a hostile ProxyJump', 'hosts:add', { name: 'n', hostName: 'h', proxyJump: 'j;k' }, 'proxyJump: invalid host name'),
  request('processes of a host name with a newline', 'processes:list', { host: 'a\nb' }, 'host: invalid host name: it contains whitespace'),
  request('history id with a path', 'history:get', { id: '../../etc/passwd' }, 'id: invalid migration id'),
  request('export with a hostile id', 'history:export', { ids: ['m-1', '$(id)'] }, 'ids.1: invalid migration id'),
  request('evacuation without a destination', 'evacuation:plan', { host: 'x', to: [] }, 'to: Too small'),
  request('evacuation with 100 trees at a time', 'evacuation:start', { host: 'x', to: ['y'], parallel: 100 }, 'parallel: Too big'),
  request('evacuation id with a path', 'evacuation:cancel', { id: '../x' }, 'id: invalid evacuation id'),
  request('unexpected parameter', 'app:info', { x: 1 }, 'Unrecognized key: "x"'),
  request('unknown request', 'shell:exec', { argv: ['id'] }, 'unknown request "shell:exec"'),
  // ssh_config parsing (app/inventory), in process.
  inventory('Host line without a pattern', 'Host\n', 'config:1: Host needs at least one pattern'),
  inventory('Include without a path', 'Include\n', 'config:1: Include needs a path'),
  inventory('ProxyCommand without a value', 'Host evil\n  ProxyCommand\n', 'config:2: ProxyCommand needs a value'),
  inventory('HostName without a value', 'Host evil\n  HostName\n', 'config:2: HostName needs a value'),
  inventory('Port that is not a number', 'Host evil\n  Port ssh\n', 'config:2: bad port "ssh"'),
  inventory('ProxyJump with an empty hop', 'Host evil\n  ProxyJump a,\n', 'empty hop'),
  inventory('ProxyJump with an unclosed [', 'Host evil\n  ProxyJump [::1\n', 'unclosed ['),
  inventory('two files including each other', 'Include {dir}/other\n', 'Include nested too deeply', 'evil', { other: 'Include {dir}/config\n' }),
  inventory('Include of a character device', 'Include /dev/zero\n', '/dev/zero is a character device, not a regular file'),
  inventory('Include of a folder', 'Include {dir}\n', 'is a folder, not a regular file'),
  inventory('Include glob over the whole filesystem', 'Include /*/*/*/*\n', `matches more than ${INVENTORY_LIMITS.files} paths`),
  inventory('an included file over the size cap', 'Include {dir}/big\n', `/big is larger than ${INVENTORY_LIMITS.fileBytes} bytes`, 'evil', {
    big: `# ${'x'.repeat(INVENTORY_LIMITS.fileBytes)}\n`,
  }),
];

function code(s: string): string {
  const visible = s
    .replaceAll('{dir}', '$DIR')
    // eslint-disable-next-line no-control-regex -- control characters are exactly what is made visible here
    .replace(/[\u0000-\u001f]/g, (ch) => ({ '\n': '\\n', '\t': '\\t', '\r': '\\r' })[ch] ?? `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`)
    .replaceAll('|', '\\|');
  const shown = visible.length > 120 ? `${visible.slice(0, 40)}…(${s.length} characters)` : visible;
  return shown.includes('`') ? `\`\` ${shown} \`\`` : `\`${shown}\``;
}

function input(c: BadInputCase): string {
  if (c.cli) {
    const env = Object.entries(c.cli.env ?? {})
      .map(([k, v]) => `${k}=${shellWord(v)} `)
      .join('');
    const args = c.cli.args.map(shellWord).join(' ');
    const files = Object.entries(c.cli.files ?? {})
      .map(([f, t]) => `<br>${f}: ${code(t)}`)
      .join('');
    const fifos = (c.cli.fifos ?? []).map((f) => `<br>${f}: a FIFO (mkfifo)`).join('');
    return `${code(`${env}ferry ${args}`)}${files}${fifos}`;
  }
  if (c.contract) return `${code(c.contract.method)} ${code(JSON.stringify(c.contract.params))}`;
  const inv = c.inventory!;
  return (
    Object.entries(inv.files)
      .map(([f, t]) => `${f}: ${code(t)}`)
      .join('<br>') + `<br>resolve ${code(inv.alias)}`
  );
}

function shellWord(a: string): string {
  return /^[A-Za-z0-9_./:=@+{}-]+$/.test(a) ? a : `'${a.replaceAll("'", `'\\''`)}'`;
}

/** docs/bad-input.md, generated from BAD_INPUT_CASES. */
export function renderBadInputDoc(cases: readonly BadInputCase[] = BAD_INPUT_CASES): string {
  const by = (s: BadInputCase['surface']) => cases.filter((c) => c.surface === s);
  const section = (title: string, list: BadInputCase[], note: string) => [
    `## ${title} (${list.length})`,
    '',
    note,
    '',
    '| # | input | what is wrong | code | message contains |',
    '|---|---|---|---|---|',
    ...list.map((c, i) => `| ${i + 1} | ${input(c)} | ${c.what} | ${c.code} | ${code(c.fragment)} |`),
    '',
  ];
  return [
    '# Bad input catalogue',
    '',
    `Generated from \`test/support/bad-input-cases.ts\` (${cases.length} cases); \`main/cli/bad-input-catalogue.test.ts\` runs every`,
    'case and checks this file (regenerate: `FERRY_WRITE_DOCS=1 npx vitest run main/cli/bad-input-catalogue.test.ts`).',
    'Every input is refused before Ferry connects to any host or changes anything. `$DIR` is a fresh folder; CLI cases',
    `run with \`FERRY_INVENTORY=$DIR/hosts\` (${code(BASE_INVENTORY)}), no lab (\`FERRY_LAB=tnolab\`) and \`HOME=$DIR\`.`,
    'BAD_INPUT and UNKNOWN_HOST exit with status 2.',
    '',
    ...section('Command line', by('cli'), 'The built CLI (`node bin/ferry.mjs …`), as an operator runs it.'),
    ...section(
      'Dashboard contract',
      by('contract'),
      'Requests as the dashboard sends them, through `serveContract` over an in-memory transport pair: refused by the schemas in `app/contract/schemas.ts` before any handler runs.',
    ),
    ...section('Inventory files', by('inventory'), 'ssh_config text loaded by `loadInventory` (the `app/inventory` parsers), then the alias resolved.'),
    '## Not refused by design',
    '',
    '- A `ProxyCommand` is a local shell command by definition (as in OpenSSH): the inventory is trusted configuration.',
    '  Only the values Ferry expands into it (`%h %p %r %n`) are validated, so a hostile HostName or User cannot reach that shell.',
    '- The contract accepts any string of at most 64 characters in `addresses`; the engine refuses a malformed one in the',
    '  preflight (BAD_INPUT "not an IP address"), after probing the hosts but before anything changes.',
    '',
  ].join('\n');
}
