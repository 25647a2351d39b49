/** Worker thread of `prepare`: converts the series it is sent, one at a time (lib/core/pool.ts). */
import { serveTasks } from '../core/pool.js';
import { convertSeries, type SeriesTask } from './convert.js';

serveTasks(async (task: SeriesTask) => (await convertSeries(task)).frames.length);
