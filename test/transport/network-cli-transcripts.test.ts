import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadPlatforms, type PlatformProfile } from '../../src/network/platform.js';
import { modeOfPrompt, rejection } from '../../src/network/prompt.js';
import { CliChannel, CliError, cleanTerminalText } from '../../src/transport/network-cli/channel.js';
import type { ShellStream } from '../../src/transport/transport.js';

/**
 * The channel's prompt, echo and error handling on output recorded from real devices by scrapli's
 * functional tests (test/fixtures/network/scrapli), replayed in uneven pieces as a network delivers them.
 */

const fixture = <T>(name: string): T =>
  JSON.parse(readFileSync(new URL(`../fixtures/network/scrapli/${name}`, import.meta.url), 'utf8')) as T;
const prompts = fixture<Array<{ platform: string; mode: string; prompt: string }>>('prompts.json');
const running = fixture<Record<string, { output: string; with_prompt: string }>>('show-running.json');
const ansi = fixture<Array<{ raw: string; clean: string }>>('ansi.json');
const { catalog } = loadPlatforms();
const profile = (name: string): PlatformProfile => catalog.resolve(name)!;

/** A device that answers each line with a recorded reply, cut into pieces of 1 to 97 characters. */
function replay(
  answer: (line: string) => string,
  opts: { afterPrompt?: string } = {},
): ShellStream & { sent: string[] } {
  let onData: (t: string) => void = () => {};
  const sent: string[] = [];
  let seed = 7;
  const piece = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), 1 + (seed % 97));
  return {
    sent,
    write(text) {
      sent.push(text);
      const reply = answer(text.replace(/\r$/, ''));
      let rest = reply + (opts.afterPrompt ?? '');
      const chunks: string[] = [];
      while (rest.length > 0) {
        const n = piece();
        chunks.push(rest.slice(0, n));
        rest = rest.slice(n);
      }
      let i = 0;
      const next = () => {
        if (i < chunks.length) {
          onData(chunks[i++]!);
          setImmediate(next);
        }
      };
      setImmediate(next);
    },
    onData: (l) => void (onData = l),
    onClose: () => {},
    close: () => {},
  };
}

describe('recorded prompts', () => {
  it.each(prompts)('$platform $mode prompt "$prompt" is recognised as that mode', ({ platform, mode, prompt }) => {
    const expected = platform === 'junos' && mode === 'config' ? 'config' : mode;
    expect(modeOfPrompt(profile(platform), prompt)).toBe(expected);
  });
});

describe('recorded show running-config', () => {
  it.each(Object.keys(running))(
    '%s: the full output comes back, ends at the real prompt, and no line reads as an error',
    async (platform) => {
      const rec = running[platform]!;
      const p = profile(platform);
      const prompt = rec.with_prompt.split('\n').pop()!;
      const command = platform === 'junos' ? 'show configuration' : 'show run';
      const stream = replay((line) => `${line}\r\n${rec.with_prompt.replace(/\n/g, '\r\n')}`);
      const channel = new CliChannel(stream, p, 'device');
      const reply = await channel.send(command);
      expect(reply.prompt).toBe(prompt);
      expect(reply.output).toBe(
        rec.output
          .replace(/\s+$/, '')
          .split('\n')
          .map((l) => l.replace(/\s+$/, ''))
          .join('\n'),
      );
      expect(rejection(p, reply.output)).toBeUndefined();
    },
  );
});

describe('ANSI escapes', () => {
  it.each(ansi)('cleans $raw', ({ raw, clean }) => {
    expect(cleanTerminalText(raw)).toBe(clean);
  });
});

describe('prompt detection', () => {
  it('does not stop at a prompt-like line in the middle of the output', async () => {
    const stream = replay((line) => `${line}\r\nbanner motd ^C\r\nr1#\r\n^C\r\nend\r\nr1#`);
    const reply = await new CliChannel(stream, profile('ios'), 'r1').send('show run');
    expect(reply.output).toBe('banner motd ^C\nr1#\n^C\nend');
  });

  it('waits out a prompt-like line followed by more output within the settle time', async () => {
    let onData: (t: string) => void = () => {};
    const stream: ShellStream = {
      write: () => {
        onData('show clock\r\nr1#');
        setTimeout(() => onData('\r\n*10:00:00 UTC\r\nr1#'), 10);
      },
      onData: (l) => void (onData = l),
      onClose: () => {},
      close: () => {},
    };
    const reply = await new CliChannel(stream, profile('ios'), 'r1').send('show clock');
    expect(reply.output).toBe('r1#\n*10:00:00 UTC');
  });

  it('fails loudly on a pager prompt and leaves the pager', async () => {
    const stream = replay((line) => (line === 'q' ? '\r\nr1#' : `${line}\r\nline 1\r\nline 2\r\n --More-- `));
    const err = await new CliChannel(stream, profile('ios'), 'r1').send('show run').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CliError);
    expect((err as CliError).kind).toBe('paging');
    expect(stream.sent).toContain('q');
  });

  it('refuses an echo that is not the line sent', async () => {
    const stream = replay(() => 'show clok\r\nr1#');
    const err = await new CliChannel(stream, profile('ios'), 'r1').send('show clock').catch((e: unknown) => e);
    expect((err as CliError).kind).toBe('echo');
  });

  it('answers an interactive question from the profile', async () => {
    const stream = replay((line) =>
      line === '' ? '\r\n[OK]\r\nr1#' : `${line}\r\nDestination filename [startup-config]? `,
    );
    const reply = await new CliChannel(stream, profile('ios'), 'r1').send('copy running-config startup-config');
    expect(reply.output).toContain('[OK]');
    expect(stream.sent).toEqual(['copy running-config startup-config\r', '\r']);
  });

  it('strips the Junos [edit] line above the configuration prompt', async () => {
    const stream = replay((line) => `${line}\r\n\r\n[edit]\r\nadmin@vr-vqfx# `);
    const reply = await new CliChannel(stream, profile('junos'), 'mx').send('set system ntp server 192.0.2.1');
    expect(reply.output).toBe('');
    expect(reply.mode).toBe('config');
  });
});
