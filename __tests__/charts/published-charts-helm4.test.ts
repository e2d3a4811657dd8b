import { SUPPORTED_CHARTS } from '../support/harbor-charts.js';
import { describeChartMatrix } from './chart-matrix.js';

/** Every published chart, 1.12–1.19, under Helm 4 (the action's default). */
describeChartMatrix('Helm 4', 'v4.1.4', SUPPORTED_CHARTS);
