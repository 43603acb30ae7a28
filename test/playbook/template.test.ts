import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TemplateEngine } from '../../src/playbook/template/engine.js';
import { renderError } from '../support/render-error.js';
import { findTemplate, templateSearchPath } from '../../src/playbook/template/jail.js';

let root: string;
let engine: TemplateEngine;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'runbook-template-'));
  mkdirSync(join(root, 'site', 'templates'), { recursive: true });
  mkdirSync(join(root, 'templates'));
  writeFileSync(
    join(root, 'site', 'templates', 'ntp.conf.njk'),
    '# {{ inventory_hostname }}\n{% for s in ntp_servers -%}\nserver {{ s }}\n{% endfor -%}\n',
  );
  writeFileSync(join(root, 'templates', 'shared.njk'), 'shared {{ x }}');
  writeFileSync(join(root, 'site', 'templates', 'attr.njk'), 'a\nb={{ cfg.missing }}');
  writeFileSync(
    join(root, 'site', 'templates', 'optional.njk'),
    '{% if x is defined %}x{% endif %}{{ y | default("dy") }}{{ z.w is defined }}',
  );
  writeFileSync(join(root, 'site', 'templates', 'broken.njk'), 'ok\n{% if %}\n');
  writeFileSync(join(root, 'site', 'templates', 'inc.njk'), '{% include "../../secret.txt" %}');
  writeFileSync(join(root, 'secret.txt'), 'secret');
  symlinkSync(join(root, 'secret.txt'), join(root, 'site', 'templates', 'link.njk'));
  engine = new TemplateEngine(templateSearchPath(join(root, 'site')));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('templates', () => {
  it('renders with the host variables', () => {
    expect(engine.renderFile('ntp.conf.njk', { inventory_hostname: 'r1', ntp_servers: ['a', 'b'] })).toBe(
      '# r1\nserver a\nserver b\n',
    );
  });

  it('looks in templates/ beside the playbook, then ../templates/', () => {
    expect(engine.renderFile('shared.njk', { x: 1 })).toBe('shared 1');
  });

  it('names the missing variable, the template file and its line, even where nunjucks would iterate nothing', () => {
    const e = renderError(() => engine.renderFile('ntp.conf.njk', { inventory_hostname: 'r1' }));
    expect(e.variable).toBe('ntp_servers');
    expect(e.message).toBe('undefined variable "ntp_servers"');
    expect(e.file).toMatch(/site[\\/]templates[\\/]ntp\.conf\.njk$/);
    expect([e.line, e.col]).toEqual([2, 13]);
  });

  it('treats a missing attribute as undefined too', () => {
    const e = renderError(() => engine.renderFile('attr.njk', { cfg: {} }));
    expect(e.variable).toBe('cfg.missing');
    expect(e.line).toBe(2);
  });

  it('lets templates ask whether a variable is defined and give a default, printing booleans as Python does', () => {
    expect(engine.renderFile('optional.njk', {})).toBe('dyFalse');
    expect(engine.renderFile('optional.njk', { x: 1, y: 'Y', z: { w: 1 } })).toBe('xYTrue');
  });

  it('reports a syntax error with its line', () => {
    const e = renderError(() => engine.compileFile('broken.njk'));
    expect(e.line).toBe(2);
    expect(e.message).toContain('unexpected token');
  });

  it('refuses a src that leaves the template path, even through a symlink or an include', () => {
    const sp = engine.searchPath;
    expect(findTemplate(sp, '../../etc/passwd')).toMatchObject({ ok: false, reason: 'escapes' });
    expect(findTemplate(sp, '/etc/passwd')).toMatchObject({ ok: false, reason: 'escapes' });
    expect(findTemplate(sp, 'link.njk')).toMatchObject({ ok: false, reason: 'escapes' });
    expect(findTemplate(sp, 'nope.njk')).toMatchObject({ ok: false, reason: 'missing' });
    expect(renderError(() => engine.renderFile('inc.njk', {})).message).toContain('leaves the template path');
  });

  it('renders inline strings such as commands, strictly', () => {
    expect(engine.renderString('show {{ iface }}', { iface: 'eth0' }, 'site.yml')).toBe('show eth0');
    expect(engine.renderString('plain', {}, 'site.yml')).toBe('plain');
    expect(renderError(() => engine.renderString('show {{ iface }}', {}, 'site.yml')).variable).toBe('iface');
  });
});
