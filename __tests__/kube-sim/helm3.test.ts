import { describeHelmLifecycle } from './helm-lifecycle.js';

describeHelmLifecycle(3);
