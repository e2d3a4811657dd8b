import { SUPPORTED_CHARTS } from '../support/harbor-charts.js';
import { describeChartMatrix } from './chart-matrix.js';

/** Every published chart, 1.12–1.19, under Helm 3 (its newest release through `3.x`). */
describeChartMatrix('Helm 3', '3.x', SUPPORTED_CHARTS);
