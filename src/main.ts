import './report/dependency-warnings.js';
import { runAction } from './action.js';
import { isCancelled } from './run/cancel.js';
import { guardRun } from './run/guard.js';

guardRun();
await runAction();
// A stopped run ends now: a kept-alive connection or a late timer must not hold it past the deadline.
if (isCancelled()) process.exit(process.exitCode ?? 1);
