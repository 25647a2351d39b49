/** Worker thread of `generateDataset`: generates the studies it is sent (lib/core/pool.ts). */
import { serveTasks } from '../core/pool.js';
import { studyGenerator, type GeneratedStudy, type StudyJob, type StudyTask } from './generate.js';

let current: { key: string; generate: (i: number) => GeneratedStudy } | null = null;

serveTasks((task: StudyTask) => {
  const { index, ...job } = task;
  const key = JSON.stringify(job);
  if (current?.key !== key) current = { key, generate: studyGenerator(job satisfies StudyJob) };
  return current.generate(index);
});
