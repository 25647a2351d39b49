import { defineCommand } from '../command.js';
import { UsageError } from '../../core/errors.js';
import { competitionScore, readLabelsAsSolution, readSubmissionCsv } from '../../metrics/index.js';

export default defineCommand({
  name: 'score',
  summary: 'Score a submission.csv with the competition metric (host scorer, exact)',
  usage: [
    'Usage: spinelab score --labels FILE --submission FILE [--json]',
    '',
    '  --labels FILE      Kaggle train.csv (wide, severity strings) or a solution CSV',
    '                     (row_id, normal_mild, moderate, severe one-hot, optional sample_weight)',
    '  --submission FILE  row_id, normal_mild, moderate, severe (extra rows are ignored)',
    '',
    'Prints the score and its four parts: per-group weighted log loss (spinal, foraminal,',
    'subarticular) and the any-severe-spinal term. --json: {"score", "spinal", "foraminal",',
    '"subarticular", "any_severe_spinal", "scored_rows", "scored_studies"}.',
  ].join('\n'),
  options: { labels: { type: 'string' }, submission: { type: 'string' } },
  async run({ values, json }) {
    if (typeof values.labels !== 'string') throw new UsageError('--labels FILE is required');
    if (typeof values.submission !== 'string') throw new UsageError('--submission FILE is required');
    const s = competitionScore(readLabelsAsSolution(values.labels), readSubmissionCsv(values.submission));
    const out = {
      score: s.score, spinal: s.spinal, foraminal: s.foraminal, subarticular: s.subarticular,
      any_severe_spinal: s.any_severe_spinal, scored_rows: s.scoredRows, scored_studies: s.scoredStudies,
    };
    if (!json) {
      console.log(`score              ${s.score.toFixed(6)}`);
      for (const k of ['spinal', 'foraminal', 'subarticular', 'any_severe_spinal'] as const) console.log(`  ${k.padEnd(19)}${s[k].toFixed(6)}`);
      console.log(`(${s.scoredRows} rows, ${s.scoredStudies} studies scored)`);
    }
    return out;
  },
});
