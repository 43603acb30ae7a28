import type { LoadedYaml, YamlPath } from '../playbook/load.js';
import { diagnostic } from '../playbook/diagnostic.js';
import { pyJson } from '../playbook/template/jinja-filters.js';
import { defineAction } from './action.js';
import { bool, isMap, str, stringTexts } from './args.js';
import { done, failed, linkFailure, message, type Outcome } from './outcome.js';

type BodyFormat = 'raw' | 'json' | 'form-urlencoded';

export type UriAction = {
  kind: 'uri';
  url: string;
  method: string;
  body?: unknown;
  bodyFormat: BodyFormat;
  headers: Record<string, unknown>;
  statusCode: number[];
  returnContent: boolean;
  user?: string;
  password?: string;
  validateCerts: boolean;
  timeout: number;
  followRedirects: string;
};
type UriPreview = { uri: { method: string; url: string } };

/** Marks the line curl writes after the body: the status and the content type. */
const TRAILER = '\n--runbook-uri-- ';

const CONFIG_ESCAPES: Record<string, string> = { '\\': '\\\\', '"': '\\"', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** A value in curl's config syntax: double-quoted, with its escapes (so nothing reaches a command line). */
function quoted(s: string): string {
  return `"${s.replace(/[\\"\n\r\t]/g, (c) => CONFIG_ESCAPES[c] ?? c)}"`;
}

/** A mapping as Python's urlencode writes it: `a=b+c&d=1`, values as Python prints them (`True`). */
function formEncoded(body: Record<string, unknown>): string {
  const text = (v: unknown): string => (typeof v === 'boolean' ? (v ? 'True' : 'False') : String(v));
  return new URLSearchParams(Object.entries(body).map(([k, v]): [string, string] => [k, text(v)])).toString();
}

/** The request body and the content type it implies, as Ansible's uri prepares them (json.dumps, urlencode). */
function requestBody(body: unknown, format: BodyFormat): { data: string; type?: string } {
  if (format === 'json') return { data: typeof body === 'string' ? body : pyJson(body), type: 'application/json' };
  if (format === 'form-urlencoded') {
    if (!isMap(body)) return { data: String(body), type: 'application/x-www-form-urlencoded' };
    return { data: formEncoded(body), type: 'application/x-www-form-urlencoded' };
  }
  return { data: typeof body === 'string' ? body : JSON.stringify(body) };
}

const STATUS_CODE = {
  title: 'Status code',
  description: 'The status (or statuses) that count as success (default 200).',
  oneOf: [
    { type: 'integer' },
    { type: 'string', pattern: '^[0-9]+$' },
    { type: 'array', minItems: 1, items: { oneOf: [{ type: 'integer' }, { type: 'string', pattern: '^[0-9]+$' }] } },
  ],
};

/**
 * `uri: {url, method, body, …}`: an HTTP request made FROM the managed host, as Ansible's uri module makes it there.
 * runbook sends it with the host's curl, reading every argument (the password included) from its standard input,
 * so nothing of the request appears on a command line; delegated to localhost, the controller's curl sends it.
 */
export const uri = defineAction<UriAction, UriPreview>({
  schema: {
    title: 'URI',
    description: "An HTTP request made from the host with its curl, as Ansible's uri; registers status, json, content.",
    type: 'object',
    additionalProperties: false,
    required: ['url'],
    properties: {
      url: { title: 'URL', description: 'http:// or https:// URL, requested from the host.', type: 'string' },
      method: { title: 'Method', description: 'HTTP method (default GET).', type: 'string', minLength: 1 },
      body: { title: 'Body', description: 'The request body: text, or a mapping/list for json and form-urlencoded.' },
      body_format: {
        title: 'Body format',
        description: 'raw (default), json (also sets Content-Type) or form-urlencoded.',
        enum: ['raw', 'json', 'form-urlencoded'],
      },
      headers: {
        title: 'Headers',
        description: 'Request headers by name.',
        type: 'object',
        additionalProperties: { oneOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }] },
      },
      status_code: STATUS_CODE,
      return_content: { title: 'Return content', description: 'Register the body as content.', type: 'boolean' },
      url_username: { title: 'User', description: 'Basic authentication user (also `user`).', type: 'string' },
      user: { title: 'User', description: 'Same as url_username.', type: 'string' },
      url_password: {
        title: 'Password',
        description: "Basic authentication password (also `password`); sent on curl's input, never shown.",
        type: 'string',
      },
      password: { title: 'Password', description: 'Same as url_password.', type: 'string' },
      force_basic_auth: {
        title: 'Force basic auth',
        description: 'Accepted for compatibility: credentials are always sent with the first request.',
        type: 'boolean',
      },
      validate_certs: {
        title: 'Validate certificates',
        description: 'false: accept any TLS certificate.',
        type: 'boolean',
      },
      timeout: {
        title: 'Timeout',
        description: 'Seconds the request may take (default 30).',
        type: 'integer',
        minimum: 1,
      },
      follow_redirects: {
        title: 'Follow redirects',
        description: 'safe (default: GET and HEAD), all, none.',
        enum: ['safe', 'all', 'none', 'no', 'yes'],
      },
    },
  },
  texts: (value: unknown, at: YamlPath) =>
    stringTexts('uri', value, at, ['url', 'method', 'body', 'url_username', 'user', 'url_password', 'password']),
  check: (value: unknown, at: YamlPath, loaded: LoadedYaml) => {
    if (!isMap(value)) return [];
    const both = (a: string, b: string) =>
      value[a] !== undefined && value[b] !== undefined
        ? [diagnostic(loaded.locate([...at, b], 'key'), `uri: give only one of "${a}" or "${b}"`)]
        : [];
    return [...both('url_username', 'user'), ...both('url_password', 'password')];
  },
  parse(value: unknown): UriAction {
    const v = isMap(value) ? value : {};
    const codes = v.status_code === undefined ? [200] : Array.isArray(v.status_code) ? v.status_code : [v.status_code];
    const format = str(v.body_format);
    const out: UriAction = {
      kind: 'uri',
      url: str(v.url) ?? '',
      method: (str(v.method) ?? 'GET').toUpperCase(),
      bodyFormat: format === 'json' || format === 'form-urlencoded' ? format : 'raw',
      headers: isMap(v.headers) ? v.headers : {},
      statusCode: codes.map((c) => Number(c)),
      returnContent: bool(v.return_content),
      validateCerts: bool(v.validate_certs, true),
      timeout: typeof v.timeout === 'number' ? v.timeout : 30,
      followRedirects: str(v.follow_redirects) ?? 'safe',
    };
    if (v.body !== undefined) out.body = v.body;
    const user = str(v.url_username) ?? str(v.user);
    const password = str(v.url_password) ?? str(v.password);
    if (user !== undefined) out.user = user;
    if (password !== undefined) out.password = password;
    return out;
  },
  defaultName: (a) => `uri ${a.method} ${a.url}`,
  registers: () => ({ status: 0, url: '', msg: '', content_type: '', json: null, content: '' }),
  preview: (a, host) => ({ uri: { method: a.method, url: host.text(['uri.url', 'uri'], a.url) } }),
  describe: (_a, p, redact) => [`uri ${p.uri.method} ${redact(p.uri.url)}`],
  json: (_a, p, redact) => ({ uri: { ...p.uri, url: redact(p.uri.url) } }),
  async run(a, task, host): Promise<Outcome> {
    // Ansible's uri does not support check mode: the request is not sent, unless the task says it only reads.
    if (host.check && task.checkMode !== 'run') return done('skipped', { would_run: true });
    let config: string[];
    let url: string;
    try {
      const r = (field: string, s: string) => host.renderer.text(task, [`uri.${field}`, 'uri'], s, host.vars);
      url = r('url', a.url);
      const method = r('method', a.method).toUpperCase();
      config = [`url = ${quoted(url)}`, `request = ${quoted(method)}`, 'silent', 'show-error'];
      config.push(`max-time = ${a.timeout}`);
      if (!a.validateCerts) config.push('insecure');
      const follow = a.followRedirects;
      if (follow === 'all' || follow === 'yes' || (follow === 'safe' && (method === 'GET' || method === 'HEAD')))
        config.push('location');
      const headers = host.renderer.value(a.headers, host.vars) as Record<string, unknown>;
      const named = new Set(Object.keys(headers).map((k) => k.toLowerCase()));
      for (const [k, v] of Object.entries(headers)) config.push(`header = ${quoted(`${k}: ${String(v)}`)}`);
      if (a.body !== undefined) {
        const body = requestBody(host.renderer.value(a.body, host.vars), a.bodyFormat);
        if (body.type && !named.has('content-type')) config.push(`header = ${quoted(`Content-Type: ${body.type}`)}`);
        // data-raw: a body starting with @ is text, never a file on the host.
        config.push(`data-raw = ${quoted(body.data)}`);
      }
      if (a.user !== undefined || a.password !== undefined) {
        const user = a.user === undefined ? '' : r('url_username', a.user);
        const password = a.password === undefined ? '' : r('url_password', a.password);
        config.push('basic', `user = ${quoted(`${user}:${password}`)}`);
      }
      config.push(`write-out = ${quoted(`${TRAILER}%{http_code} %{size_download} %{content_type}`)}`);
    } catch (err) {
      return failed('template', message(err));
    }
    let res: { rc: number | null; stdout: string; stderr: string };
    try {
      // The host's own limit (max-time) ends curl first; the task's deadline still bounds the whole call.
      res = await host.bounded((signal) =>
        host.session.exec('curl -K -', { timeoutMs: host.timeoutMs, signal, stdin: `${config.join('\n')}\n` }),
      );
    } catch (err) {
      return linkFailure(err, host.stopped, () => failed('command', message(err)));
    }
    if (res.rc === 127) return failed('command', 'uri needs curl on the host', { rc: res.rc, stderr: res.stderr });
    const codes = `[${a.statusCode.join(', ')}]`;
    if (res.rc !== 0) {
      const why = `Request failed: ${res.stderr.trim() || `curl exit status ${res.rc}`}`;
      const msg = `Status code was -1 and not ${codes}: ${why}`;
      return failed('command', msg, { data: { status: -1, url, msg } });
    }
    const at = res.stdout.lastIndexOf(TRAILER);
    const content = at < 0 ? res.stdout : res.stdout.slice(0, at);
    const [code = '0', size = '0', ...type] = (at < 0 ? '' : res.stdout.slice(at + TRAILER.length)).split(' ');
    const status = Number(code);
    const contentType = type.join(' ');
    const data: Record<string, unknown> = { status, url, content_type: contentType, redirected: false };
    const sub = (contentType.split(';')[0] ?? '').split('/')[1]?.trim().toLowerCase() ?? '';
    if (['json', 'javascript'].includes(sub.includes('+') ? (sub.split('+')[1] ?? '') : sub)) {
      try {
        data.json = JSON.parse(content) as unknown;
      } catch {
        // Not JSON after all: Ansible registers no json then either.
      }
    }
    if (a.returnContent) data.content = content;
    if (!a.statusCode.includes(status)) {
      data.msg = `Status code was ${status} and not ${codes}: HTTP Error ${status}`;
      return failed('command', data.msg as string, { data });
    }
    data.msg = `OK (${size} bytes)`;
    return done('ok', { data });
  },
});
