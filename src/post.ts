import './report/dependency-warnings.js';
import { runPostStep } from './post-step.js';
import { enterPhase, PHASE } from './run/phase.js';
import { guardRun } from './run/guard.js';

guardRun();
enterPhase(PHASE.postStep);
await runPostStep();
