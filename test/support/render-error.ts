import { RenderError } from '../../src/playbook/template/errors.js';

/** The RenderError `fn` throws; any other error goes on, and returning at all fails the test. */
export function renderError(fn: () => unknown): RenderError {
  try {
    fn();
  } catch (err) {
    if (err instanceof RenderError) return err;
    throw err;
  }
  throw new Error('expected a RenderError');
}
