import type { PlatformProfile } from './platform.js';

/**
 * Which mode a prompt line says the device is in. Only ever given the last line of output: a banner or an
 * echoed command earlier in the output must never pass for a prompt.
 */
export function modeOfPrompt(profile: PlatformProfile, line: string): string | undefined {
  for (const [mode, prompt] of Object.entries(profile.prompts)) {
    if (!prompt.pattern.test(line)) continue;
    if (prompt.exclude.some((s) => line.includes(s))) continue;
    return mode;
  }
  return undefined;
}

/** The last line of `text`, after the last line break (a prompt is never followed by one). */
export function lastLine(text: string): string {
  const i = Math.max(text.lastIndexOf('\n'), text.lastIndexOf('\r'));
  return i < 0 ? text : text.slice(i + 1);
}

/** The first rejection a device printed in `output`, as its own line of text, or undefined. */
export function rejection(profile: PlatformProfile, output: string): string | undefined {
  const lines = output.split('\n');
  for (const re of profile.errors) {
    const m = re.exec(output);
    if (!m) continue;
    // Report the whole line the match is on, as the device worded it.
    const before = output.slice(0, m.index).split('\n').length - 1;
    return (lines[before] ?? m[0]).trim();
  }
  return undefined;
}
