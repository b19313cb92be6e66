import { Uid } from '../../common/contract/define';
import { Library } from '../library/library';
import { PredictionStore } from '../library/predictions';
import { CliError, type Command, parseCommandArgs, printJson } from './command';
import { existingLibraryDir } from './existing-library';
import { seriesUncertaintyText } from './series-uncertainty';

export const command: Command = {
  summary: "List the predictions stored for a series (every model's latest scores of each image and frame), however they were made: the app's Run, lumen predict or training.",
  usage: 'lumen predictions --series <SeriesInstanceUID> [--library <dir>] [--json]',
  async run(argv) {
    const { values } = parseCommandArgs(argv, { series: { type: 'string' }, library: { type: 'string' }, json: { type: 'boolean' } }, { positionals: false });
    if (!values.series) throw new CliError('--series <SeriesInstanceUID> is required.', 2);
    if (!Uid.safeParse(values.series).success) throw new CliError(`--series: "${values.series.slice(0, 80)}" is not a DICOM UID (digits and dots, at most 64 characters).`, 2);
    // Listing never creates a library (a mistyped --library should not leave one behind).
    const libraryDir = existingLibraryDir(values.library);
    const library = Library.open(libraryDir);
    try {
      if (!library.getSeries(values.series)) throw new CliError(`The library ${libraryDir} has no series ${values.series}. List its series with "lumen ls".`);
      const store = new PredictionStore(libraryDir);
      let predictions;
      try {
        predictions = store.forSeries(values.series);
      } finally {
        store.close();
      }
      if (values.json) {
        printJson({ seriesInstanceUid: values.series, predictions });
        return 0;
      }
      if (predictions.length === 0) {
        process.stdout.write(`No predictions are stored for series ${values.series}. Make some with "lumen predict --series ${values.series} --model <package>" or the app's Run.\n`);
        return 0;
      }
      const lines: string[] = [];
      for (const p of predictions) {
        const s = p.series[0];
        const top = s.mean.indexOf(Math.max(...s.mean));
        lines.push(`${p.modelName} (#${p.modelHash.slice(0, 12)}), ${p.images.length} image(s), latest ${p.createdAt}: ${p.classNames[top]} (mean ${s.mean[top].toFixed(3)}, max ${s.max[top].toFixed(3)})`);
        if (s.pooled) lines.push(`  series score (attention pooling): ${p.classNames.map((n, i) => `${n} ${s.pooled!.scores[i].toFixed(3)}`).join(' · ')}${seriesUncertaintyText(s.pooled)}`);
        // A series-head package run on single images (the app's "This image"): its head and its uncertainty heads judge whole series.
        else if (p.seriesHead) lines.push(`  no series score and no uncertainty: only single images were scored, and this package's series head scores a whole series (its uncertainty is the series'). Score the series with "lumen predict --series ${values.series} --model <package>".`);
        for (const im of p.images) {
          const k = im.scores.indexOf(Math.max(...im.scores));
          lines.push(`  ${im.sopInstanceUid} frame ${im.frame + 1}: ${p.classNames[k]} ${im.scores[k].toFixed(3)}${typeof im.uncertainty === 'number' ? ` (uncertainty ${im.uncertainty.toFixed(3)})` : ''}${typeof im.attention === 'number' ? ` · attention ${im.attention.toFixed(3)}` : ''}${im.domain?.outside ? ` · ⚠ outside the training data: ${im.domain.reasons.join('; ')}` : ''}`);
        }
      }
      process.stdout.write(lines.join('\n') + '\n');
      return 0;
    } finally {
      library.close();
    }
  },
};
