import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TemplateEngine } from '../../src/playbook/template/engine.js';
import { templateSearchPath } from '../../src/playbook/template/jail.js';

/**
 * Lookups are reachable from hostile templates, so `file` and `template` read only inside the playbook's own
 * directories: `files/`, the playbook directory and the template path, never through `..`, an absolute path
 * or a symlink that leads out.
 */

let root: string;
let engine: TemplateEngine;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'runbook-lookups-'));
  const play = join(root, 'play');
  mkdirSync(join(play, 'files'), { recursive: true });
  mkdirSync(join(play, 'templates'), { recursive: true });
  writeFileSync(join(play, 'files', 'motd.txt'), 'hello\n');
  writeFileSync(join(play, 'beside.txt'), 'beside the playbook');
  writeFileSync(join(root, 'secret.txt'), 'outside the playbook');
  symlinkSync(join(root, 'secret.txt'), join(play, 'files', 'link.txt'));
  writeFileSync(join(play, 'templates', 'greet.j2'), 'hi {{ who }}');
  engine = new TemplateEngine(templateSearchPath(play));
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

const render = (text: string, vars: Record<string, unknown> = {}) => engine.renderString(text, vars, 'test');

describe('lookups', () => {
  it('reads files from files/ and beside the playbook, without the final newline', () => {
    expect(render('[{{ lookup("file", "motd.txt") }}] {{ lookup("file", "beside.txt") }}')).toBe(
      '[hello] beside the playbook',
    );
  });

  it('refuses a file outside the playbook: .., absolute, or a symlink leading out', () => {
    expect(() => render('{{ lookup("file", "../secret.txt") }}')).toThrow(/leaves/);
    expect(() => render(`{{ lookup("file", "${join(root, 'secret.txt')}") }}`)).toThrow(/leaves/);
    expect(() => render('{{ lookup("file", "link.txt") }}')).toThrow(/link that leaves/);
    expect(() => render('{{ lookup("file", "/etc/passwd") }}')).toThrow(/leaves/);
  });

  it('renders a template from the template path with the caller variables', () => {
    expect(render('{{ lookup("template", "greet.j2") }}', { who: 'you' })).toBe('hi you');
    expect(() => render('{{ lookup("template", "../files/motd.txt") }}')).toThrow(/leaves/);
  });

  it('reads the environment, and offers no lookup that runs a program', () => {
    process.env.RUNBOOK_LOOKUP_TEST = 'v';
    try {
      expect(render('{{ lookup("env", "RUNBOOK_LOOKUP_TEST") }}')).toBe('v');
    } finally {
      delete process.env.RUNBOOK_LOOKUP_TEST;
    }
    expect(() => render('{{ lookup("pipe", "id") }}')).toThrow(/lookup plugin \(pipe\) not found/);
    expect(() => render('{{ query("url", "http://127.0.0.1/") }}')).toThrow(/not found/);
  });
});
