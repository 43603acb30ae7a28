/**
 * The README's key tables come from the JSON Schemas, which are the one source of truth for keys, types
 * and meanings. `npm run docs` rewrites the tables between `<!-- keys:NAME -->` and `<!-- /keys:NAME -->`;
 * a test fails when the README has drifted from the schemas.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

interface SchemaNode {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  description?: string;
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  oneOf?: SchemaNode[];
  anyOf?: SchemaNode[];
  definitions?: Record<string, SchemaNode>;
}

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const README = `${ROOT}README.md`;

function load(name: string): SchemaNode {
  return JSON.parse(readFileSync(`${ROOT}schemas/${name}`, 'utf8')) as SchemaNode;
}

function typeOf(node: SchemaNode): string {
  if (node.$ref) return node.$ref.split('/').pop() ?? 'value';
  if (node.enum) return node.enum.map((v) => `\`${String(v)}\``).join(' \\| ');
  const alts = node.oneOf ?? node.anyOf;
  if (alts) return [...new Set(alts.map(typeOf))].join(' or ');
  if (node.type === 'array' && node.items) return `list of ${typeOf(node.items)}`;
  const t = Array.isArray(node.type) ? node.type.filter((x) => x !== 'null').join(' or ') : node.type;
  return t === 'object' ? 'mapping' : (t ?? 'value');
}

function table(properties: Record<string, SchemaNode>): string {
  const rows = Object.entries(properties).map(
    ([key, node]) => `| \`${key}\` | ${typeOf(node)} | ${(node.description ?? '').replace(/\|/g, '\\|')} |`,
  );
  return ['| key | type | meaning |', '|---|---|---|', ...rows].join('\n');
}

export function keyTables(): Record<string, string> {
  const playbook = load('playbook.schema.json');
  const inventory = load('inventory.schema.json');
  const defs = playbook.definitions ?? {};
  const play = defs.play?.properties ?? {};
  const task = defs.task?.properties ?? {};
  const breaker = play.breaker?.properties ?? {};
  const connection = inventory.definitions?.vars?.properties ?? {};
  const platform = load('platform.schema.json');
  // Network modules share four argument sets, documented once each; the task table names them in one line.
  const shared = (name: string) => task[name]?.properties ?? {};
  const networkTask = Object.fromEntries(
    Object.entries(task).filter(([k]) => !/(_command|_config)$/.test(k) || k === 'cli_command' || k === 'cli_config'),
  );
  return {
    play: table(play),
    breaker: table(breaker),
    task: table(networkTask),
    connection: table(connection),
    'network-config': table(shared('ios_config')),
    'network-command': table(shared('ios_command')),
    'cli-command': table(shared('cli_command')),
    'cli-config': table(shared('cli_config')),
    platform: table(platform.properties ?? {}),
    'platform-config': table(platform.properties?.config?.properties ?? {}),
  };
}

/** The README with every marked table replaced by the one generated from the schemas. */
export function renderReadme(text: string): string {
  let out = text;
  for (const [name, body] of Object.entries(keyTables())) {
    const re = new RegExp(`(<!-- keys:${name} -->\\n)[\\s\\S]*?(\\n<!-- /keys:${name} -->)`);
    if (!re.test(out)) throw new Error(`README.md has no <!-- keys:${name} --> section`);
    out = out.replace(re, (_m, open: string, close: string) => `${open}${body}${close}`);
  }
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(README, renderReadme(readFileSync(README, 'utf8')));
  process.stdout.write('README.md key tables regenerated from schemas/\n');
}
