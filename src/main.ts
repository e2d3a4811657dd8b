import './report/dependency-warnings.js';
import { runAction } from './action.js';

await runAction();
