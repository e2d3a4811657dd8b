// Fault injection for the last line of defence: loaded into the action's node with
// NODE_OPTIONS=--import <this file>, it throws an error from a timer (nothing can catch it, as
// with undici's AssertionError) once the file named by CRASH_TRIGGER_FILE exists. The message is
// CRASH_MESSAGE, so a test can put a secret in it and check that it is redacted.
import { existsSync } from 'node:fs';

const trigger = process.env.CRASH_TRIGGER_FILE;
// The main step only (dist/index.js): the post step, run with the same environment, must not crash.
if (trigger && /index\.js$/.test(process.argv[1] ?? '')) {
  const poll = setInterval(() => {
    if (!existsSync(trigger)) return;
    clearInterval(poll);
    throw new Error(process.env.CRASH_MESSAGE ?? 'injected fault');
  }, 20);
  // Keeps no run alive that has finished without the trigger.
  poll.unref();
}
